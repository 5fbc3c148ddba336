"""mailbox: the conversation between the citizen and the police (issue 7)

Revision ID: 0003_mailbox
Revises: 0004_front
Create Date: 2026-12-02

Mailboxes (id and Ed25519 verification key registered when a case opens), their hashed
bearer tokens, the answered challenges (single use) and read marks (the challenge HMAC key is
a server secret made on first use, in 0005's table). Items gain their position in the case (1, 2, 3…, numbered in feed order for the
items already stored) and their sender ("citizen" for every item stored before).
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_mailbox'
down_revision = '0004_front'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mailboxes',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('verify_key', sa.String(length=64), nullable=False),
    sa.Column('revision', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id')
    )
    op.create_table('mailbox_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('mailbox_id', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mailbox_id'], ['mailboxes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('mailbox_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailbox_tokens_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mailbox_tokens_mailbox_id'), ['mailbox_id'], unique=False)
    op.create_table('used_challenges',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest')
    )
    with op.batch_alter_table('used_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_challenges_expires_at'), ['expires_at'], unique=False)
    op.create_table('read_marks',
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('reader', sa.String(length=8), nullable=False),
    sa.Column('up_to_seq', sa.BigInteger(), nullable=False),
    sa.Column('change_seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'reader')
    )
    with op.batch_alter_table('read_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_read_marks_change_seq'), ['change_seq'], unique=True)
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('sender', sa.String(length=8), server_default='citizen', nullable=False))
    # Number the items already stored 1, 2, 3… per case, in feed order.
    bind = op.get_bind()
    items = sa.table('items', sa.column('id'), sa.column('case_id'), sa.column('seq'), sa.column('position'))
    counts: dict[str, int] = {}
    for item_id, case_id in bind.execute(sa.select(items.c.id, items.c.case_id).order_by(items.c.seq)).all():
        counts[case_id] = counts.get(case_id, 0) + 1
        bind.execute(sa.update(items).where(items.c.id == item_id).values(position=counts[case_id]))
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.alter_column('position', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint('uq_items_case_position', ['case_id', 'position'])


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint('uq_items_case_position', type_='unique')
        batch_op.drop_column('sender')
        batch_op.drop_column('position')
    with op.batch_alter_table('read_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_read_marks_change_seq'))
    op.drop_table('read_marks')
    with op.batch_alter_table('used_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_challenges_expires_at'))
    op.drop_table('used_challenges')
    with op.batch_alter_table('mailbox_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailbox_tokens_mailbox_id'))
        batch_op.drop_index(batch_op.f('ix_mailbox_tokens_expires_at'))
    op.drop_table('mailbox_tokens')
    op.drop_table('mailboxes')
