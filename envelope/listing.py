"""The server's listing is not authenticated (docs/envelope.md, section 15).

A reader learns which envelopes a case holds, and what they are, from the server; the server
can lie. What an envelope is comes from its authenticated header alone (after the MAC check of
opening, section 8): ``check_listing`` refuses an envelope whose header disagrees with what
the server said of it, and readers then use the header's values, never the listing's.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import errors
from .constants import Kind
from .header import Header

KIND_NAMES = {Kind.REPORT: "report", Kind.ATTACHMENT: "attachment", Kind.MESSAGE: "message", Kind.REPLY: "reply",
              Kind.NOTE: "note"}


def check_listing(header: Header, listed: Mapping) -> None:
    """``listed`` has the listing's ``item_id``, ``case_id`` (32 lowercase hex digits each),
    ``kind`` (report, attachment, message, reply) and ``part_index``; every one must match."""
    actual = {
        "item_id": header.envelope_id.hex(),
        "case_id": header.case_id.hex(),
        "kind": KIND_NAMES[header.kind],
        "part_index": header.part_index,
    }
    for field, value in actual.items():
        claimed = listed.get(field)
        if type(claimed) is not type(value) or claimed != value:
            raise errors.ListingMismatch(f"the server lists {field} {claimed!r}; the envelope's header says {value!r}")
