"""The operators' change feed: one counter orders every stored item and every case change.

The counter row is locked for the rest of the inserting transaction, so sequence numbers
become visible in order (a reader never sees 7 before 6 commits), on PostgreSQL as on SQLite.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Case, Counter, Item


def next_seq(session: Session) -> int:
    counter = session.execute(select(Counter).where(Counter.name == "feed").with_for_update()).scalar_one()
    counter.value += 1
    session.flush()
    return counter.value


def changes_since(session: Session, since: int, limit: int) -> tuple[list[Case], list[Item], int, bool]:
    items = session.scalars(select(Item).where(Item.seq > since).order_by(Item.seq).limit(limit + 1)).all()
    cases = session.scalars(
        select(Case).where(Case.change_seq > since).order_by(Case.change_seq).limit(limit + 1)).all()
    merged = sorted([(i.seq, i) for i in items] + [(c.change_seq, c) for c in cases], key=lambda pair: pair[0])
    more = len(merged) > limit
    merged = merged[:limit]
    cursor = merged[-1][0] if merged else since
    return (
        [obj for _, obj in merged if isinstance(obj, Case)],
        [obj for _, obj in merged if isinstance(obj, Item)],
        cursor,
        more,
    )
