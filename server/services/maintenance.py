"""Garbage collection: temp files a crash left, blobs no row lists, uploads abandoned for days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..blobs import BlobStore
from ..config import Settings
from ..models import Item, Upload
from .clock import now


def collect_garbage(session: Session, settings: Settings, blobs: BlobStore, *, grace: timedelta) -> dict[str, int]:
    report = {"temp_files": 0, "orphan_blobs": 0, "stale_uploads": 0, "orphan_upload_dirs": 0}
    for path in list(blobs.stale_temp_files(grace.total_seconds())):
        path.unlink(missing_ok=True)
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
    young = now().timestamp() - grace.total_seconds()
    for key in blobs.item_keys():
        path = blobs.path(key)
        if key not in listed and path.stat().st_mtime < young:
            path.unlink(missing_ok=True)
            report["orphan_blobs"] += 1
    for item_id in blobs.upload_dirs():
        path = blobs.upload_dir(item_id)
        if item_id not in open_uploads and path.stat().st_mtime < young:
            blobs.remove_upload(item_id)
            report["orphan_upload_dirs"] += 1
    return report
