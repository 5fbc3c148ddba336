"""The console's local journal: who did what to a case on this desk, and when.

Notes that could not be sealed for the unit (no session, no bundle) live here, on this desk only
(the shared ones are envelopes: desk.notes); every action,
the server's (status, assignment) included, is also an event of the case's history on this desk,
which is the chain of custody the case file PDF prints (who decrypted and exported what).
"""

from __future__ import annotations

from datetime import UTC, datetime

from .store import Store

ACTIONS = ("synced", "decrypted", "opened", "status", "assigned", "note", "reply", "exported", "read", "deleted")
MAX_NOTE = 10_000


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(store: Store, case_id: str, officer: str, action: str, detail: str = "", db=None) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    sql = "INSERT INTO events (case_id, at, officer, action, detail) VALUES (?, ?, ?, ?, ?)"
    if db is not None:
        db.execute(sql, (case_id, now_iso(), officer, action, detail))
        return
    with store.connect(write=True) as conn:
        conn.execute(sql, (case_id, now_iso(), officer, action, detail))


def history(store: Store, case_id: str) -> list[dict]:
    with store.connect() as db:
        return [dict(r) for r in db.execute("SELECT at, officer, action, detail FROM events WHERE case_id = ? "
                                            "ORDER BY id", (case_id,))]


def opened_once(store: Store, case_id: str, officer: str) -> None:
    """An 'opened' event the first time each officer opens the case (time to first look)."""
    with store.connect(write=True) as db:
        seen = db.execute("SELECT 1 FROM events WHERE case_id = ? AND action = 'opened' AND officer = ?",
                          (case_id, officer)).fetchone()
        if not seen:
            record(store, case_id, officer, "opened", db=db)


def add_note(store: Store, case_id: str, body: str, officer: str) -> None:
    body = body.strip()[:MAX_NOTE]
    if not body:
        raise ValueError("empty note")
    with store.connect(write=True) as db:
        db.execute("INSERT INTO notes (case_id, author, at, body) VALUES (?, ?, ?, ?)",
                   (case_id, officer, now_iso(), body))
        record(store, case_id, officer, "note", db=db)


def notes(store: Store, case_id: str) -> list[dict]:
    with store.connect() as db:
        return [dict(r) for r in db.execute("SELECT author, at, body FROM notes WHERE case_id = ? ORDER BY id",
                                            (case_id,))]


def read_up_to(store: Store, case_id: str) -> int:
    with store.connect() as db:
        row = db.execute("SELECT up_to FROM read_marks WHERE case_id = ?", (case_id,)).fetchone()
    return row[0] if row else 0


def mark_read(store: Store, case_id: str, up_to: int, officer: str) -> bool:
    """Move the read mark forward (never back); True if it moved."""
    with store.connect(write=True) as db:
        row = db.execute("SELECT up_to FROM read_marks WHERE case_id = ?", (case_id,)).fetchone()
        if row and row[0] >= up_to:
            return False
        db.execute("INSERT INTO read_marks (case_id, up_to) VALUES (?, ?) ON CONFLICT (case_id) DO UPDATE "
                   "SET up_to = excluded.up_to", (case_id, up_to))
        record(store, case_id, officer, "read", db=db)
    return True
