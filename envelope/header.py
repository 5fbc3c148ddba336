"""The envelope header: layout, parsing and serialisation. No secret is needed here.

This is the part the server uses to refuse anything that is not a well-formed envelope.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from . import errors
from .constants import (
    FIXED_HEADER_SIZE,
    KEY_ID_SIZE,
    MAC_SIZE,
    MAGIC,
    MAX_PADDED_LENGTH,
    MAX_RECIPIENTS,
    STANZA_SIZE,
    VERSION,
    Kind,
)
from .framing import chunk_count, payload_size
from .keys import blake2b
from .padding import is_canonical_padded_length

# magic(7) version(1) kind(1) nrecipients(1) reserved(2) envelope_id(16) case_id(16)
# part_index(4, BE) padded_length(8, BE)
_FIXED = struct.Struct(">7sBBBH16s16sIQ")
assert _FIXED.size == FIXED_HEADER_SIZE


@dataclass(frozen=True)
class Stanza:
    key_id: bytes
    sealed_key: bytes


@dataclass(frozen=True)
class Header:
    kind: Kind
    envelope_id: bytes
    case_id: bytes
    part_index: int
    padded_length: int
    stanzas: tuple[Stanza, ...]
    mac: bytes

    def body_bytes(self) -> bytes:
        """Every header byte the MAC covers (all but the MAC itself)."""
        fixed = _FIXED.pack(
            MAGIC,
            VERSION,
            int(self.kind),
            len(self.stanzas),
            0,
            self.envelope_id,
            self.case_id,
            self.part_index,
            self.padded_length,
        )
        return fixed + b"".join(s.key_id + s.sealed_key for s in self.stanzas)

    def to_bytes(self) -> bytes:
        return self.body_bytes() + self.mac

    @property
    def size(self) -> int:
        return header_size(len(self.stanzas))

    @property
    def hash(self) -> bytes:
        """BLAKE2b-256 of the whole header: the payload's additional data and the manifest's binding."""
        return blake2b(self.to_bytes())

    @property
    def chunk_count(self) -> int:
        return chunk_count(self.padded_length)

    @property
    def envelope_size(self) -> int:
        return self.size + payload_size(self.padded_length)


def header_size(recipient_count: int) -> int:
    return FIXED_HEADER_SIZE + STANZA_SIZE * recipient_count + MAC_SIZE


def check_part_index(kind: Kind, part_index: int) -> None:
    if kind is Kind.REPORT and part_index != 0:
        raise errors.BadPartIndex("a report is always part 0")
    if kind is Kind.ATTACHMENT and part_index == 0:
        raise errors.BadPartIndex("attachments are parts 1 and up")


def parse_fixed(data: bytes, *, max_padded_length: int = MAX_PADDED_LENGTH) -> tuple[int, dict]:
    """Check the 56-byte fixed part; return the recipient count and the fields."""
    if len(data) < FIXED_HEADER_SIZE:
        if not MAGIC.startswith(bytes(data[: len(MAGIC)])):
            raise errors.BadMagic()
        raise errors.Truncated("the envelope is shorter than its fixed header")
    magic, version, kind, n, reserved, envelope_id, case_id, part, padded = _FIXED.unpack_from(data)
    if magic != MAGIC:
        raise errors.BadMagic()
    if version != VERSION:
        raise errors.UnsupportedVersion(f"envelope version {version} is not supported")
    try:
        kind = Kind(kind)
    except ValueError:
        raise errors.BadKind(f"unknown kind {kind}") from None
    if reserved != 0:
        raise errors.BadReserved()
    if n == 0:
        raise errors.NoRecipients()
    if n > MAX_RECIPIENTS:
        raise errors.TooManyRecipients(f"{n} recipients, at most {MAX_RECIPIENTS}")
    if padded > min(max_padded_length, MAX_PADDED_LENGTH):
        raise errors.TooLarge(f"padded length {padded} is above the limit")
    if not is_canonical_padded_length(padded):
        raise errors.BadLength(f"padded length {padded} is not a padding size")
    check_part_index(kind, part)
    fields = dict(kind=kind, envelope_id=envelope_id, case_id=case_id, part_index=part, padded_length=padded)
    return n, fields


def parse_header(data: bytes, *, max_padded_length: int = MAX_PADDED_LENGTH) -> Header:
    """Parse a header from the start of ``data`` (extra bytes after it are ignored)."""
    n, fields = parse_fixed(data, max_padded_length=max_padded_length)
    size = header_size(n)
    if len(data) < size:
        raise errors.Truncated("the envelope is shorter than its header")
    stanzas = []
    pos = FIXED_HEADER_SIZE
    for _ in range(n):
        stanzas.append(Stanza(bytes(data[pos : pos + KEY_ID_SIZE]), bytes(data[pos + KEY_ID_SIZE : pos + STANZA_SIZE])))
        pos += STANZA_SIZE
    mac = bytes(data[pos : pos + MAC_SIZE])
    return Header(stanzas=tuple(stanzas), mac=mac, **fields)


def read_exactly(stream: BinaryIO, size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        piece = stream.read(size - len(buf))
        if not piece:
            break
        buf += piece
    return bytes(buf)


def read_header(stream: BinaryIO, *, max_padded_length: int = MAX_PADDED_LENGTH) -> Header:
    fixed = read_exactly(stream, FIXED_HEADER_SIZE)
    n, _ = parse_fixed(fixed, max_padded_length=max_padded_length)
    rest = read_exactly(stream, header_size(n) - FIXED_HEADER_SIZE)
    return parse_header(fixed + rest, max_padded_length=max_padded_length)


def check_envelope_size(header: Header, total_size: int) -> None:
    """The total size must be exactly header + payload: the server's framing check."""
    if total_size < header.envelope_size:
        raise errors.Truncated(f"{total_size} bytes, the header announces {header.envelope_size}")
    if total_size > header.envelope_size:
        raise errors.TrailingData(f"{total_size} bytes, the header announces {header.envelope_size}")

