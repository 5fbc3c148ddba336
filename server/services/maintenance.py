"""Garbage collection: temp files a crash left, blobs no row lists, uploads abandoned for days;
and the file times made coarse again (server.filetimes: a fresh ctime is moved to this run)."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..blobs import BlobStore
from ..config import Settings
from ..db import restamp_database
from ..filetimes import youngest_change
from ..models import Item, Upload
from . import throttle
from .clock import now


def collect_garbage(session: Session, settings: Settings, blobs: BlobStore, *, grace: timedelta) -> dict[str, int]:
    report = {"temp_files": 0, "orphan_blobs": 0, "stale_uploads": 0, "orphan_uploads": 0}
    for path in list(blobs.stale_temp_files(grace.total_seconds())):
        blobs.remove(path)
        report["temp_files"] += 1
    cutoff = now() - timedelta(hours=settings.upload_ttl_hours)
    with session.begin():
        stale = session.scalars(select(Upload).where(Upload.created_at < cutoff)).all()
        for upload in stale:
            session.delete(upload)
        stale_ids = [u.item_id for u in stale]
    for item_id in stale_ids:
        blobs.remove_upload(item_id)
        report["stale_uploads"] += 1
    with session.begin():
        listed = set(session.scalars(select(Item.blob_key)))
        open_uploads = set(session.scalars(select(Upload.item_id)))
    # Modification times are coarse: how recently a file was written is read from its ctime,
    # which is never earlier than the write (a blob renamed into place just before its row is
    # committed must be left alone).
    young = time.time() - grace.total_seconds()
    for key, st in list(blobs.item_keys()):
        if key not in listed and youngest_change(st) < young:
            blobs.remove(blobs.path(key))
            report["orphan_blobs"] += 1
    for item_id, changed in blobs.upload_ids().items():
        if item_id not in open_uploads and changed < young:
            blobs.remove_upload(item_id)
            report["orphan_uploads"] += 1
    with session.begin():
        report["login_slowdowns_forgotten"] = throttle.forget_old(session, settings, now())
    report.update(blobs.restamp())
    restamp_database(session.get_bind(), settings.time_resolution)
    return report
