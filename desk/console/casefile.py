"""One case as the desk holds it on disk, gathered for the console: what the server said of it
(ciphertext/<case>/case.json), what the desk decrypted and verified (cases/<case>/), and the
citizen's messages. Only files written by desk.sync and desk.decrypt are read; their contents
that come from the sender stay untrusted (see report_view)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from envelope.names import display_line, display_text

from ..files import read_json
from ..workspace import Workspace
from .report_view import ReportView, read_report, text

# Types a browser shows inside <img>/<video> without running anything; every other file is
# offered as a download only (never rendered as a document: no HTML, no SVG, no PDF viewer).
INLINE_IMAGES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
INLINE_VIDEOS = frozenset({"video/mp4", "video/webm", "video/quicktime"})


def parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


@dataclass
class Attachment:
    part: int
    status: str
    name: str = ""
    claimed_type: str = ""
    detected_type: str = ""
    saved_as: str = ""
    length: int | None = None
    sha256: str = ""  # of the decrypted content, checked against the report's manifest
    ciphertext_sha256: str = ""  # of the envelope as downloaded
    item_id: str = ""
    metadata_kept: bool = False
    error_code: str = ""

    @property
    def kind(self) -> str:
        if self.detected_type.startswith("image/"):
            return "photo"
        if self.detected_type.startswith("video/"):
            return "video"
        return "file"

    @property
    def inline(self) -> str | None:
        """'img' or 'video' when the browser may show it inline, else None (download only)."""
        if self.status != "verified" or not self.saved_as:
            return None
        if self.detected_type in INLINE_IMAGES:
            return "img"
        if self.detected_type in INLINE_VIDEOS:
            return "video"
        return None

    @property
    def type_differs(self) -> bool:
        return bool(self.claimed_type) and self.claimed_type != self.detected_type


@dataclass
class Message:
    seq: int
    kind: str  # message (from the citizen) or reply (from the police)
    status: str
    text: str = ""
    written_at: str = ""
    received_at: datetime | None = None
    author: str = ""
    item_id: str = ""
    sha256: str = ""
    files: list[Attachment] = field(default_factory=list)


@dataclass
class Note:
    """An officer's internal note (docs/envelope.md section 18), decrypted by desk.notes."""

    seq: int
    status: str  # verified, or failed (then only error_code is shown)
    item_id: str = ""
    text: str = ""
    written_at: str = ""  # the writer's clock (a claim)
    author: str = ""  # a claim too: the server's audit trail says which account stored it
    error_code: str = ""


@dataclass
class CaseFile:
    case_id: str
    meta: dict
    received_at: datetime | None
    status: str
    status_changed_at: datetime | None
    assignee: str = ""  # the server's (shared by the unit)
    decrypted: bool = False
    verdict: str | None = None
    checked_at: str = ""
    report: ReportView | None = None
    report_item: str = ""
    report_sha256: str = ""
    report_ciphertext_sha256: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def metadata_kept(self) -> bool:
        return any(a.metadata_kept for a in self.attachments)

    def all_files(self) -> list[Attachment]:
        """The report's attachments and those of the messages and replies (parts 1024 and up)."""
        return [*self.attachments, *(f for m in self.messages for f in m.files)]

    def count(self, kind: str) -> int:
        return sum(a.kind == kind and a.status == "verified" for a in self.attachments)

    @property
    def items(self) -> dict:
        items = self.meta.get("items")
        return items if isinstance(items, dict) else {}

    def first_reply_at(self) -> datetime | None:
        times = [parse_time(i.get("received_at")) for i in self.items.values() if i.get("kind") == "reply"]
        times = [t for t in times if t]
        return min(times) if times else None


def _attachment(part: dict, items: dict) -> Attachment:
    item_id = text(part.get("item_id"), 40)
    return Attachment(
        part=part.get("part") if type(part.get("part")) is int else -1, status=text(part.get("status"), 20),
        name=text(part.get("name"), 300), claimed_type=text(part.get("media_type"), 100),
        detected_type=text(part.get("detected_media_type"), 100), saved_as=text(part.get("saved_as"), 400),
        length=part.get("length") if type(part.get("length")) is int else None,
        sha256=text(part.get("sha256"), 64), ciphertext_sha256=text(items.get(item_id, {}).get("sha256"), 64),
        item_id=item_id, metadata_kept=part.get("metadata_kept") is True, error_code=text(part.get("error_code"), 60))


