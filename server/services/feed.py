"""The operators' change feed: one counter orders every stored item, every case change, every
read mark and every case the retention policy deleted.

The counter row is locked for the rest of the inserting transaction, so sequence numbers
become visible in order (a reader never sees 7 before 6 commits), on PostgreSQL as on SQLite.
Every move of the counter also wakes the operators' live events (server.events.notify).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..events import notify
from ..models import Case, CaseTombstone, Counter, Item, ReadMark


def next_seq(session: Session) -> int:
    counter = session.execute(select(Counter).where(Counter.name == "feed").with_for_update()).scalar_one()
    counter.value += 1
    session.flush()
    notify.feed_moved(session, counter.value)
    return counter.value


def current_seq(session: Session) -> int:
    return session.execute(select(Counter.value).where(Counter.name == "feed")).scalar_one()


class Page(NamedTuple):
    cases: list[Case]
    items: list[Item]
    deleted: list[CaseTombstone]
    reads: list[ReadMark]
    cursor: int
    more: bool


def changes_since(session: Session, since: int, limit: int) -> tuple[list[Case], list[Item], int, bool]:
    """Cases and items after ``since`` (see ``page_since`` for deletions and read marks)."""
    page = page_since(session, since, limit)
    return page.cases, page.items, page.cursor, page.more


def page_since(session: Session, since: int, limit: int) -> Page:
    """Every kind of change after ``since``, merged in feed order and cut at ``limit``."""
    def after(model, column):
        return session.scalars(select(model).where(column > since).order_by(column).limit(limit + 1)).all()

    merged = sorted([(i.seq, i) for i in after(Item, Item.seq)]
                    + [(c.change_seq, c) for c in after(Case, Case.change_seq)]
                    + [(t.seq, t) for t in after(CaseTombstone, CaseTombstone.seq)]
                    + [(r.change_seq, r) for r in after(ReadMark, ReadMark.change_seq)], key=lambda pair: pair[0])
    more = len(merged) > limit
    merged = merged[:limit]
    cursor = merged[-1][0] if merged else since

    def of(kind):
        return [obj for _, obj in merged if isinstance(obj, kind)]

    return Page(of(Case), of(Item), of(CaseTombstone), of(ReadMark), cursor, more)
