"""The console's own SQLite file in the desk's folder (HOME/console.sqlite3, mode 0600).

It holds two things: an index of the decrypted cases (rebuilt from the case folders at any
time, so it can be deleted), and the console's local journal (notes kept on this desk only when
they could not be sealed for the unit, read marks and each case's history), which exists only
here (status, assignee and the shared notes are the server's). It is as
sensitive as the decrypted case folders next to it.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

# The index tables (cases, case_text) are derived data: when their layout changes, they are
# dropped and rebuilt from the case folders. The journal tables are kept as they are.
INDEX_VERSION = 3
SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY,
    received_at TEXT,
    status TEXT NOT NULL DEFAULT 'new',
    assignee TEXT,
    status_changed_at TEXT,
    decrypted INTEGER NOT NULL DEFAULT 0,
    verdict TEXT,
    metadata_kept INTEGER NOT NULL DEFAULT 0,
    place TEXT NOT NULL DEFAULT '',
    level INTEGER,
    score REAL,
    children INTEGER NOT NULL DEFAULT 0,
    weapons INTEGER NOT NULL DEFAULT 0,
    threats INTEGER NOT NULL DEFAULT 0,
    danger INTEGER NOT NULL DEFAULT 0,
    contact INTEGER NOT NULL DEFAULT 0,
    photos INTEGER NOT NULL DEFAULT 0,
    videos INTEGER NOT NULL DEFAULT 0,
    files INTEGER NOT NULL DEFAULT 0,
    citizen_messages INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0,
    first_reply_at TEXT,
    item_count INTEGER NOT NULL DEFAULT 0,
    source_mtime INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS cases_by_received ON cases (received_at DESC, case_id DESC);
CREATE INDEX IF NOT EXISTS cases_by_status ON cases (status, received_at DESC);
CREATE INDEX IF NOT EXISTS cases_by_assignee ON cases (assignee, received_at DESC);
-- rowid = cases.rowid; unicode61 with remove_diacritics folds case and French accents
CREATE VIRTUAL TABLE IF NOT EXISTS case_text USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');

CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY, case_id TEXT NOT NULL, author TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS notes_by_case ON notes (case_id, id);
CREATE TABLE IF NOT EXISTS read_marks (case_id TEXT PRIMARY KEY, up_to INTEGER NOT NULL);
-- a case's history, and the chain of custody of what this desk decrypted and exported
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, case_id TEXT NOT NULL, at TEXT NOT NULL, officer TEXT NOT NULL,
    action TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS events_by_case ON events (case_id, action, at);
"""


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # readers (the pages) never wait for the sync's writes
            if db.execute("PRAGMA user_version").fetchone()[0] != INDEX_VERSION:
                db.executescript("DROP TABLE IF EXISTS cases; DROP TABLE IF EXISTS case_text;")
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version = {INDEX_VERSION}")
        finally:
            db.close()

    @contextmanager
    def connect(self, write: bool = False):
        """A connection for one unit of work; committed on success, rolled back on error.
        ``write`` takes the write lock at the start (BEGIN IMMEDIATE): a transaction that read
        first and then wrote could otherwise fail at once if another writer committed meanwhile,
        whatever the busy timeout."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()
