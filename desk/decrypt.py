"""Decrypt a synced case into a folder and verify it against its report's manifest.

    cases/<case>/report.json           the report as the citizen wrote it
    cases/<case>/attachments/NN-name   each attachment, only once its manifest entry matches
    cases/<case>/messages/             citizen messages and operator replies (desk.conversation)
    cases/<case>/notes/                the officers' internal notes (desk.notes)
    cases/<case>/verification.json     what was checked and what failed

The server's listing is not trusted (docs/envelope.md, section 15): every envelope is opened
first, and refused (``listing_mismatch``) if its authenticated header disagrees with what the
server said of it (item id, case, kind, part); then only the header's values are used.
Attachment names and types come from the sender and are not trusted either (section 16):
files are named by ``desk.names``, typed by their decrypted bytes, and never opened here.
Output is written to a temp file and renamed only after the whole envelope and its manifest
entry have verified.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from envelope import errors
from envelope.constants import Kind
from envelope.header import read_header
from envelope.listing import check_listing
from envelope.manifest import AttachmentEntry, check_content, check_header, parse_manifest
from envelope.open import Identity, decrypt_stream

from .conversation import ConversationItem, decrypt_conversation, is_conversation_attachment
from .notes import NoteResult, decrypt_notes
from .files import file_in, private_dir, private_tempfile, read_json, write_json, write_private
from .names import SNIFF_BYTES, attachment_file_name, detect_media_type, visible
from .workspace import Workspace

MAX_REPORT_BYTES = 16 * 1024 * 1024


@dataclass
class PartResult:
    item_id: str | None
    kind: str
    part: int
    status: str  # verified, missing, mismatch, unexpected, failed
    name: str | None = None  # as the sender claimed it, with its invisible characters made visible
    media_type: str | None = None  # as the sender claimed it: never used to choose a program
    detected_media_type: str | None = None  # from the decrypted bytes; gives the saved file's extension
    saved_as: str | None = None
    length: int | None = None
    sha256: str | None = None
    error: str | None = None
    error_code: str | None = None
    # The phone could not remove this file's metadata and the citizen chose to send it anyway
    # (manifest member "cleaned": false): position, device and dates may be in it. Operators
    # must treat it as identifying the citizen, and never pass it on as it is.
    metadata_kept: bool = False


@dataclass
class CaseResult:
    case_id: str
    report: PartResult
    attachments: list[PartResult] = field(default_factory=list)
    messages: list[ConversationItem] = field(default_factory=list)
    # the officers' notes: a refused one is reported, but says nothing of the citizen's report
    notes: list[NoteResult] = field(default_factory=list)

    @property
    def failures(self) -> list:
        every = [self.report, *self.attachments, *self.messages, *(f for m in self.messages for f in m.files)]
        return [p for p in every if p.status in ("mismatch", "unexpected", "failed")]

    @property
    def missing(self) -> list[PartResult]:
        return [p for p in [self.report, *self.attachments] if p.status == "missing"]

    @property
    def verdict(self) -> str:
        if self.failures:
            return "REFUSED"
        if self.missing:
            return "INCOMPLETE"
        return "VERIFIED"


class _Refused(Exception):
    def __init__(self, status: str, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


class _Counting:
    """A read-only file wrapper that reports how many bytes were read (for progress bars)."""

    def __init__(self, f, advance):
        self.f, self.advance = f, advance

    def read(self, n=-1):
        data = self.f.read(n)
        self.advance(len(data))
        return data


@dataclass
class Opener:
    """The unlocked keys, and an optional progress hook: ``progress(label, total) -> advance(n)``."""

    identities: list[Identity]
    progress: Callable[[str, int], Callable[[int], None]] | None = None

    def open(self, path: Path, listed: dict, sink, label: str):
        """Decrypt the envelope at ``path`` into ``sink``, then hold its authenticated header
        against what the server listed for it (``listing_mismatch`` on any difference)."""
        with open(path, "rb") as src:
            source = src
            if self.progress is not None:
                source = _Counting(src, self.progress(label, path.stat().st_size))
            result = decrypt_stream(source, sink, self.identities)
        check_listing(result.header, listed)
        return result


@dataclass
class Decrypted:
    opened: object  # envelope.open.OpenResult: the authenticated header, length and SHA-256
    path: Path  # the owner-only temp file holding the plaintext: rename it to keep it
    file: object  # open on that file, at its start


@contextmanager
def decrypted_temp(opener: Opener, envelope_path: Path, listed: dict, folder: Path, label: str):
    """Decrypt an envelope into an owner-only temp file in ``folder`` (checked against the server's
    listing); the caller reads it, checks it and renames ``path`` to keep it. Whatever is not
    renamed is removed on the way out, on success or failure alike, so no unverified plaintext
    stays on disk under a name anyone would open."""
    sink, tmp = private_tempfile(folder)
    try:
        with sink:
            opened = opener.open(envelope_path, listed, sink, label)
            sink.seek(0)
            yield Decrypted(opened, tmp, sink)
    finally:
        tmp.unlink(missing_ok=True)


def _fail(part: PartResult, exc: Exception) -> PartResult:
    if isinstance(exc, _Refused):
        part.status, part.error_code = exc.status, exc.code
    elif isinstance(exc, (errors.AttachmentMismatch, errors.AttachmentUnexpected)):
        part.status = "mismatch" if isinstance(exc, errors.AttachmentMismatch) else "unexpected"
        part.error_code = exc.code
    else:
        part.status, part.error_code = "failed", getattr(exc, "code", type(exc).__name__)
    part.error = str(exc)
    return part


def decrypt_case(ws: Workspace, case_id: str, identities: list[Identity], progress=None) -> CaseResult:
    opener = Opener(identities, progress)
    meta = ws.load_case_meta(case_id)
    items = sorted(meta.get("items", {}).values(), key=lambda i: i["seq"])
    out = private_dir(ws.case_dir(case_id))
    reports = [i for i in items if i["kind"] == "report"]
    result = CaseResult(case_id, PartResult(None, "report", 0, "missing"))
    entries: dict[int, AttachmentEntry] | None = None

    if len(reports) > 1:
        result.report = PartResult(None, "report", 0, "failed", error="the server lists two reports for this case",
                                   error_code="duplicate_report")
    elif reports:
        result.report, entries = _report(ws, out, case_id, reports[0], opener)

    seen_parts: set[int] = set()
    for item in items:
        if item["kind"] == "attachment" and not is_conversation_attachment(item):
            part = _attachment(ws, out, case_id, item, opener, entries)
            seen_parts.add(part.part)
            result.attachments.append(part)
    # messages and replies (verified with the report's mailbox key) and their own attachments
    report = read_json(out / "report.json") if result.report.status == "verified" else None
    result.messages = decrypt_conversation(ws, out, case_id, items, opener, report)
    result.notes = decrypt_notes(ws, out, case_id, items, identities)
    for number, entry in sorted((entries or {}).items()):
        if number not in seen_parts:
            result.attachments.append(PartResult(None, "attachment", number, "missing", name=entry.name,
                                                 media_type=entry.media_type, length=entry.length,
                                                 error="not arrived (yet)", error_code="attachment_missing"))
    result.attachments.sort(key=lambda p: p.part)
    if entries:
        kept = _parts_sent_uncleaned(out / "report.json")
        for part in result.attachments:
            part.metadata_kept = part.part in kept
    write_json(out / "verification.json", {
        "case_id": case_id,
        "checked_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verdict": result.verdict,
        "report": asdict(result.report),
        "attachments": [asdict(p) for p in result.attachments],
        "messages": [asdict(p) for p in result.messages],
        "notes": [asdict(p) for p in result.notes],
    })
    return result


def _parts_sent_uncleaned(report_path: Path) -> set[int]:
    report = json.loads(report_path.read_text())
    return {a.get("part") for a in report.get("attachments", []) if isinstance(a, dict) and a.get("cleaned") is False}


def _report(ws, out: Path, case_id: str, item: dict, opener: Opener) -> tuple[PartResult, dict | None]:
    part = PartResult(item["item_id"], "report", 0, "verified")
    try:
        with decrypted_temp(opener, ws.envelope_path(case_id, item["item_id"]), item, out, "report") as plain:
            opened = plain.opened
            if opened.header.kind is not Kind.REPORT:  # check_listing made the listing's "report" true
                raise _Refused("failed", "listing_mismatch", "the envelope is not a report")
            if opened.content_length > MAX_REPORT_BYTES:
                raise _Refused("failed", "too_large", "the report is implausibly large")
            raw = plain.file.read()
        try:
            report = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise errors.ManifestInvalid("the report is not UTF-8 JSON") from None
        if not isinstance(report, dict):
            raise errors.ManifestInvalid("the report is not a JSON object")
        entries = parse_manifest(report)
        write_private(out / "report.json", (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode())
        part.saved_as, part.length, part.sha256 = "report.json", opened.content_length, opened.content_sha256.hex()
        return part, entries
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none crashes the desk
        return _fail(part, exc), None


def _attachment(ws, out: Path, case_id: str, item: dict, opener: Opener, entries) -> PartResult:
    path = ws.envelope_path(case_id, item["item_id"])
    part = PartResult(item["item_id"], "attachment", item["part_index"], "verified")
    try:
        with open(path, "rb") as f:
            header = read_header(f)
        part.part = header.part_index
        if entries is None:
            raise _Refused("failed", "no_report", "no verified report to check this attachment against")
        entry = entries.get(header.part_index)
        if entry is None:
            raise errors.AttachmentUnexpected(f"part {header.part_index} is not in the report's manifest")
        part.name, part.media_type = visible(entry.name), visible(entry.media_type)
        check_header(entry, header.hash)  # before decrypting: is it the very envelope the report names?
        folder = private_dir(out / "attachments")
        state = read_json(out / ".done.json", {})
        done = state.get(item["item_id"])
        if isinstance(done, dict) and done.get("sha256") == item["sha256"] and (out / done["saved_as"]).is_file():
            part.saved_as, part.length, part.sha256 = done["saved_as"], entry.length, entry.sha256.hex()
            part.detected_media_type = done.get("detected_media_type")
            return part
        with decrypted_temp(opener, path, item, folder, f"attachment {entry.part}") as plain:
            opened = plain.opened
            check_content(entry, opened.content_length, opened.content_sha256)
            # The type comes from the bytes, the name is sanitised: never the sender's extension.
            part.detected_media_type = detect_media_type(plain.file.read(SNIFF_BYTES))
            target = file_in(folder, attachment_file_name(entry.name, entry.part, part.detected_media_type))
            plain.path.replace(target)
        part.saved_as = str(target.relative_to(out))
        state[item["item_id"]] = {"sha256": item["sha256"], "saved_as": part.saved_as,
                                  "detected_media_type": part.detected_media_type}
        write_json(out / ".done.json", state)
        part.length, part.sha256 = opened.content_length, opened.content_sha256.hex()
    except Exception as exc:  # noqa: BLE001
        _fail(part, exc)
    return part
