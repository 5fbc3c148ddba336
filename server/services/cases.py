"""Cases, and the rules on what a case may hold (one report, one envelope per attachment
part, limits on item count and bytes)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from envelope.constants import Kind
from envelope.vocabulary import KIND_NAMES

from ..config import Settings
from ..errors import Conflict, NotFound, TooLarge
from ..models import Case, Item, Upload
from . import storage
from .clock import coarse_now
from .feed import next_seq



def slot_for(kind: Kind, part_index: int) -> str | None:
    """Reports and report attachments (parts 1..1023) occupy a slot of their case; messages,
    replies and their attachments (parts 1024 and up, services.conversation) do not."""
    if kind is Kind.REPORT or (kind is Kind.ATTACHMENT and part_index < 1024):
        return f"{KIND_NAMES[kind].value}:{part_index}"
    return None


def open_case(session: Session, settings: Settings, case_id: str,
              mailbox: tuple[str, bytes] | None = None) -> tuple[Case, bool]:
    """Open (or find) a case; ``mailbox`` (id, Ed25519 key) is registered in the same transaction.
    Two requests racing to open the same case: the loser finds the winner's case (once)."""
    try:
        return _open_case(session, settings, case_id, mailbox)
    except IntegrityError:
        return _open_case(session, settings, case_id, mailbox)


def _open_case(session: Session, settings: Settings, case_id: str,
               mailbox: tuple[str, bytes] | None) -> tuple[Case, bool]:
    from .mailbox import register

    with session.begin():
        case = session.get(Case, case_id)
        if case is not None:
            if mailbox is not None:
                register(session, case, *mailbox)
            return case, False
    storage.check(session, settings, reserve=0)
    with session.begin():
        case = session.get(Case, case_id)
        if case is not None:
            return case, False
        case = Case(id=case_id, created_at=coarse_now(settings.time_resolution), change_seq=next_seq(session))
        session.add(case)
        session.flush()
        if mailbox is not None:
            register(session, case, *mailbox)
    return case, True


def get_case(session: Session, case_id: str, *, lock: bool = False) -> Case:
    stmt = select(Case).where(Case.id == case_id)
    if lock:
        stmt = stmt.with_for_update()
    case = session.scalars(stmt).first()
    if case is None:
        raise NotFound("no such case: open it first with PUT /api/v1/cases/{case_id}", code="case_not_found")
    return case


def check_slot(session: Session, case_id: str, slot: str | None, *, item_id: str) -> None:
    if slot is None:
        return
    taken = session.scalars(select(Item.id).where(Item.case_id == case_id, Item.slot == slot)).first()
    if taken is None:
        taken = session.scalars(
            select(Upload.item_id).where(Upload.case_id == case_id, Upload.slot == slot, Upload.item_id != item_id)
        ).first()
    if taken is not None and taken != item_id:
        raise Conflict(f"the case already holds another envelope for {slot}", code="slot_taken")


def check_room(session: Session, settings: Settings, case_id: str, *, size: int, item_id: str,
               new_upload: bool) -> None:
    """Count the citizen's stored items and open uploads (the upload ``item_id`` is the one being
    completed); the police's replies do not count against the citizen."""
    n_items, item_bytes = session.execute(
        select(func.count(Item.id), func.coalesce(func.sum(Item.size), 0)).where(Item.case_id == case_id,
                                                                                  Item.sender == "citizen")
    ).one()
    n_uploads, upload_bytes = session.execute(
        select(func.count(Upload.item_id), func.coalesce(func.sum(Upload.size), 0)).where(
            Upload.case_id == case_id, Upload.item_id != item_id
        )
    ).one()
    if n_items + n_uploads + 1 > settings.max_items_per_case:
        raise Conflict(f"a case holds at most {settings.max_items_per_case} items", code="too_many_items")
    if new_upload and n_uploads + 1 > settings.max_open_uploads_per_case:
        raise Conflict(f"at most {settings.max_open_uploads_per_case} uploads may be open per case",
                       code="too_many_uploads")
    if item_bytes + upload_bytes + size > settings.max_case_bytes:
        raise TooLarge(f"a case holds at most {settings.max_case_bytes} bytes", code="case_too_large")
