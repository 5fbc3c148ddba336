"""coarse times

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

Every stored time is coarse (server.services.clock, docs/operations.md "Times on disk"):
rows written before this revision are rounded as new ones are, to TIPLINE_TIME_RESOLUTION
seconds: times of events down, deadlines (an operator's lockout) up. Operator tokens are
dropped instead: a token now carries its exact expiry itself, so operators log in again.
No schema change; the downgrade cannot give back the precision and leaves the rows as they are.
"""

import os
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import context, op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# table: (primary key, columns rounded down, columns rounded up)
COLUMNS = {
    "cases": ("id", ["created_at", "status_changed_at"], []),
    "items": ("id", ["received_at"], []),
    "uploads": ("item_id", ["created_at"], []),
    "operators": ("id", ["created_at"], ["locked_until"]),
}


def _resolution() -> int:
    configured = context.config.attributes.get("time_resolution")
    if configured is None:
        configured = int(os.environ.get("TIPLINE_TIME_RESOLUTION") or 3600)
    return int(configured)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _down(value: datetime, resolution: int) -> datetime:
    ts = int(_utc(value).timestamp())
    return datetime.fromtimestamp(ts - ts % resolution, UTC)


def _up(value: datetime, resolution: int) -> datetime:
    down = _down(value, resolution)
    return down if down == _utc(value) else down + timedelta(seconds=resolution)


def upgrade() -> None:
    resolution = _resolution()
    bind = op.get_bind()
    for name, (key, downs, ups) in COLUMNS.items():
        table = sa.table(name, sa.column(key), *(sa.column(c, sa.DateTime(timezone=True)) for c in downs + ups))
        rows = bind.execute(sa.select(table)).mappings().all()
        for row in rows:
            changes = {}
            for column in downs + ups:
                value = row[column]
                if value is None:
                    continue
                rounded = _down(value, resolution) if column in downs else _up(value, resolution)
                if rounded != _utc(value):
                    changes[column] = rounded
            if changes:
                bind.execute(sa.update(table).where(table.c[key] == row[key]).values(**changes))
    op.execute("DELETE FROM operator_tokens")


def downgrade() -> None:
    pass
