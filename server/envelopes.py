"""The server's check that what it stores is a well-formed envelope for the right case.

It needs no key: magic, version, kind, recipient count, canonical padded length, part
index and exact total size (docs/envelope.md, section 7). A client that forgot to encrypt
is refused before a byte of its body is written to disk.
"""

from __future__ import annotations

from envelope import errors
from envelope.constants import Kind
from envelope.header import Header, check_envelope_size, header_size, parse_fixed, parse_header

from .errors import Unprocessable

CITIZEN_KINDS = frozenset({Kind.REPORT, Kind.ATTACHMENT, Kind.MESSAGE})


def refuse(exc: errors.EnvelopeError):
    return Unprocessable(f"not a valid envelope: {exc}", code="not_an_envelope", details={"reason": exc.code})


def header_length(prefix: bytes) -> int:
    """Total header length announced by the fixed part (raises 422 if it is not an envelope)."""
    try:
        n, _ = parse_fixed(prefix)
    except errors.EnvelopeError as exc:
        raise refuse(exc) from None
    return header_size(n)


def check_header(
    raw: bytes, *, case_id: str, item_id: str, total_size: int, max_size: int, kinds=CITIZEN_KINDS
) -> Header:
    try:
        header = parse_header(raw)
        check_envelope_size(header, total_size)
    except errors.EnvelopeError as exc:
        raise refuse(exc) from None
    if header.case_id.hex() != case_id:
        raise Unprocessable("the envelope's case id is not the case in the URL", code="wrong_case")
    if header.envelope_id.hex() != item_id:
        raise Unprocessable("the envelope's id is not the item id in the URL", code="id_mismatch")
    if header.kind not in kinds:
        raise Unprocessable(f"a {header.kind.name.lower()} cannot be sent here", code="wrong_kind")
    if total_size > max_size:
        raise Unprocessable(f"envelopes are limited to {max_size} bytes", code="item_too_large", status=413)
    return header

