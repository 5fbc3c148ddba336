"""Reading internal notes (docs/envelope.md, section 18), for the desk (a police key) and tests.

Order of the checks, as the spec gives it: open (section 8, with a 64 KiB ceiling on the padded
length), hold the authenticated header against the listing (section 15), kind 5 and part 0,
then the body. The server never imports this module.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from . import errors
from .constants import Kind
from .listing import check_listing
from .notes import MAX_PADDED_LENGTH, NoteBody, parse_body
from .open import Identity, decrypt_stream


@dataclass(frozen=True)
class OpenedNote:
    item_id: str  # the header's envelope id, 32 hex digits (equal to the listing's)
    case_id: str
    key_id: bytes  # which of the reader's keys opened it
    body: NoteBody


def open_note(envelope: bytes | BinaryIO, identities: Sequence[Identity], *, listed: Mapping) -> OpenedNote:
    """Open a note and check it. ``listed`` is what the server said of it (``item_id``,
    ``case_id``, ``kind``, ``part_index``)."""
    source = io.BytesIO(envelope) if isinstance(envelope, (bytes, bytearray, memoryview)) else envelope
    sink = io.BytesIO()
    result = decrypt_stream(source, sink, identities, max_padded_length=MAX_PADDED_LENGTH)
    header = result.header
    check_listing(header, listed)
    if header.kind is not Kind.NOTE:
        raise errors.NoteInvalid(f"a {header.kind.name.lower()} is not a note")
    if header.part_index != 0:
        raise errors.NoteInvalid(f"a note is part 0, not {header.part_index}")
    return OpenedNote(header.envelope_id.hex(), header.case_id.hex(), result.key_id, parse_body(sink.getvalue()))


__all__ = ["OpenedNote", "open_note"]
