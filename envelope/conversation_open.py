"""Reading messages and replies (docs/envelope.md, section 17), for readers holding a private key:
the desk (a police key) and tests; the phone's twin is pwa/src/crypto/conversation.js.

Order of the checks, as the spec gives it: open (section 8, with a 64 KiB ceiling on the padded
length), hold the authenticated header against the listing (section 15), kind 3 or 4 and part
0, then a message's signature by the mailbox's key, then the body. An attachment is bound to
its message or reply by its header hash; it is checked against its entry like a report's.
The server never imports this module.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from . import errors
from .constants import Kind
from .conversation import MAX_PADDED_LENGTH, TYPES, Body, open_body
from .listing import check_listing
from .manifest import AttachmentEntry, check_content
from .open import Identity, OpenResult, decrypt_stream


@dataclass(frozen=True)
class OpenedItem:
    kind: Kind
    item_id: str  # the header's envelope id, 32 hex digits (equal to the listing's)
    case_id: str
    header_hash: bytes
    key_id: bytes  # which of the reader's keys opened it
    body: Body


def open_item(envelope: bytes | BinaryIO, identities: Sequence[Identity], *, listed: Mapping,
              verify_key: bytes | None) -> OpenedItem:
    """Open a message or reply and check it. ``listed`` is what the server said of it
    (``item_id``, ``case_id``, ``kind``, ``part_index``); ``verify_key`` the mailbox's Ed25519
    public key (the report's ``mailbox.ed25519`` for the police, the receipt's own key for the
    citizen), required to read a message."""
    source = io.BytesIO(envelope) if isinstance(envelope, (bytes, bytearray, memoryview)) else envelope
    sink = io.BytesIO()
    result = decrypt_stream(source, sink, identities, max_padded_length=MAX_PADDED_LENGTH)
    header = result.header
    check_listing(header, listed)
    if header.kind not in TYPES:
        raise errors.MessageInvalid(f"a {header.kind.name.lower()} is not a message or a reply")
    if header.part_index != 0:
        raise errors.MessageInvalid(f"a message or reply is part 0, not {header.part_index}")
    body = open_body(header.kind, sink.getvalue(), case_id=header.case_id, envelope_id=header.envelope_id,
                     verify_key=verify_key)
    return OpenedItem(header.kind, header.envelope_id.hex(), header.case_id.hex(), result.header_hash,
                      result.key_id, body)


def check_attachment_header(entry: AttachmentEntry, header_hash: bytes) -> None:
    """Before decrypting: is it the very envelope the message names?"""
    if header_hash != entry.header_hash:
        raise errors.AttachmentMismatch(f"part {entry.part}: the header hash differs from the message's entry")


def check_attachment(entry: AttachmentEntry, result: OpenResult, *, case_id: bytes) -> None:
    """After opening an attachment of a message or reply: kind, case, part, length, SHA-256."""
    header = result.header
    check_attachment_header(entry, result.header_hash)
    if header.kind is not Kind.ATTACHMENT or header.case_id != case_id or header.part_index != entry.part:
        raise errors.AttachmentMismatch(f"part {entry.part}: not this case's attachment of that part")
    check_content(entry, result.content_length, result.content_sha256)


__all__ = ["OpenedItem", "check_attachment", "check_attachment_header", "open_item"]
