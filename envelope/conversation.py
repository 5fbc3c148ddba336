"""Messages and replies (docs/envelope.md, section 17): the conversation between a citizen and
the police, in envelopes of kind 3 (message, citizen to police) and 4 (reply, police to citizen).

A message or reply is an envelope whose content is a small UTF-8 JSON *body*:

    {"v": 1, "type": "message" | "reply", "text": "...", "written_at": "YYYY-MM-DDTHH:MMZ",
     "attachments": [report-manifest entries, parts 1024 and up], "author": "..." (replies only)}

A message's content is the body preceded by a 64-byte Ed25519 signature by the receipt's key,
over the case id and envelope id as well: anyone who knows a case id (the server among them)
can seal an envelope to the police, but only the holder of the receipt can sign. Both kinds
are sealed to the receipt's X25519 key *and* to every key of the police bundle, so the same
receipt on another phone reads the whole thread and so does every officer.

This module builds, seals and parses; it holds no secret and never imports ``envelope.open``
(opening is ``envelope.conversation_open``, for readers). The phone's twin is
pwa/src/crypto/conversation.js; tests/vectors/conversation-v1.json binds both.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from . import errors
from .constants import MAX_RECIPIENTS, Kind
from .manifest import AttachmentEntry
from .padding import padded_length
from .seal import SealResult, encrypt_bytes, encrypt_stream

BODY_VERSION = 1
SIGNATURE_CONTEXT = b"tipline message v1\n"
SIGNATURE_SIZE = 64
# A message or reply fills at most one 64 KiB chunk: its padded length is at most 65536.
MAX_PADDED_LENGTH = 65536
MAX_CONTENT_BYTES = MAX_PADDED_LENGTH - 8
MAX_TEXT_CODE_POINTS = 4000
MAX_AUTHOR_CODE_POINTS = 64
MAX_ATTACHMENTS = 20
# Report attachments are parts 1 to 1023 (section 9); a message's or reply's attachments take
# parts from here up, drawn at random: neither side knows which parts the other has used.
FIRST_CONVERSATION_PART = 1024
LAST_PART = 2**32 - 1
TYPES = {Kind.MESSAGE: "message", Kind.REPLY: "reply"}
_WRITTEN_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}Z")
WRITTEN_AT_FORMAT = "%Y-%m-%dT%H:%MZ"


@dataclass(frozen=True)
class Body:
    """What a message or reply says, once parsed and checked."""

    kind: Kind
    text: str
    written_at: str  # the sender's clock, to the minute: a claim, shown as such
    attachments: tuple[AttachmentEntry, ...]
    author: str | None = None  # replies only: an officer's display name (untrusted text)

    @property
    def type(self) -> str:
        return TYPES[self.kind]


class NoMailboxKey(ValueError):
    """A message was to be read without the mailbox's Ed25519 key: it cannot be verified, so it
    is not read (the reader has no verified report yet, or the report names no mailbox)."""


def _invalid(message: str) -> errors.MessageInvalid:
    return errors.MessageInvalid(message)


def written_at(now: datetime | None = None) -> str:
    """``now`` (default: the current time) in the body's form, UTC to the minute."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime(WRITTEN_AT_FORMAT)


def _check_written_at(value) -> str:
    if not isinstance(value, str) or not _WRITTEN_AT.fullmatch(value):
        raise _invalid("written_at must look like 2026-12-02T14:05Z")
    try:
        datetime.strptime(value, WRITTEN_AT_FORMAT)
    except ValueError:
        raise _invalid(f"written_at {value} is not a time") from None
    return value


def _check_kind(kind) -> Kind:
    try:
        kind = Kind(kind)
    except ValueError:
        raise _invalid(f"kind {kind} is not a message or a reply") from None
    if kind not in TYPES:
        raise _invalid(f"a {kind.name.lower()} is not a message or a reply")
    return kind


def _is_int(value) -> bool:
    return type(value) is int


def check_entry(entry: AttachmentEntry) -> AttachmentEntry:
    if not FIRST_CONVERSATION_PART <= entry.part <= LAST_PART:
        raise _invalid(f"an attachment of a message or reply has a part from {FIRST_CONVERSATION_PART} to 2^32-1, "
                       f"not {entry.part}")
    if entry.length >= 2**53:
        raise _invalid("an attachment's length must be below 2^53")
    return entry


