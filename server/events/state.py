"""The reads a waiting long poll needs, shared by the gunicorn fallback and the events process."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ApiError
from ..models import Counter, Mailbox
from ..services import mailbox as mailboxes
from ..services import operators

BATCH = 500  # ids per IN (…) query


def feed_seq(session: Session) -> int:
    with session.begin():
        return session.execute(select(Counter.value).where(Counter.name == "feed")).scalar_one()


def mailbox_revisions(session: Session, mailbox_ids) -> dict[str, int]:
    ids = list(mailbox_ids)
    out: dict[str, int] = {}
    with session.begin():
        for i in range(0, len(ids), BATCH):
            out.update(session.execute(select(Mailbox.id, Mailbox.revision)
                                       .where(Mailbox.id.in_(ids[i:i + BATCH]))).all())
    return out


def mailbox_of_token(session: Session, authorization: str | None) -> tuple[str, int] | None:
    """(mailbox id, revision) for a live mailbox token, else None."""
    with session.begin():
        box = mailboxes.mailbox_for_token(session, mailboxes.bearer(authorization))
        return (box.id, box.revision) if box is not None else None


def operator_token_ok(session: Session, authorization: str | None) -> bool:
    try:
        operators.authenticate(session, authorization)
    except ApiError:
        return False
    return True
