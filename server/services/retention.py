"""Retention: ciphertext is not kept longer than the case needs it.

Policy (days since the case's last status change, or since it was opened if it never changed;
0 means never):

    not_actionable   TIPLINE_RETENTION_NOT_ACTIONABLE_DAYS   30
    closed           TIPLINE_RETENTION_CLOSED_DAYS           90
    useful           TIPLINE_RETENTION_USEFUL_DAYS           0 (kept: it may be evidence)
    new              TIPLINE_RETENTION_NEW_DAYS              0 (kept: nobody has read it yet)
    in_progress      never, whatever the configuration

and, apart from triage, a case that never received a report is deleted
``TIPLINE_EMPTY_CASE_TTL_HOURS`` (72) after it was opened, unless an operator gave it a status
or an upload to it is still young (junk opened by a flood, or a phone that gave up).

Deleting a case removes its rows (items, uploads, and whatever other tables hang on the case by
``ON DELETE CASCADE``), leaves a tombstone in the change feed so each desk removes its own
copies, writes an entry to the audit trail (case id, reason, status, counts; never content),
and then unlinks its files at once (docs/operations.md, "Retention", says what that means on
SSDs and in backups). Each case goes in its own transaction, re-checked under a row lock, so an
operator changing a status meanwhile wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session

from ..blobs import BlobStore
from ..config import Settings
from ..models import Case, CaseStatus, CaseTombstone, Item, ItemKind, Upload
from . import audit
from .clock import coarse_now, now
from .feed import next_seq

EMPTY = "no_report"


@dataclass
class Doomed:
    case_id: str
    status: str
    reason: str
    since: datetime
    items: int = 0
    bytes: int = 0


@dataclass
class RetentionReport:
    dry_run: bool
    cases: list[Doomed] = field(default_factory=list)
    files_removed: int = 0
    tombstones_expired: int = 0

    @property
    def items(self) -> int:
        return sum(c.items for c in self.cases)

    @property
    def bytes(self) -> int:
        return sum(c.bytes for c in self.cases)


def policy_days(settings: Settings) -> dict[str, int]:
    """Days after which each status is deleted (in_progress never, whatever is configured)."""
    return {
        CaseStatus.NOT_ACTIONABLE.value: settings.retention_not_actionable_days,
        CaseStatus.CLOSED.value: settings.retention_closed_days,
        CaseStatus.USEFUL.value: settings.retention_useful_days,
        CaseStatus.NEW.value: settings.retention_new_days,
    }


def _last_change():
    return func.coalesce(Case.status_changed_at, Case.created_at)


def _has_report():
    return exists().where(Item.case_id == Case.id, Item.kind == ItemKind.REPORT.value)


def _young_upload(cutoff: datetime):
    return exists().where(Upload.case_id == Case.id, Upload.created_at >= cutoff)


def _conditions(settings: Settings, at: datetime) -> list[tuple[str, object]]:
    """(reason, SQL condition) pairs; a case matching one is due."""
    out = []
    for status, days in policy_days(settings).items():
        if days > 0:
            out.append((f"{status}_{days}d", (Case.status == status) & (_last_change() < at - timedelta(days=days))))
    if settings.empty_case_ttl_hours > 0:
        cutoff = at - timedelta(hours=settings.empty_case_ttl_hours)
        out.append((EMPTY, (Case.status == CaseStatus.NEW.value) & (Case.status_changed_at.is_(None))
                    & (Case.created_at < cutoff) & ~_has_report() & ~_young_upload(cutoff)))
    return out


def due(session: Session, settings: Settings, *, at: datetime | None = None, limit: int = 10_000) -> list[Doomed]:
    """The cases the policy deletes now, oldest change first (at most ``limit``)."""
    at = at or now()
    conditions = _conditions(settings, at)
    if not conditions:
        return []
    rows = session.execute(
        select(Case.id, Case.status, _last_change()).where(Case.status != CaseStatus.IN_PROGRESS.value)
        .where(or_(*[c for _, c in conditions])).order_by(_last_change(), Case.id).limit(limit)).all()
    found = []
    for case_id, status, since in rows:
        reason = _reason(session, settings, case_id, at)
        if reason is None:
            continue
        n, size = session.execute(select(func.count(Item.id), func.coalesce(func.sum(Item.size), 0))
                                  .where(Item.case_id == case_id)).one()
        found.append(Doomed(case_id, status, reason, since, int(n), int(size)))
    return found


def _reason(session: Session, settings: Settings, case_id: str, at: datetime) -> str | None:
    """Why this case is due now, checked again on its own (under the caller's lock), or None."""
    for reason, condition in _conditions(settings, at):
        hit = session.scalar(select(Case.id).where(Case.id == case_id, condition,
                                                   Case.status != CaseStatus.IN_PROGRESS.value))
        if hit is not None:
            return reason
    return None


def apply(session: Session, settings: Settings, blobs: BlobStore, *, dry_run: bool = False,
          at: datetime | None = None) -> RetentionReport:
    at = at or now()
    with session.begin():
        candidates = due(session, settings, at=at)
    report = RetentionReport(dry_run)
    if dry_run:
        report.cases = candidates
        return report
    empty_deleted = 0
    for doomed in candidates:
        deleted = _delete_case(session, settings, doomed, at)
        if deleted is None:
            continue
        keys, uploads = deleted
        report.cases.append(doomed)
        empty_deleted += doomed.reason == EMPTY
        # The rows are gone: the files go now, not at the next gc (nothing lists them any more).
        for key in keys:
            path = blobs.path(key)
            if path.exists():
                blobs.remove(path)
                report.files_removed += 1
        for item_id in uploads:
            report.files_removed += len(blobs.upload_files(item_id))
            blobs.remove_upload(item_id)
    if empty_deleted:
        # One entry per run for junk and abandoned cases (there is nothing in them to account for).
        with session.begin():
            audit.record(session, settings.time_resolution, "retention_deleted", actor=None,
                         detail={"reason": EMPTY, "cases": empty_deleted})
    report.tombstones_expired = _expire_tombstones(session, settings, at)
    return report


def _delete_case(session: Session, settings: Settings, doomed: Doomed, at: datetime):
    with session.begin():
        case = session.scalars(select(Case).where(Case.id == doomed.case_id).with_for_update()).first()
        if case is None:
            return None
        reason = _reason(session, settings, case.id, at)  # a status changed meanwhile: not due any more
        if reason is None:
            return None
        doomed.reason, doomed.status = reason, case.status
        n, size = session.execute(select(func.count(Item.id), func.coalesce(func.sum(Item.size), 0))
                                  .where(Item.case_id == case.id)).one()
        doomed.items, doomed.bytes = int(n), int(size)
        keys = list(session.scalars(select(Item.blob_key).where(Item.case_id == case.id)))
        uploads = list(session.scalars(select(Upload.item_id).where(Upload.case_id == case.id)))
        # Rows of other tables that hang on the case go with it (ON DELETE CASCADE).
        session.execute(delete(Item).where(Item.case_id == case.id))
        session.execute(delete(Upload).where(Upload.case_id == case.id))
        session.expunge(case)
        session.execute(delete(Case).where(Case.id == doomed.case_id))
        # A phone may open the same id again later (it had kept the report): one tombstone per id,
        # the latest, and the feed orders it before anything of the new case.
        session.execute(delete(CaseTombstone).where(CaseTombstone.case_id == doomed.case_id))
        session.add(CaseTombstone(case_id=doomed.case_id, seq=next_seq(session), reason=reason,
                                  deleted_at=coarse_now(settings.time_resolution)))
        if reason != EMPTY:
            audit.record(session, settings.time_resolution, "retention_deleted", actor=None, case_id=doomed.case_id,
                         detail={"reason": reason, "status": doomed.status, "items": doomed.items,
                                 "bytes": doomed.bytes})
    return keys, uploads


def _expire_tombstones(session: Session, settings: Settings, at: datetime) -> int:
    if settings.tombstone_days <= 0:
        return 0
    with session.begin():
        result = session.execute(delete(CaseTombstone).where(
            CaseTombstone.deleted_at < at - timedelta(days=settings.tombstone_days)))
    return result.rowcount or 0