def _message(ws: Workspace, case_id: str, part: dict, items: dict) -> Message:
    item = items.get(part.get("item_id") or "", {})
    msg = Message(seq=int(item.get("seq") or 0), kind=text(part.get("kind"), 20) or "message",
                  status=text(part.get("status"), 20), item_id=text(part.get("item_id"), 40),
                  sha256=text(part.get("sha256"), 64), received_at=parse_time(item.get("received_at")))
    msg.files = [_attachment(f, items) for f in part.get("files") or [] if isinstance(f, dict)]
    saved = part.get("saved_as")
    if msg.status != "verified" or not isinstance(saved, str):
        return msg
    path = ws.case_dir(case_id) / saved
    try:
        raw = path.read_bytes()[:1_000_000].decode("utf-8")
    except (OSError, UnicodeDecodeError):
        msg.text = ""
        return msg
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = None
    if isinstance(payload, dict):  # docs/conversation.md: {"v", "type", "text", "written_at", "author", ...}
        msg.text = text(payload.get("text"))
        msg.written_at = text(payload.get("written_at"), 40)
        msg.author = text(payload.get("author"), 100)
    else:
        msg.text = raw[:20_000]
    return msg


def _note(ws: Workspace, case_id: str, part: dict, items: dict) -> Note:
    item = items.get(part.get("item_id") or "", {})
    note = Note(seq=int(item.get("seq") or 0), status=text(part.get("status"), 20),
                item_id=text(part.get("item_id"), 40), error_code=text(part.get("error_code"), 60))
    saved = part.get("saved_as")
    if note.status != "verified" or not isinstance(saved, str):
        return note
    payload = read_json(ws.case_dir(case_id) / saved)
    if not isinstance(payload, dict):
        note.status, note.error_code = "failed", "unreadable"
        return note
    # shown as section 17 says for a reply: normalised, controls made harmless, one-line author
    note.text = display_text(text(payload.get("text")))
    note.written_at = text(payload.get("written_at"), 40)
    note.author = display_line(text(payload.get("author"), 100))
    return note


def load_case(ws: Workspace, case_id: str) -> CaseFile:
    meta = ws.load_case_meta(case_id)
    case = CaseFile(case_id=case_id, meta=meta, received_at=parse_time(meta.get("created_at")),
                    status=text(meta.get("status"), 32) or "new",
                    status_changed_at=parse_time(meta.get("status_changed_at")),
                    assignee=text(meta.get("assignee"), 64))
    folder = ws.case_dir(case_id)
    ver = read_json(folder / "verification.json")
    if not isinstance(ver, dict):
        return case
    items = case.items
    case.decrypted = True
    case.verdict = ver.get("verdict") if ver.get("verdict") in ("VERIFIED", "INCOMPLETE", "REFUSED") else "REFUSED"
    case.checked_at = text(ver.get("checked_at"), 40)
    rep = ver.get("report") if isinstance(ver.get("report"), dict) else {}
    case.report_item = text(rep.get("item_id"), 40)
    case.report_sha256 = text(rep.get("sha256"), 64)
    case.report_ciphertext_sha256 = text(items.get(case.report_item, {}).get("sha256"), 64)
    if rep.get("status") == "verified":
        try:
            case.report = read_report(json.loads((folder / "report.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            case.report = None
    case.attachments = [_attachment(p, items) for p in ver.get("attachments") or [] if isinstance(p, dict)]
    case.messages = sorted((_message(ws, case_id, p, items) for p in ver.get("messages") or []
                            if isinstance(p, dict)), key=lambda m: m.seq)
    case.notes = sorted((_note(ws, case_id, p, items) for p in ver.get("notes") or [] if isinstance(p, dict)),
                        key=lambda n: n.seq)
    return case


def attachment_path(ws: Workspace, case: CaseFile, att: Attachment) -> Path | None:
    """The decrypted file of a verified attachment, only if it lies inside the case's folder."""
    if att.status != "verified" or not att.saved_as:
        return None
    folder = ws.case_dir(case.case_id).resolve()
    path = (folder / att.saved_as).resolve()
    if folder not in path.parents or not path.is_file():
        return None
    return path
