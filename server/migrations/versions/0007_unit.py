"""cases: the assignee (issue 8, shared triage state)

Revision ID: 0007_unit
Revises: 0003_mailbox
Create Date: 2026-12-02

The officer a case is assigned to, in clear like the status: every desk sees it through the
change feed. NULL: nobody. Cases stored before have nobody.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_unit'
down_revision = '0003_mailbox'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('assignee')
