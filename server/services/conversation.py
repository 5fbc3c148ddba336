"""Rules of the conversation that apply wherever an envelope is stored (docs/conversation.md):
who may send which kind and part, the size and hourly rate of citizen messages, an item's
position in its case, the mailbox revision that wakes the citizen's screen, read marks and
unread counts.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from envelope.constants import Kind
from envelope.header import Header

from ..config import Settings
from ..errors import ApiError, Conflict, Unprocessable
from ..events import notify
from ..models import Item, ItemKind, Mailbox, ReadMark
from .clock import now, round_down
from .feed import next_seq

CITIZEN, POLICE = "citizen", "police"
# Attachments of a report use parts 1..1023, one envelope per part; those of a message or a
# reply use 1024 and up, drawn at random by the sender (it cannot know the other side's).
FIRST_MESSAGE_PART = 1024
CITIZEN_KINDS = frozenset({Kind.REPORT, Kind.ATTACHMENT, Kind.MESSAGE})
# Kind 5, an internal note (docs/envelope.md section 18), is the police's alone: stored by an
# operator, listed to operators, never on a citizen route (``CITIZEN_VISIBLE``).
POLICE_KINDS = frozenset({Kind.REPLY, Kind.ATTACHMENT, Kind.NOTE})
# One 64 KiB chunk at most (section 18), whatever the message limit is set to.
MAX_NOTE_BYTES = 65536


def citizen_visible(item: Item) -> bool:
    """Whether a citizen route may list or serve this item: everything but the police's notes."""
    return item.kind != ItemKind.NOTE.value


def check_incoming(header: Header, settings: Settings, sender: str) -> None:
    """What the header alone decides: parts of messages and replies, a message's size."""
    if header.kind in (Kind.MESSAGE, Kind.REPLY) and header.part_index != 0:
        raise Unprocessable("a message or reply is always part 0", code="not_an_envelope",
                            details={"reason": "bad_part_index"})
    if header.kind is Kind.NOTE and header.part_index != 0:
        raise Unprocessable("a note is always part 0", code="not_an_envelope", details={"reason": "bad_part_index"})
    if header.kind is Kind.NOTE and header.padded_length > MAX_NOTE_BYTES:
        raise ApiError(f"a note is at most {MAX_NOTE_BYTES} bytes (padded)", code="note_too_large", status=413)
    if sender == POLICE and header.kind is Kind.ATTACHMENT and header.part_index < FIRST_MESSAGE_PART:
        raise Unprocessable(f"attachments of a reply use parts {FIRST_MESSAGE_PART} and up", code="wrong_part")
    if header.kind is Kind.MESSAGE and header.padded_length > settings.max_message_bytes:
        raise ApiError(f"a message is at most {settings.max_message_bytes} bytes (padded)",
                       code="message_too_large", status=413)


def rate_window(settings: Settings) -> int:
    """The rate limit counts messages per window: an hour, or the smallest multiple of the time
    resolution above it (stored times are only that precise)."""
    return settings.time_resolution * math.ceil(3600 / settings.time_resolution)


def check_rate(session: Session, settings: Settings, case_id: str, kind: Kind, *, pending: int = 0) -> None:
    """At most ``messages_per_hour`` citizen messages per case and window (429 with Retry-After)."""
    if kind is not Kind.MESSAGE:
        return
    window = rate_window(settings)
    t = now()
    start = round_down(t, window)
    allowed = math.ceil(settings.messages_per_hour * window / 3600)
    sent = session.scalar(select(func.count(Item.id)).where(
        Item.case_id == case_id, Item.kind == ItemKind.MESSAGE.value, Item.received_at >= start))
    if sent + pending >= allowed:
        retry = max(1, int((start + timedelta(seconds=window) - t).total_seconds()) + 1)
        raise ApiError(f"at most {allowed} messages per case in {window // 60} minutes; try again later",
                       code="rate_limited", status=429, details={"retry_after": retry},
                       headers={"Retry-After": str(retry)})


def next_position(session: Session, case_id: str) -> int:
    """The next item's position in its case (the caller holds the case's row lock)."""
    return (session.scalar(select(func.max(Item.position)).where(Item.case_id == case_id)) or 0) + 1


def touch_mailbox(session: Session, case_id: str) -> None:
    """Something the citizen's screen shows changed: move the mailbox's revision and wake it."""
    session.execute(update(Mailbox).where(Mailbox.case_id == case_id).values(revision=Mailbox.revision + 1))
    row = session.execute(select(Mailbox.id, Mailbox.revision).where(Mailbox.case_id == case_id)).first()
    if row is not None:
        notify.mailbox_moved(session, row.id, row.revision)


def read_mark(session: Session, case_id: str, reader: str) -> ReadMark | None:
    return session.get(ReadMark, (case_id, reader))


def mark_read(session: Session, case_id: str, reader: str, up_to_seq: int) -> ReadMark:
    """Move a read mark forward (never back) to the item at feed position ``up_to_seq``."""
    mark = read_mark(session, case_id, reader)
    if mark is not None and mark.up_to_seq >= up_to_seq:
        return mark
    if mark is None:
        mark = ReadMark(case_id=case_id, reader=reader, up_to_seq=up_to_seq, change_seq=next_seq(session))
        session.add(mark)
    else:
        mark.up_to_seq = up_to_seq
        mark.change_seq = next_seq(session)
    session.flush()
    if reader == POLICE:
        touch_mailbox(session, case_id)  # "read by the police" shows on the citizen's screen
    return mark


def item_of_case(session: Session, case_id: str, **where) -> Item:
    item = session.scalars(select(Item).where(Item.case_id == case_id, *(getattr(Item, k) == v
                                                                         for k, v in where.items()))).first()
    if item is None:
        raise Unprocessable("up_to must name an item of this case", code="bad_read_mark")
    return item


def unread_messages(session: Session, case_ids: list[str]) -> dict[str, int]:
    """Citizen messages after the police read mark, per case."""
    if not case_ids:
        return {}
    counts: dict[str, int] = dict.fromkeys(case_ids, 0)
    marks = dict(session.execute(select(ReadMark.case_id, ReadMark.up_to_seq).where(
        ReadMark.case_id.in_(case_ids), ReadMark.reader == POLICE)).all())
    rows = session.execute(select(Item.case_id, Item.seq).where(
        Item.case_id.in_(case_ids), Item.kind == ItemKind.MESSAGE.value)).all()
    for case_id, seq in rows:
        if seq > marks.get(case_id, 0):
            counts[case_id] += 1
    return counts


def require_mailbox(session: Session, case_id: str) -> Mailbox:
    mailbox = session.scalars(select(Mailbox).where(Mailbox.case_id == case_id)).first()
    if mailbox is None:
        raise Conflict("this case has no mailbox: the citizen could never read a reply", code="no_mailbox")
    return mailbox
