"""The inbox's index: one row per synced case and its searchable text (SQLite FTS5).

Rows are derived from the case folders (casefile.load_case), never edited by hand, so the
index can be rebuilt at any time; the filters and the full-text search run in SQL so the
inbox stays fast with tens of thousands of cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from envelope.vocabulary import STATUSES  # noqa: F401  (re-exported for the views)

from ..workspace import Workspace
from .casefile import CaseFile, load_case
from .store import Store

RISK_COLUMNS = ("children", "weapons", "threats", "danger")
PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30),
           "365d": timedelta(days=365)}
PAGE_SIZE = 50


def iso(stamp: datetime | None) -> str | None:
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if stamp else None


def row_of(case: CaseFile, read_up_to: int) -> dict:
    rep = case.report
    citizen = [m for m in case.messages if m.kind == "message"]
    unread = case.meta.get("unread_messages")  # the server's count, once it keeps read marks
    if type(unread) is not int or unread < 0:
        unread = sum(m.seq > read_up_to for m in citizen)
    return {
        "case_id": case.case_id, "received_at": iso(case.received_at), "status": case.status,
        "assignee": case.assignee or None,
        "status_changed_at": iso(case.status_changed_at), "decrypted": int(case.decrypted), "verdict": case.verdict,
        "metadata_kept": int(case.metadata_kept), "place": rep.place_summary if rep else "",
        "level": rep.level if rep else None, "score": rep.score if rep else None,
        **{k: int(bool(rep and rep.risks[k])) for k in RISK_COLUMNS},
        "contact": int(bool(rep and rep.contact_wanted)),
        "photos": case.count("photo"), "videos": case.count("video"), "files": case.count("file"),
        "citizen_messages": len(citizen), "unread": unread, "first_reply_at": iso(case.first_reply_at()),
        "item_count": len(case.items),
    }


def search_body(case: CaseFile) -> str:
    parts = [case.case_id]
    if case.report:
        parts.append(case.report.search_text())
    parts.extend(a.name for a in case.attachments if a.name)
    parts.extend(m.text for m in case.messages if m.text)
    parts.extend(n.text for n in case.notes if n.text)  # the unit's notes, decrypted on this desk only
    return "\n".join(parts)


def source_mtime(ws: Workspace, case_id: str) -> int:
    """When the files a row is made from last changed (nanoseconds; 0 if absent)."""
    stamp = 0
    for path in (ws.case_meta_file(case_id), ws.case_dir(case_id) / "verification.json"):
        try:
            stamp = max(stamp, path.stat().st_mtime_ns)
        except FileNotFoundError:
            pass
    return stamp


def _upsert(db, ws: Workspace, case_id: str) -> dict:
    stamp = source_mtime(ws, case_id)
    case = load_case(ws, case_id)
    mark = db.execute("SELECT up_to FROM read_marks WHERE case_id = ?", (case_id,)).fetchone()
    row = row_of(case, mark["up_to"] if mark else 0)
    row["source_mtime"] = stamp
    cols = list(row)
    db.execute(f"INSERT INTO cases ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
               f"ON CONFLICT (case_id) DO UPDATE SET "
               + ", ".join(f"{c} = excluded.{c}" for c in cols if c != "case_id"), [row[c] for c in cols])
    rowid = db.execute("SELECT rowid FROM cases WHERE case_id = ?", (case_id,)).fetchone()[0]
    db.execute("DELETE FROM case_text WHERE rowid = ?", (rowid,))
    db.execute("INSERT INTO case_text (rowid, body) VALUES (?, ?)", (rowid, search_body(case)))
    return row


def refresh_case(store: Store, ws: Workspace, case_id: str) -> dict:
    """Re-read one case's folders into its index row and searchable text."""
    with store.connect(write=True) as db:
        return _upsert(db, ws, case_id)


def refresh_cases(store: Store, ws: Workspace, case_ids, batch: int = 200) -> int:
    """Many cases, a batch per transaction (one commit per case would cost more than the work)."""
    ids = list(case_ids)
    for start in range(0, len(ids), batch):
        with store.connect(write=True) as db:
            for case_id in ids[start:start + batch]:
                _upsert(db, ws, case_id)
    return len(ids)