def _check_body(kind: Kind, text, when, attachments, author) -> Body:
    if not isinstance(text, str) or len(text) > MAX_TEXT_CODE_POINTS:
        raise _invalid(f"text must be a string of at most {MAX_TEXT_CODE_POINTS} characters")
    when = _check_written_at(when)
    if not isinstance(attachments, (list, tuple)) or len(attachments) > MAX_ATTACHMENTS:
        raise _invalid(f"attachments must be a list of at most {MAX_ATTACHMENTS} entries")
    entries = []
    for obj in attachments:
        try:
            entry = obj if isinstance(obj, AttachmentEntry) else AttachmentEntry.from_json(obj)
        except errors.ManifestInvalid as exc:
            raise _invalid(f"an attachment entry: {exc}") from None
        entries.append(check_entry(entry))
    if len({e.part for e in entries}) != len(entries):
        raise _invalid("two attachments have the same part")
    if not text and not entries:
        raise _invalid("a message or reply has text, attachments or both")
    if author is not None:
        if kind is not Kind.REPLY:
            raise _invalid("only a reply has an author")
        if not isinstance(author, str) or not 1 <= len(author) <= MAX_AUTHOR_CODE_POINTS:
            raise _invalid(f"author must be a string of 1 to {MAX_AUTHOR_CODE_POINTS} characters")
    return Body(kind, text, when, tuple(entries), author)


def build_body(kind: Kind, *, text: str, written_at: str, attachments: Sequence[AttachmentEntry] = (),
               author: str | None = None) -> bytes:
    """The body's bytes (compact UTF-8 JSON), checked as a reader will check them."""
    kind = _check_kind(kind)
    body = _check_body(kind, text, written_at, list(attachments), author)
    obj = {"v": BODY_VERSION, "type": body.type, "text": body.text, "written_at": body.written_at,
           "attachments": [e.to_json() for e in body.attachments]}
    if author is not None:
        obj["author"] = author
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity: Python accepts them, JSON does not


def _no_floats(text: str):
    # 1.0 or 1e3: JavaScript's JSON.parse reads them as integers, Python as floats; refused so
    # that every reader decides alike
    raise ValueError(f"{text}: numbers in a body are integers, written without fraction or exponent")


def parse_body(kind: Kind, raw: bytes) -> Body:
    """Check and read a body; ``message_invalid`` for anything a writer following section 17
    cannot have produced. Members a reader does not know are ignored."""
    kind = _check_kind(kind)
    try:
        obj = json.loads(bytes(raw).decode("utf-8"), parse_constant=_no_constants, parse_float=_no_floats)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _invalid("the body is not UTF-8 JSON") from None
    if not isinstance(obj, dict):
        raise _invalid("the body is not a JSON object")
    if not _is_int(obj.get("v")) or obj["v"] != BODY_VERSION:
        raise _invalid("the body is not version 1")
    if obj.get("type") != TYPES[kind]:
        raise _invalid(f"the body's type is {obj.get('type')!r}, the envelope is a {TYPES[kind]}")
    for member in ("text", "written_at", "attachments"):
        if member not in obj:
            raise _invalid(f"the body has no {member}")
    return _check_body(kind, obj["text"], obj["written_at"], obj["attachments"], obj.get("author"))


def _signed_bytes(case_id: bytes, envelope_id: bytes, body: bytes) -> bytes:
    if len(case_id) != 16 or len(envelope_id) != 16:
        raise ValueError("case and envelope ids are 16 bytes")
    return SIGNATURE_CONTEXT + case_id + envelope_id + body


def message_content(body: bytes, *, case_id: bytes, envelope_id: bytes, signing_key: bytes) -> bytes:
    """A message's content: the Ed25519 signature (64 bytes) by the receipt's key, then the body.
    ``signing_key`` is the receipt's Ed25519 secret key (64 bytes, seed || public key) or seed."""
    key = SigningKey(signing_key[:32])
    if len(signing_key) == 64 and bytes(key.verify_key) != signing_key[32:]:
        raise ValueError("the Ed25519 secret key does not hold its own public key")
    return key.sign(_signed_bytes(case_id, envelope_id, body)).signature + body


def verify_message(content: bytes, *, case_id: bytes, envelope_id: bytes, verify_key: bytes) -> bytes:
    """The body of a message's content, once its signature by ``verify_key`` (the mailbox's
    Ed25519 public key) holds for this case and envelope: ``message_bad_signature`` otherwise."""
    if len(content) < SIGNATURE_SIZE:
        raise _invalid("a message is shorter than its signature")
    signature, body = bytes(content[:SIGNATURE_SIZE]), bytes(content[SIGNATURE_SIZE:])
    try:
        VerifyKey(bytes(verify_key)).verify(_signed_bytes(case_id, envelope_id, body), signature)
    except BadSignatureError:
        raise errors.MessageBadSignature() from None
    return body


