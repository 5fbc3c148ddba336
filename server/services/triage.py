"""Operators' triage of cases: status and assignee, both in clear and shared by every desk through
the change feed; each change recorded in the audit trail in the same transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..config import Settings
from ..errors import NotFound
from ..models import Case, Item
from . import audit, conversation, feed
from .cases import get_case
from .clock import coarse_now


def set_status(session: Session, settings: Settings, case_id: str, status: str, *,
               actor: str) -> tuple[Case, list[Item]]:
    with session.begin():
        case = get_case(session, case_id, lock=True)
        if case.status != status:
            previous = case.status
            case.status = status
            case.status_changed_at = coarse_now(settings.time_resolution)
            case.change_seq = feed.next_seq(session)
            conversation.touch_mailbox(session, case_id)  # the citizen's screen shows the status
            audit.record(session, settings.time_resolution, "status_changed", actor=actor, case_id=case_id,
                         detail={"from": previous, "to": status})
        items = list(case.items)
    return case, items


def set_assignee(session: Session, settings: Settings, case_id: str, assignee: str | None, *, actor: str) -> Case:
    with session.begin():
        case = get_case(session, case_id, lock=True)
        if case.assignee != assignee:
            previous = case.assignee
            case.assignee = assignee
            case.change_seq = feed.next_seq(session)
            audit.record(session, settings.time_resolution, "assigned", actor=actor, case_id=case_id,
                         detail={"from": previous, "to": assignee})
    return case


def item_for_download(session: Session, settings: Settings, item_id: str, *, actor: str) -> tuple[str, str]:
    """The blob key and SHA-256 of an item an operator downloads; the download is audited (each
    request, resumed ones included: the trail says who fetched which case's ciphertext)."""
    with session.begin():
        item = session.get(Item, item_id)
        if item is None:
            raise NotFound("no such item", code="item_not_found")
        audit.record(session, settings.time_resolution, "content_downloaded", actor=actor, case_id=item.case_id,
                     item_id=item_id)
        return item.blob_key, item.sha256