def refresh_all(store: Store, ws: Workspace) -> int:
    return refresh_cases(store, ws, ws.synced_cases())


def stale_cases(store: Store, ws: Workspace) -> list[str]:
    """Synced cases whose row is missing or older than their files (e.g. decrypted by the
    command line while the console was not running)."""
    with store.connect() as db:
        known = dict(db.execute("SELECT case_id, source_mtime FROM cases").fetchall())
    return [cid for cid in ws.synced_cases() if known.get(cid) != source_mtime(ws, cid)]


def fts_query(text: str) -> str | None:
    """The officer's words as an FTS5 query: every word must appear (as a prefix), quoted so
    that no character of the input is FTS5 syntax."""
    words = re.findall(r"\w+", text)[:20]
    return " AND ".join(f'"{w}"*' for w in words) or None


@dataclass
class Filters:
    status: str = ""
    risk: str = ""  # one of RISK_COLUMNS, or "any"
    assignee: str = ""  # a name, or "-" for nobody
    period: str = ""  # a key of PERIODS
    unread: bool = False
    q: str = ""
    page: int = 1


@dataclass
class InboxPage:
    rows: list[dict]
    total: int
    page: int
    pages: int


def inbox(store: Store, f: Filters, now: datetime | None = None) -> InboxPage:
    where, args = [], []
    if f.status in STATUSES:
        where.append("c.status = ?")
        args.append(f.status)
    if f.risk in RISK_COLUMNS:
        where.append(f"c.{f.risk} = 1")
    elif f.risk == "any":
        where.append("(" + " OR ".join(f"c.{k} = 1" for k in RISK_COLUMNS) + ")")
    if f.assignee == "-":
        where.append("c.assignee IS NULL")
    elif f.assignee:
        where.append("c.assignee = ?")
        args.append(f.assignee)
    if f.period in PERIODS:
        where.append("c.received_at >= ?")
        args.append(iso((now or datetime.now(UTC)) - PERIODS[f.period]))
    if f.unread:
        where.append("c.unread > 0")
    match = fts_query(f.q) if f.q else None
    if match:
        where.append("c.rowid IN (SELECT rowid FROM case_text WHERE case_text MATCH ?)")
        args.append(match)
    sql_where = ("WHERE " + " AND ".join(where)) if where else ""
    base = f"FROM cases c {sql_where}"
    with store.connect() as db:
        total = db.execute(f"SELECT count(*) {base}", args).fetchone()[0]
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, f.page), pages)
        rows = db.execute(f"SELECT c.* {base} ORDER BY c.received_at DESC, c.case_id DESC "
                          f"LIMIT ? OFFSET ?", [*args, PAGE_SIZE, (page - 1) * PAGE_SIZE]).fetchall()
    return InboxPage([dict(r) for r in rows], total, page, pages)


def assignees(store: Store) -> list[str]:
    with store.connect() as db:
        return [r[0] for r in db.execute("SELECT DISTINCT assignee FROM cases WHERE assignee IS NOT NULL "
                                         "ORDER BY assignee")]


def forget(store: Store, case_ids) -> None:
    """Drop the rows of cases this desk no longer holds (the server deleted them: retention),
    with the notes and read marks about them; their history keeps who did what, and when."""
    with store.connect(write=True) as db:
        for case_id in case_ids:
            row = db.execute("SELECT rowid FROM cases WHERE case_id = ?", (case_id,)).fetchone()
            if row:
                db.execute("DELETE FROM case_text WHERE rowid = ?", (row[0],))
            db.execute("DELETE FROM cases WHERE case_id = ?", (case_id,))
            db.execute("DELETE FROM notes WHERE case_id = ?", (case_id,))
            db.execute("DELETE FROM read_marks WHERE case_id = ?", (case_id,))


def orphans(store: Store, ws: Workspace) -> list[str]:
    """Index rows whose case folders are gone."""
    held = set(ws.synced_cases())
    with store.connect() as db:
        return [r[0] for r in db.execute("SELECT case_id FROM cases") if r[0] not in held]
