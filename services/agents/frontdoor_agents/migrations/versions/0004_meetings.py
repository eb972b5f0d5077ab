"""meetings with counsellors: meeting kinds and booked meetings

Revision ID: agents_0004
Revises: agents_0003

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import frontdoor_common.models
from alembic import op


revision: str = 'agents_0004'
down_revision: str | None = 'agents_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('meeting_kinds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('book_ahead_days', sa.Integer(), nullable=False),
    sa.Column('min_notice_minutes', sa.Integer(), nullable=False),
    sa.Column('counsellor_ids', sa.JSON(), nullable=False),
    sa.Column('updated_at', frontdoor_common.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant_id', 'code', name='uq_meeting_kinds_tenant_code')
    )
    op.create_table('meetings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('counsellor_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('starts_at', frontdoor_common.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', frontdoor_common.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('held_start', frontdoor_common.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', frontdoor_common.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', frontdoor_common.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['counsellor_id'], ['agents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant_id', 'counsellor_id', 'held_start', name='uq_meetings_counsellor_slot')
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index('ix_meetings_counsellor', ['counsellor_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_meetings_tenant', ['tenant_id', 'starts_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_tenant')
        batch_op.drop_index('ix_meetings_counsellor')

    op.drop_table('meetings')
    op.drop_table('meeting_kinds')
