"""Decrypt and verify a case's conversation (docs/envelope.md section 17) into its folder:

    cases/<case>/messages/<seq>-<message|reply>-<id>.json   each verified body (JSON)
    cases/<case>/messages/files/<seq>-<n>-<safe name>        their attachments, once verified

A message or reply is opened, held against the server's listing, and (a citizen's message)
verified with the mailbox's Ed25519 key from the case's verified report: a message the
receipt did not sign is refused, never shown. Attachments (kind 2, parts 1024 and up) are
found by the header hash their message or reply names, then checked like a report's.
Called by desk.decrypt; the results go into verification.json.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path

from envelope import errors
from envelope.constants import Kind
from envelope.conversation import FIRST_CONVERSATION_PART, NoMailboxKey
from envelope.conversation_open import check_attachment, check_attachment_header, open_item
from envelope.header import read_header

from .files import file_in, private_dir, private_tempfile, read_json, write_json, write_private
from envelope.names import safe_name

from .names import SNIFF_BYTES, detect_media_type, visible

MESSAGES = "messages"
FILES = "files"


def is_conversation_attachment(item: dict) -> bool:
    """A kind 2 item the listing places in the conversation's part range (the header decides later)."""
    return item["kind"] == "attachment" and item["part_index"] >= FIRST_CONVERSATION_PART


def mailbox_keys(report: dict | None) -> tuple[bytes | None, bytes | None]:
    """The citizen's (X25519, Ed25519) public keys from a verified report's ``mailbox``, or None."""
    box = report.get("mailbox") if isinstance(report, dict) else None
    if not isinstance(box, dict):
        return None, None

    def key(name):
        try:
            raw = base64.b64decode(box.get(name, ""), validate=True)
        except (binascii.Error, TypeError, ValueError):
            return None
        return raw if len(raw) == 32 else None

    return key("x25519"), key("ed25519")


@dataclass
class FileResult:
    """One attachment of a message or reply."""

    part: int
    status: str  # verified, pending (not arrived yet), mismatch, failed
    name: str  # the sender's claim, its invisible characters made visible
    media_type: str
    length: int
    kind: str = "attachment"
    item_id: str | None = None
    detected_media_type: str | None = None
    saved_as: str | None = None
    error_code: str | None = None


@dataclass
class ConversationItem:
    item_id: str
    kind: str  # message (citizen) or reply (police), from the authenticated header
    seq: int
    part: int = 0
    status: str = "failed"  # or verified
    saved_as: str | None = None
    written_at: str | None = None
    author: str | None = None
    text_length: int | None = None
    files: list[FileResult] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None


def decrypt_conversation(ws, out: Path, case_id: str, items: list[dict], opener, report: dict | None
                         ) -> list[ConversationItem]:
    """Every message and reply of the case, in the server's order, with their attachments."""
    _, verify_key = mailbox_keys(report)
    envelopes = {i["item_id"]: i for i in items if is_conversation_attachment(i)}
    by_hash: dict[bytes, dict] = {}
    for item in envelopes.values():
        try:
            with open(ws.envelope_path(case_id, item["item_id"]), "rb") as f:
                by_hash[read_header(f).hash] = item  # no key needed to know which header it is
        except (OSError, errors.EnvelopeError):
            continue  # a malformed envelope is named by no message: never shown
    results = []
    seen: set[str] = set()
    for item in items:
        if item["kind"] not in ("message", "reply") or item["item_id"] in seen:
            continue
        seen.add(item["item_id"])
        results.append(_item(ws, out, case_id, item, opener, verify_key, by_hash))
    return results


def _item(ws, out: Path, case_id: str, item: dict, opener, verify_key, by_hash) -> ConversationItem:
    result = ConversationItem(item["item_id"], item["kind"], item["seq"])
    try:
        # streamed: a header announcing more than 64 KiB is refused before any payload is read
        with open(ws.envelope_path(case_id, item["item_id"]), "rb") as f:
            opened = open_item(f, opener.identities, listed=item, verify_key=verify_key)
    except NoMailboxKey:
        result.error_code = "no_mailbox_key"
        result.error = "no verified report naming the mailbox's key: the citizen's message cannot be checked"
        return result
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none crashes the desk
        result.error_code = getattr(exc, "code", type(exc).__name__)
        result.error = str(exc)
        return result
    body = opened.body
    result.status, result.kind = "verified", body.type
    result.written_at, result.author, result.text_length = body.written_at, body.author, len(body.text)
    folder = private_dir(out / MESSAGES)
    name = f"{item['seq']:08d}-{body.type}-{opened.item_id[:8]}.json"
    record = {"v": 1, "type": body.type, "item_id": opened.item_id, "seq": item["seq"], "text": body.text,
              "written_at": body.written_at, "author": body.author,
              "attachments": [e.to_json() for e in body.attachments],
              "signed_by_receipt": opened.kind is Kind.MESSAGE}
    data = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode()
    write_private(file_in(folder, name), data)
    result.saved_as = f"{MESSAGES}/{name}"
    for index, entry in enumerate(body.attachments, 1):
        result.files.append(_file(ws, out, case_id, item["seq"], index, entry, opener, by_hash,
                                  bytes.fromhex(opened.case_id)))
    return result


def _file(ws, out: Path, case_id: str, seq: int, index: int, entry, opener, by_hash, case_bytes) -> FileResult:
    part = FileResult(entry.part, "pending", visible(entry.name), visible(entry.media_type), entry.length)
    listed = by_hash.get(entry.header_hash)
    if listed is None:
        part.error_code = "attachment_missing"  # not arrived (yet): the message is shown without it
        return part
    part.item_id = listed["item_id"]
    folder = private_dir(out / MESSAGES / FILES)
    state = read_json(out / ".done.json", {})
    done = state.get(listed["item_id"])
    if isinstance(done, dict) and done.get("sha256") == listed["sha256"] and (out / done["saved_as"]).is_file():
        part.status, part.saved_as = "verified", done["saved_as"]
        part.detected_media_type = done.get("detected_media_type")
        return part
    tmp = None
    try:
        path = ws.envelope_path(case_id, listed["item_id"])
        with open(path, "rb") as f:
            check_attachment_header(entry, read_header(f).hash)
        sink, tmp = private_tempfile(folder)
        with sink:
            opened = opener.open(path, listed, sink, f"attachment {index} of #{seq}")
            sink.seek(0)
            head = sink.read(SNIFF_BYTES)
        check_attachment(entry, opened, case_id=case_bytes)
        part.detected_media_type = detect_media_type(head)
        target = file_in(folder, f"{seq:08d}-{index:02d}-{safe_name(entry.name, part.detected_media_type)}")
        tmp.replace(target)
        tmp = None
        part.status, part.saved_as = "verified", str(target.relative_to(out))
        state[listed["item_id"]] = {"sha256": listed["sha256"], "saved_as": part.saved_as,
                                    "detected_media_type": part.detected_media_type}
        write_json(out / ".done.json", state)
    except Exception as exc:  # noqa: BLE001
        part.status = "mismatch" if isinstance(exc, errors.AttachmentMismatch) else "failed"
        part.error_code = getattr(exc, "code", type(exc).__name__)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    return part
