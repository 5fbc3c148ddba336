"""Internal notes (docs/envelope.md, section 18): what one officer writes about a case for the
others, in envelopes of kind 5, sealed to the police bundle's keys only (never to the receipt's
key), so every desk reads it and neither the server nor the citizen can.

A note's content is a small UTF-8 JSON *body*:

    {"v": 1, "type": "note", "text": "...", "written_at": "YYYY-MM-DDTHH:MMZ", "author": "..."}

This module builds, seals and parses; it holds no secret and never imports ``envelope.open``
(opening is ``envelope.notes_open``, for the desk). There is no JavaScript twin: phones never
receive a note. tests/vectors/notes-v1.json holds the vectors.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from . import errors
from .constants import MAX_BUNDLE_RECIPIENTS, Kind
# the same time format and JSON strictness as a message or reply (section 17)
from . import conversation as _conversation
from .conversation import WRITTEN_AT_FORMAT, _WRITTEN_AT, _no_constants, _no_floats
from .padding import padded_length
from .seal import SealResult, encrypt_bytes

BODY_VERSION = 1
TYPE = "note"
# One 64 KiB chunk at most, like a message or reply (section 17).
MAX_PADDED_LENGTH = 65536
MAX_CONTENT_BYTES = MAX_PADDED_LENGTH - 8
MAX_TEXT_CODE_POINTS = 4000
MAX_AUTHOR_CODE_POINTS = 64


@dataclass(frozen=True)
class NoteBody:
    """What a note says, once parsed and checked (text and author are untrusted text)."""

    text: str
    written_at: str  # the writer's clock, to the minute: a claim, shown as such
    author: str


def written_at(now: datetime | None = None) -> str:
    """``now`` (default: the current time) in the body's form, UTC to the minute."""
    return _conversation.written_at(now)


def _invalid(message: str) -> errors.NoteInvalid:
    return errors.NoteInvalid(message)


def _check(text, when, author) -> NoteBody:
    if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT_CODE_POINTS:
        raise _invalid(f"text must be a string of 1 to {MAX_TEXT_CODE_POINTS} characters")
    if not isinstance(when, str) or not _WRITTEN_AT.fullmatch(when):
        raise _invalid("written_at must look like 2026-12-02T14:05Z")
    try:
        datetime.strptime(when, WRITTEN_AT_FORMAT)
    except ValueError:
        raise _invalid(f"written_at {when} is not a time") from None
    if not isinstance(author, str) or not 1 <= len(author) <= MAX_AUTHOR_CODE_POINTS:
        raise _invalid(f"author must be a string of 1 to {MAX_AUTHOR_CODE_POINTS} characters")
    return NoteBody(text, when, author)


def build_body(*, text: str, written_at: str, author: str) -> bytes:
    """The body's bytes (compact UTF-8 JSON), checked as a reader will check them."""
    body = _check(text, written_at, author)
    obj = {"v": BODY_VERSION, "type": TYPE, "text": body.text, "written_at": body.written_at, "author": body.author}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_body(raw: bytes) -> NoteBody:
    """Check and read a body; ``note_invalid`` for anything a writer following section 18 cannot
    have produced. Members a reader does not know are ignored."""
    try:
        obj = json.loads(bytes(raw).decode("utf-8"), parse_constant=_no_constants, parse_float=_no_floats)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _invalid("the body is not UTF-8 JSON") from None
    if not isinstance(obj, dict):
        raise _invalid("the body is not a JSON object")
    if type(obj.get("v")) is not int or obj["v"] != BODY_VERSION:
        raise _invalid("the body is not version 1")
    if obj.get("type") != TYPE:
        raise _invalid(f"the body's type is {obj.get('type')!r}, the envelope is a note")
    for member in ("text", "written_at", "author"):
        if member not in obj:
            raise _invalid(f"the body has no {member}")
    return _check(obj["text"], obj["written_at"], obj["author"])


def note_recipients(bundle_keys: Iterable[bytes]) -> list[bytes]:
    """Who a note is sealed to: every key of the police bundle, and nobody else."""
    police = list(dict.fromkeys(bytes(k) for k in bundle_keys))
    if not police:
        raise errors.NoRecipients("no police key to seal to")
    if any(len(k) != 32 for k in police):
        raise ValueError("public keys are 32 bytes")
    if len(police) > MAX_BUNDLE_RECIPIENTS:
        raise errors.TooManyRecipients(f"{len(police)} keys: a bundle names at most {MAX_BUNDLE_RECIPIENTS}")
    return police


def seal_note(*, case_id: bytes, body: bytes, bundle_keys: Iterable[bytes], envelope_id: bytes | None = None,
              **kwargs) -> tuple[bytes, SealResult]:
    """Seal a note (kind 5, part 0) whose body was made by ``build_body``, to the bundle's keys."""
    parse_body(body)  # the reader's checks, before anything leaves
    if padded_length(len(body)) > MAX_PADDED_LENGTH:
        raise errors.TooLarge(f"{len(body)} bytes: a note holds at most {MAX_CONTENT_BYTES}")
    return encrypt_bytes(body, kind=Kind.NOTE, case_id=case_id, part_index=0,
                         recipients=note_recipients(bundle_keys), envelope_id=envelope_id or secrets.token_bytes(16),
                         **kwargs)
