"""proof of work

Revision ID: 0005_pow
Revises: 0006_unit
Create Date: 2026-12-02

Proof-of-work solutions already used (single use until their challenge expires) and the
server's own secrets (the HMAC key that signs challenges). See server.pow.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_pow'
down_revision = '0006_unit'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pow_spent',
    sa.Column('challenge', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=8), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('challenge')
    )
    with op.batch_alter_table('pow_spent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pow_spent_expires_at'), ['expires_at'], unique=False)

    op.create_table('server_secrets',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('server_secrets')
    with op.batch_alter_table('pow_spent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pow_spent_expires_at'))
    op.drop_table('pow_spent')
