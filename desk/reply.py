"""An operator's reply (docs/envelope.md section 17): sealed here, on the operator's machine, to
the citizen's mailbox key (from the case's verified report) and to every key of the police
bundle (verified against the root key), so that the citizen reads it with the receipt and every
colleague reads the whole thread. The server only ever receives the envelopes.

A reply is prepared into an outbox folder before anything is sent, and each envelope is marked
sent once the server confirms it, so an interrupted upload resumes (``send_pending``) and
nothing is lost or sent twice (the server treats a repeated PUT of the same item as a no-op):

    outbox/<case>/<reply item>/plan.json      what to send, in order, and what was confirmed
    outbox/<case>/<reply item>/<item>.env      the sealed envelopes (attachments, then the reply)
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from envelope import bundle as kb
from envelope.constants import MAX_RECIPIENTS, Kind
from envelope.framing import payload_size
from envelope.header import header_size
from envelope.padding import padded_length
from envelope.conversation import build_body, conversation_recipients, new_attachment_part, seal_attachment
from envelope.conversation import seal_item, written_at
from envelope.keys import fingerprint

from .client import Client, DeskError
from .conversation import mailbox_keys
from .files import private_dir, read_json, write_json, write_private
from .names import SNIFF_BYTES, detect_media_type
from envelope.names import safe_name

PLAN = "plan.json"
UNKNOWN_TYPE = "application/octet-stream"
MiB = 1024 * 1024
# The server's default limit for one PUT (TIPLINE_MAX_DIRECT_PUT_BYTES): a reply's file is sent
# whole. A server set lower answers 413; the reply then waits in the outbox (--discard drops it).
DIRECT_PUT_LIMIT = 8 * MiB


def envelope_size(content_length: int) -> int:
    """The size of a reply's file once sealed (16 stanzas at most: the largest it can be)."""
    return header_size(MAX_RECIPIENTS) + payload_size(padded_length(content_length))


@dataclass
class PoliceKeys:
    keys: list[bytes]  # primary first, then backups
    sequence: int
    fingerprints: list[str]


def trusted_root(ws, keyring, root_key_file: Path | None) -> bytes:
    """The root public key a bundle must be signed by: ``--root-key`` (keys/root-key.json, whose
    fingerprint was read aloud), else HOME/root-key.json, else this keyring's only root key."""
    for path in (root_key_file, ws.home / "root-key.json"):
        if path is not None and path.exists():
            return kb.parse_root_key_document(path.read_text())
    roots = keyring.keys("ed25519")
    if len(roots) == 1:
        return roots[0].public_key
    raise DeskError("the desk needs the root public key to check the police bundle: pass --root-key "
                    "keys/root-key.json or copy it to " + str(ws.home / "root-key.json"))


def police_keys(ws, client: Client | None, root: bytes, bundle_file: Path | None) -> PoliceKeys:
    """The bundle's keys, from ``bundle_file`` or the server, verified against ``root``; its
    sequence may not go below the highest this desk has seen (HOME/bundle-seen.json)."""
    document = json.loads(bundle_file.read_text()) if bundle_file else client.key_bundle()
    seen_file = ws.home / "bundle-seen.json"
    seen = read_json(seen_file, {}).get("sequence", 0)
    # No origin check: the desk is not a web page; the root's signature and the sequence decide.
    bundle = kb.verify_bundle(document, root, origin=None, min_sequence=seen)
    if bundle.sequence > seen:
        write_json(seen_file, {"sequence": bundle.sequence})
    keys = bundle.public_keys
    return PoliceKeys(keys, bundle.sequence, [fingerprint(k) for k in keys])


def citizen_key(ws, case_id: str) -> bytes:
    """The citizen's X25519 mailbox key, from the case's report once the desk has verified it."""
    folder = ws.case_dir(case_id)
    verification = read_json(folder / "verification.json", {}) or {}
    if (verification.get("report") or {}).get("status") != "verified":
        raise DeskError(f"case {case_id} has no verified report here: run `tipline-desk messages {case_id}` "
                        "(or sync and decrypt) first")
    x25519, _ = mailbox_keys(read_json(folder / "report.json"))
    if x25519 is None:
        raise DeskError(f"the report of case {case_id} names no mailbox: this citizen cannot receive replies")
    return x25519


