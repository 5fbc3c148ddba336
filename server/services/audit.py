"""The operators' audit trail: append-only and hash-chained.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields in a
fixed JSON form; the ``audit`` counter holds the last sequence number. Editing an entry breaks
its hash, removing one breaks the next entry's link (or, at the end, disagrees with the counter),
and ``tipline-server audit verify`` says where. Someone who can rewrite the whole table and the
counter can forge a new chain: compare the head hash it prints with one noted elsewhere earlier.

Entries are written in the transaction of the action they record, so neither exists without
the other. Times are coarse like every stored time; the order is the sequence.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditEntry, Counter
from .clock import coarse_now

GENESIS = "0" * 64
ACTIONS = (
    "login", "login_failed", "logout", "second_factor_enrolled", "recovery_code_used",
    "status_changed", "assigned", "note_added", "content_downloaded", "reply_sent", "exported",
    "officer_added", "officer_removed",
    "retention_deleted",  # by the server itself (no actor): server.services.retention
)
MAX_DETAIL = 500


def entry_hash(prev_hash: str, seq: int, at, actor, action, case_id, item_id, detail) -> str:
    body = json.dumps([seq, at.strftime("%Y-%m-%dT%H:%M:%SZ"), actor, action, case_id, item_id, detail],
                      ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{body}".encode("ascii")).hexdigest()


def record(session: Session, time_resolution: int, action: str, *, actor: str | None, case_id: str | None = None,
           item_id: str | None = None, detail: dict | None = None) -> AuditEntry:
    """Append an entry inside the caller's transaction (the counter row is locked until it ends,
    so entries are chained in commit order)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    text = json.dumps(detail, ensure_ascii=True, sort_keys=True, separators=(",", ":")) if detail else None
    if text is not None and len(text) > MAX_DETAIL:
        raise ValueError("audit details are short")
    counter = session.execute(select(Counter).where(Counter.name == "audit").with_for_update()).scalar_one()
    prev = session.get(AuditEntry, counter.value) if counter.value else None
    prev_hash = prev.hash if prev is not None else GENESIS
    seq = counter.value + 1
    at = coarse_now(time_resolution)
    entry = AuditEntry(seq=seq, at=at, actor=actor, action=action, case_id=case_id, item_id=item_id, detail=text,
                       prev_hash=prev_hash,
                       hash=entry_hash(prev_hash, seq, at, actor, action, case_id, item_id, text))
    session.add(entry)
    counter.value = seq
    session.flush()
    return entry


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    head_hash: str
    problems: list[str]


def _entries(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq)
                               .limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(session: Session) -> Verdict:
    """Walk the whole chain: every hash recomputed, every link and sequence number checked."""
    problems: list[str] = []
    prev_hash, expected, count = GENESIS, 1, 0
    for e in _entries(session):
        count += 1
        if e.seq != expected:
            problems.append(f"entries {expected} to {e.seq - 1} are missing")
        if e.prev_hash != prev_hash:
            problems.append(f"entry {e.seq} does not follow the entry before it (removed or altered)")
        if e.hash != entry_hash(e.prev_hash, e.seq, e.at, e.actor, e.action, e.case_id, e.item_id, e.detail):
            problems.append(f"entry {e.seq} was altered after it was written")
        prev_hash, expected = e.hash, e.seq + 1
    last = session.execute(select(Counter.value).where(Counter.name == "audit")).scalar_one()
    if last != expected - 1:
        problems.append(f"the log ends at entry {expected - 1} but {last} were written (entries removed at the end)")
    return Verdict(not problems, count, prev_hash, problems)


def for_case(session: Session, case_id: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq)))