def conversation_recipients(kind: Kind, bundle_keys: Iterable[bytes], citizen_x25519: bytes) -> list[bytes]:
    """Who a message or reply (and each of its attachments) is sealed to: every key of the police
    bundle and the receipt's X25519 key (a message lists the bundle first, a reply the citizen)."""
    kind = _check_kind(kind)
    police = list(bundle_keys)
    if not police:
        raise errors.NoRecipients("no police key to seal to")
    if len(citizen_x25519) != 32 or any(len(k) != 32 for k in police):
        raise ValueError("public keys are 32 bytes")
    ordered = [*police, citizen_x25519] if kind is Kind.MESSAGE else [citizen_x25519, *police]
    unique = list(dict.fromkeys(bytes(k) for k in ordered))
    if len(unique) > MAX_RECIPIENTS:
        raise errors.TooManyRecipients(f"{len(unique)} keys: a bundle used for the conversation names at most "
                                       f"{MAX_RECIPIENTS - 1}")
    return unique


def new_attachment_part(used: Iterable[int] = ()) -> int:
    """A part for a message's or reply's attachment, at random among those not in ``used``."""
    taken = set(used)
    while True:
        part = FIRST_CONVERSATION_PART + secrets.randbelow(LAST_PART - FIRST_CONVERSATION_PART + 1)
        if part not in taken:
            return part


def seal_attachment(source: BinaryIO, sink: BinaryIO, *, content_length: int, case_id: bytes,
                    recipients: Sequence[bytes], part: int, name: str, media_type: str,
                    **kwargs) -> tuple[AttachmentEntry, SealResult]:
    """Seal one attachment of a message or reply (kind 2) from ``source`` into ``sink``; its
    entry goes into the body's ``attachments``."""
    if not FIRST_CONVERSATION_PART <= part <= LAST_PART:
        raise errors.BadPartIndex(f"a conversation attachment is part {FIRST_CONVERSATION_PART} or above")
    result = encrypt_stream(source, sink, content_length=content_length, kind=Kind.ATTACHMENT, case_id=case_id,
                            part_index=part, recipients=recipients, **kwargs)
    entry = AttachmentEntry.from_seal(result, name=name, media_type=media_type)
    AttachmentEntry.from_json(entry.to_json())  # never send what a reader would refuse
    return entry, result


def seal_item(*, kind: Kind, case_id: bytes, body: bytes, recipients: Sequence[bytes],
              signing_key: bytes | None = None, envelope_id: bytes | None = None,
              **kwargs) -> tuple[bytes, SealResult]:
    """Seal a message (kind 3, signed with the receipt's ``signing_key``) or a reply (kind 4,
    unsigned) whose body was made by ``build_body``. Part 0, padded length at most 64 KiB."""
    kind = _check_kind(kind)
    parse_body(kind, body)  # the reader's checks, before anything leaves
    envelope_id = envelope_id or secrets.token_bytes(16)
    if kind is Kind.MESSAGE:
        if signing_key is None:
            raise ValueError("a message is signed with the receipt's Ed25519 key")
        content = message_content(body, case_id=case_id, envelope_id=envelope_id, signing_key=signing_key)
    else:
        if signing_key is not None:
            raise ValueError("a reply is not signed")
        content = body
    if padded_length(len(content)) > MAX_PADDED_LENGTH:
        raise errors.TooLarge(f"{len(content)} bytes: a message or reply holds at most {MAX_CONTENT_BYTES}")
    return encrypt_bytes(content, kind=kind, case_id=case_id, part_index=0, recipients=recipients,
                         envelope_id=envelope_id, **kwargs)


def open_body(kind: Kind, content: bytes, *, case_id: bytes, envelope_id: bytes,
              verify_key: bytes | None) -> Body:
    """The checked body of an opened message or reply's content (its signature first, for a
    message; ``verify_key`` is then required)."""
    kind = _check_kind(kind)
    if kind is Kind.MESSAGE:
        if verify_key is None:
            raise NoMailboxKey("a message is verified with the mailbox's Ed25519 key (the report's mailbox.ed25519)")
        content = verify_message(content, case_id=case_id, envelope_id=envelope_id, verify_key=verify_key)
    return parse_body(kind, content)


def entries_by_hash(bodies: Iterable[Body]) -> Mapping[bytes, AttachmentEntry]:
    """Every attachment the given bodies name, by header hash: how a reader finds which
    kind 2 envelope belongs to which message (the part is only a label)."""
    return {e.header_hash: e for b in bodies for e in b.attachments}