def metadata_warning(path: Path) -> str | None:
    """What a file sent to the citizen may reveal that the officer did not mean to send: the
    position and device in a photo's EXIF or XMP, text chunks of a PNG. The desk does not
    rewrite the file (it would lose orientation and colour profile); it says so."""
    with open(path, "rb") as f:
        head = f.read(256 * 1024)
    kind = detect_media_type(head)
    if kind == "image/jpeg" and (b"Exif\x00\x00" in head or b"http://ns.adobe.com/xap/" in head):
        found = "EXIF or XMP metadata (it may hold where and with what device it was taken)"
    elif kind == "image/png" and any(t in head for t in (b"eXIf", b"tEXt", b"iTXt", b"zTXt")):
        found = "metadata chunks (EXIF or text)"
    elif kind is not None and kind.startswith(("video/", "image/heic", "image/heif", "image/avif", "image/tiff")):
        found = "a format whose metadata the desk does not check"
    else:
        return None
    return f"{path.name} has {found}: the citizen receives the file as it is; strip it first if that matters"


def prepare_reply(ws, case_id: str, *, text: str, files: list[Path], author: str | None, police: PoliceKeys,
                  citizen_x25519: bytes) -> Path:
    """Seal the attachments, then the reply, into a new outbox folder; returns the folder."""
    case_bytes = bytes.fromhex(case_id)
    recipients = conversation_recipients(Kind.REPLY, police.keys, citizen_x25519)
    staging = private_dir(ws.home / "outbox" / case_id / ".staging")
    shutil.rmtree(staging)  # what an interrupted preparation left: never sent, nothing to keep
    private_dir(staging)
    entries, plan, used = [], [], set()
    for path in files:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
        detected = detect_media_type(head)
        part = new_attachment_part(used)
        used.add(part)
        out = staging / f"attachment-{len(plan)}.env"
        with open(path, "rb") as src, open(out, "wb") as sink:
            entry, sealed = seal_attachment(src, sink, content_length=path.stat().st_size, case_id=case_bytes,
                                            recipients=recipients, part=part,
                                            name=safe_name(path.name, detected), media_type=detected or UNKNOWN_TYPE)
        item_id = sealed.header.envelope_id.hex()
        out.rename(staging / f"{item_id}.env")
        entries.append(entry)
        plan.append({"item_id": item_id, "kind": "attachment", "sent": False})
    body = build_body(Kind.REPLY, text=text, written_at=written_at(), attachments=entries, author=author)
    envelope, sealed = seal_item(kind=Kind.REPLY, case_id=case_bytes, body=body, recipients=recipients)
    reply_id = sealed.header.envelope_id.hex()
    write_private(staging / f"{reply_id}.env", envelope)
    plan.append({"item_id": reply_id, "kind": "reply", "sent": False})
    write_json(staging / PLAN, {"case_id": case_id, "reply_id": reply_id, "items": plan,
                                "bundle_sequence": police.sequence})
    folder = ws.home / "outbox" / case_id / reply_id
    staging.rename(folder)  # complete and durable: from here on it is sent, however many tries it takes
    return folder


def pending(ws, case_id: str) -> list[Path]:
    root = ws.home / "outbox" / case_id
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / PLAN).is_file())


def send(client: Client, folder: Path) -> str:
    """Upload every envelope of a prepared reply not yet confirmed, in order (attachments before
    the reply that names them); remove the folder once all are confirmed. Returns the reply's id."""
    plan = read_json(folder / PLAN)
    for entry in plan["items"]:
        if entry["sent"]:
            continue
        client.put_item(plan["case_id"], entry["item_id"], folder / f"{entry['item_id']}.env")
        entry["sent"] = True
        write_json(folder / PLAN, plan)
    shutil.rmtree(folder)
    return plan["reply_id"]
