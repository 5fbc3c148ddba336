"""Internal notes (docs/envelope.md section 18): written on one desk, read on every desk of the
unit, never by the server or the citizen.

A note is sealed here to every key of the verified police bundle (never to the citizen's
mailbox key) and kept in an outbox until the server confirms it, so a note written while the
server is unreachable is sent later, not lost (the server treats a repeated PUT of the same
item as a no-op):

    notes-outbox/<case>/<note item>.env      sealed, not yet confirmed

Reading: every kind 5 item the feed lists is opened, held against the listing, checked, and
saved as

    cases/<case>/notes/<seq>-note-<id>.json    {"item_id", "seq", "text", "written_at", "author"}

``author`` and ``written_at`` are the writer's claims (section 18); the server's audit trail
says which operator account stored the item.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from envelope.notes import build_body, seal_note, written_at
from envelope.notes_open import open_note

from .client import Client, DeskError
from .files import file_in, private_dir, write_private

OUTBOX = "notes-outbox"
NOTES = "notes"


@dataclass
class NoteResult:
    item_id: str
    seq: int
    status: str = "failed"  # or verified
    saved_as: str | None = None
    written_at: str | None = None
    author: str | None = None
    error: str | None = None
    error_code: str | None = None


def prepare_note(ws, case_id: str, *, text: str, author: str, bundle_keys: list[bytes]) -> Path:
    """Seal a note into the outbox; returns its file (named by its item id)."""
    body = build_body(text=text, written_at=written_at(), author=author)
    envelope, sealed = seal_note(case_id=bytes.fromhex(case_id), body=body, bundle_keys=bundle_keys)
    folder = private_dir(ws.home / OUTBOX / case_id)
    path = file_in(folder, f"{sealed.header.envelope_id.hex()}.env")
    write_private(path, envelope)
    return path


def pending(ws, case_id: str | None = None) -> list[tuple[str, Path]]:
    """(case id, envelope) of every note not yet confirmed, oldest first."""
    root = ws.home / OUTBOX
    folders = [root / case_id] if case_id else (sorted(root.iterdir()) if root.is_dir() else [])
    found = []
    for folder in folders:
        if folder.is_dir():
            found += [(folder.name, p) for p in sorted(folder.glob("*.env"), key=lambda p: p.stat().st_mtime)]
    return found


def send(client: Client, case_id: str, path: Path) -> str:
    """Upload one sealed note; removed from the outbox once the server confirms it."""
    item_id = path.stem
    client.put_item(case_id, item_id, path)
    path.unlink()
    return item_id


def send_pending(client: Client, ws) -> tuple[int, list[str]]:
    """Send every note waiting in the outbox; (sent, errors). A refused one stays and is reported."""
    sent, problems = 0, []
    for case_id, path in pending(ws):
        try:
            send(client, case_id, path)
            sent += 1
        except DeskError as exc:
            problems.append(f"note {path.stem[:8]} of case {case_id[:8]}: {exc}")
    return sent, problems


def decrypt_notes(ws, out: Path, case_id: str, items: list[dict], identities) -> list[NoteResult]:
    """Every note of the case, in the server's order; each refused one is reported, never shown."""
    results, seen = [], set()
    for item in items:
        if item["kind"] != "note" or item["item_id"] in seen:
            continue
        seen.add(item["item_id"])
        result = NoteResult(item["item_id"], item["seq"])
        try:
            with open(ws.envelope_path(case_id, item["item_id"]), "rb") as f:
                opened = open_note(f, identities, listed=item)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none crashes the desk
            result.error_code, result.error = getattr(exc, "code", type(exc).__name__), str(exc)
            results.append(result)
            continue
        body = opened.body
        folder = private_dir(out / NOTES)
        name = f"{item['seq']:08d}-note-{opened.item_id[:8]}.json"
        record = {"v": 1, "type": "note", "item_id": opened.item_id, "seq": item["seq"], "text": body.text,
                  "written_at": body.written_at, "author": body.author}
        write_private(file_in(folder, name), (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode())
        result.status, result.saved_as = "verified", f"{NOTES}/{name}"
        result.written_at, result.author = body.written_at, body.author
        results.append(result)
    return results
