"""Wake waiting long polls. On PostgreSQL a NOTIFY is sent inside the writing transaction, so
listeners hear of a change only once it is committed (and never of a rolled-back one). SQLite
has no such channel: waiters poll the feed counter, which every change moves (services.feed).

Payloads name what changed and its new number, nothing else: ``f <feed seq>`` for the operators'
feed, ``m <mailbox id> <revision>`` for one citizen's mailbox.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

CHANNEL = "tipline_events"


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _notify(session: Session, payload: str) -> None:
    if _is_postgres(session):
        session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})


def feed_moved(session: Session, seq: int) -> None:
    _notify(session, f"f {seq}")


def mailbox_moved(session: Session, mailbox_id: str, revision: int) -> None:
    _notify(session, f"m {mailbox_id} {revision}")
