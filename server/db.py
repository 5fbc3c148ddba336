"""Engine and per-request sessions. SQLite and PostgreSQL behave the same for the app.

SQLite: WAL, foreign keys, full fsync, and BEGIN IMMEDIATE so that concurrent gunicorn
workers queue for the write lock instead of failing on a read-to-write upgrade.
PostgreSQL: psycopg 3; the few places that need ordering lock a row (see services.feed).

Both engines hide statement parameters from their error messages (``hide_parameters``): an
unexpected database error must never put request data in the log (see server.logs).

The SQLite file and its -wal/-shm are the owner's only (0600; SQLite gives the -wal and -shm
the main file's mode), and their times are made coarse whenever a connection goes back to the
pool and when the process ends (the last connection's checkpoint writes the main file), like
every file the server writes (server.filetimes).
"""

from __future__ import annotations

import atexit
import os
import stat
import weakref
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from .filetimes import Stamper

SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def normalise_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, or None (PostgreSQL, in-memory SQLite)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _default_resolution() -> int:
    raw = os.environ.get("TIPLINE_TIME_RESOLUTION")
    return int(raw) if raw else 3600


class SqliteFiles:
    """The database file, its side files and its folder: modes and coarse times."""

    def __init__(self, path: Path, resolution: int):
        self.path = path.absolute()
        self.times = Stamper(resolution)

    @property
    def paths(self) -> list[Path]:
        return [self.path, *(Path(f"{self.path}{suffix}") for suffix in SQLITE_SIDE_FILES)]

    def prepare(self) -> None:
        """Create the file 0600 before SQLite does (it would use 0644), tighten an older one."""
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(parents=True, mode=0o700)
            os.chmod(folder, 0o700)
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
                os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
        for side in self.paths[1:]:
            try:
                if stat.S_IMODE(side.stat().st_mode) & 0o077:
                    os.chmod(side, 0o600)
            except FileNotFoundError:
                continue
        self.restamp()

    def restamp(self) -> None:
        self.times.stamp(*self.paths, self.path.parent)


def make_engine(url: str, *, time_resolution: int | None = None) -> Engine:
    url = normalise_url(url)
    path = sqlite_path(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        if path is not None:
            files = SqliteFiles(path, time_resolution or _default_resolution())
            files.prepare()
            # Readers write to -shm too: stamp after every use, not only after commits.
            event.listen(engine.pool, "checkin", lambda *_: files.restamp())
            atexit.register(_dispose_and_restamp, weakref.ref(engine), files)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)


def _dispose_and_restamp(engine_ref, files: SqliteFiles) -> None:
    """At exit the last connection checkpoints the WAL into the main file: do it now, then stamp."""
    engine = engine_ref()
    if engine is not None:
        engine.dispose()
    files.restamp()


def restamp_database(engine: Engine, resolution: int) -> None:
    """Stamp the SQLite files again (``tipline-server gc``); PostgreSQL keeps its own files."""
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is not None:
        SqliteFiles(path, resolution).restamp()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
