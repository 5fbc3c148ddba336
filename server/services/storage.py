"""Back-pressure before the disk fills: a global storage budget and a low-disk watermark.

Every citizen write asks ``check`` first; when storing would pass the budget
(``TIPLINE_STORAGE_BUDGET_BYTES``: stored items plus the full size of uploads in progress) or
leave less than ``TIPLINE_MIN_FREE_BYTES`` free on the blob store's (or the SQLite file's) file
system, the answer is ``507 insufficient_storage`` with ``Retry-After``, before a byte is
written. Phones keep the report and try again later. A disk that fills anyway (another program,
a race between workers) gives the same 507 (server.errors), and each write cleans up after
itself, so nothing half-stored stays. Operators are never refused: triage and retention are
what make room.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..db import sqlite_path
from ..errors import ApiError
from ..models import Item, Upload

log = logging.getLogger("tipline.server")


class InsufficientStorage(ApiError):
    status, code = 507, "insufficient_storage"


def refusal(settings: Settings, why: str) -> InsufficientStorage:
    _warn(why)
    return InsufficientStorage(f"the server cannot store more now ({why}); nothing was stored, try again later",
                               headers={"Retry-After": str(settings.storage_retry_after_seconds)})


_last_warning = 0.0


def _warn(why: str) -> None:
    """Tell the operators, at most every ten minutes (a line per refused request would be a
    timeline of citizens' attempts)."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 600:
        _last_warning = now
        log.warning("refusing citizen writes with 507: %s (see /api/healthz)", why)


@dataclass
class Room:
    low_disk: bool
    over_budget: bool

    @property
    def degraded(self) -> bool:
        return self.low_disk or self.over_budget


def free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def _folders(settings: Settings) -> list[Path]:
    """The folders whose file systems hold what the server writes (one per device)."""
    folders, devices = [], set()
    db = sqlite_path(settings.database_url)
    for folder in [settings.blob_dir] + ([db.parent] if db is not None else []):
        try:
            dev = os.stat(folder).st_dev
        except FileNotFoundError:
            continue
        if dev not in devices:
            devices.add(dev)
            folders.append(folder)
    return folders


def used_bytes(session: Session) -> int:
    """Stored items plus the declared size of every upload in progress (its reservation)."""
    items = session.scalar(select(func.coalesce(func.sum(Item.size), 0)))
    uploads = session.scalar(select(func.coalesce(func.sum(Upload.size), 0)))
    return int(items) + int(uploads)


def check(session: Session, settings: Settings, *, incoming: int = 0, reserve: int | None = None) -> None:
    """Refuse (507) unless ``incoming`` more bytes on disk keep the watermark and, when
    ``reserve`` is given, that many more bytes of ciphertext keep the budget (chunks of an upload
    already begun were reserved when it began: they pass None)."""
    for folder in _folders(settings):
        if free_bytes(folder) - incoming < settings.min_free_bytes:
            raise refusal(settings, "low disk space")
    if settings.storage_budget_bytes and reserve is not None:
        with session.begin():
            used = used_bytes(session)
        if used + max(reserve, 1) > settings.storage_budget_bytes:
            raise refusal(settings, "storage budget reached")


def room(session: Session, settings: Settings) -> Room:
    low = any(free_bytes(f) < settings.min_free_bytes for f in _folders(settings))
    over = False
    if settings.storage_budget_bytes:
        with session.begin():
            over = used_bytes(session) >= settings.storage_budget_bytes
    return Room(low, over)
