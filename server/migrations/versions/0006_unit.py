"""operators: second factor, slow-down instead of lockout, trusted devices, audit log

Revision ID: 0006_unit
Revises: 0002
Create Date: 2026-12-02

Operators get a TOTP secret and single-use recovery codes (hashed); the per-account lockout
(failed_logins, locked_until) gives way to a per-username slow-down table and device tokens
(server.services.throttle); the hash-chained audit log and its ``audit`` counter start empty.
Existing operators keep their passwords and must be enrolled (tipline-server enroll-totp)
before they can log in while TIPLINE_REQUIRE_TOTP is 1. The downgrade drops the new tables and
columns and brings back the lockout columns, zeroed.
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_unit'
down_revision = '0002'
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')
    op.create_table('recovery_codes',
                    sa.Column('code_hash', sa.String(length=64), nullable=False),
                    sa.Column('operator_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('code_hash'))
    op.create_index(op.f('ix_recovery_codes_operator_id'), 'recovery_codes', ['operator_id'], unique=False)
    op.create_table('operator_devices',
                    sa.Column('token_hash', sa.String(length=64), nullable=False),
                    sa.Column('operator_id', sa.Integer(), nullable=False),
                    sa.Column('failures', sa.Integer(), nullable=False),
                    sa.Column('created_at', _TIME, nullable=False),
                    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('token_hash'))
    op.create_index(op.f('ix_operator_devices_operator_id'), 'operator_devices', ['operator_id'], unique=False)
    op.create_table('login_throttle',
                    sa.Column('key', sa.String(length=64), nullable=False),
                    sa.Column('failures', sa.Integer(), nullable=False),
                    sa.Column('not_before', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('key'))
    op.create_index(op.f('ix_login_throttle_not_before'), 'login_throttle', ['not_before'], unique=False)
    op.create_table('audit_log',
                    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
                    sa.Column('at', _TIME, nullable=False),
                    sa.Column('actor', sa.String(length=64), nullable=True),
                    sa.Column('action', sa.String(length=32), nullable=False),
                    sa.Column('case_id', sa.String(length=32), nullable=True),
                    sa.Column('item_id', sa.String(length=32), nullable=True),
                    sa.Column('detail', sa.String(length=500), nullable=True),
                    sa.Column('prev_hash', sa.String(length=64), nullable=False),
                    sa.Column('hash', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('seq'))
    op.create_index(op.f('ix_audit_log_case_id'), 'audit_log', ['case_id'], unique=False)
    counters = sa.table('counters', sa.column('name', sa.String), sa.column('value', sa.BigInteger))
    op.bulk_insert(counters, [{"name": "audit", "value": 0}])


def downgrade():
    op.execute("DELETE FROM counters WHERE name = 'audit'")
    op.drop_index(op.f('ix_audit_log_case_id'), table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_index(op.f('ix_login_throttle_not_before'), table_name='login_throttle')
    op.drop_table('login_throttle')
    op.drop_index(op.f('ix_operator_devices_operator_id'), table_name='operator_devices')
    op.drop_table('operator_devices')
    op.drop_index(op.f('ix_recovery_codes_operator_id'), table_name='recovery_codes')
    op.drop_table('recovery_codes')
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', _TIME, nullable=True))
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
