"""retention: tombstones of deleted cases

Revision ID: 0004_front
Revises: 0005_pow
Create Date: 2026-12-02

Cases deleted by the retention policy (server.services.retention) leave a tombstone (case id,
feed position, reason, coarse time) so that desks remove their copies; the deletion itself is
written to the audit trail.
"""

import sqlalchemy as sa
from alembic import op

revision = '0004_front'
down_revision = '0005_pow'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_tombstones',
                    sa.Column('case_id', sa.String(length=32), nullable=False),
                    sa.Column('seq', sa.BigInteger(), nullable=False),
                    sa.Column('reason', sa.String(length=32), nullable=False),
                    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('case_id'),
                    sa.UniqueConstraint('seq'))


def downgrade() -> None:
    op.drop_table('case_tombstones')
