"""The surveys service's tables: policies, questions, surveys, opt-outs, inbound and outgoing SMS.

Revision ID: surveys_0002
Revises: surveys_0001
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from frontdoor_common.models import UTCDateTime


revision: str = 'surveys_0002'
down_revision: str | None = 'surveys_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sms_inbound',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('provider_message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('from_number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('to_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('survey_id', sa.Uuid(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_message_id')
    )
    with op.batch_alter_table('sms_inbound', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_inbound_from_number'), ['from_number'], unique=False)

    op.create_table('sms_outgoing',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('survey_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('to_number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
    sa.Column('claimed_until', UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('provider_message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.Column('delivery_status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('delivered_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sms_outgoing', schema=None) as batch_op:
        batch_op.create_index('ix_sms_outgoing_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_outgoing_provider_message_id'), ['provider_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_outgoing_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_opt_outs',
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=True),
    sa.Column('survey_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'phone')
    )
    with op.batch_alter_table('survey_opt_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_opt_outs_member_id'), ['member_id'], unique=False)

    op.create_table('survey_policies',
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('require_answered', sa.Boolean(), nullable=False),
    sa.Column('require_not_transferred', sa.Boolean(), nullable=False),
    sa.Column('require_resolved', sa.Boolean(), nullable=False),
    sa.Column('require_member', sa.Boolean(), nullable=False),
    sa.Column('require_mobile', sa.Boolean(), nullable=False),
    sa.Column('include_callbacks', sa.Boolean(), nullable=False),
    sa.Column('min_days_between', sa.Integer(), nullable=False),
    sa.Column('quiet_start', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('quiet_end', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('default_language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('expiry_hours', sa.Float(), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id')
    )
    op.create_table('survey_questions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant_id', 'language', 'position', name='uq_survey_questions_position')
    )
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_questions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('surveys',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('call_id', sa.Uuid(), nullable=True),
    sa.Column('callback_id', sa.Uuid(), nullable=True),
    sa.Column('member_id', sa.Uuid(), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('queue_id', sa.Uuid(), nullable=True),
    sa.Column('agent_id', sa.Uuid(), nullable=True),
    sa.Column('team_id', sa.Uuid(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('skip_reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('clarified_step', sa.Integer(), nullable=True),
    sa.Column('awaiting_comment', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('contact_completed_at', UTCDateTime(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('scheduled_for', UTCDateTime(), nullable=True),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.Column('last_reply_at', UTCDateTime(), nullable=True),
    sa.Column('completed_at', UTCDateTime(), nullable=True),
    sa.Column('commented_at', UTCDateTime(), nullable=True),
    sa.Column('expires_at', UTCDateTime(), nullable=True),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant_id', 'source_key', name='uq_surveys_source')
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index('ix_surveys_phone', ['phone', 'created_at'], unique=False)
        batch_op.create_index('ix_surveys_tenant_contact_completed', ['tenant_id', 'contact_completed_at'], unique=False)
        batch_op.create_index('ix_surveys_tenant_member', ['tenant_id', 'member_id', 'created_at'], unique=False)
        batch_op.create_index('ix_surveys_tenant_status', ['tenant_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index('ix_surveys_tenant_status')
        batch_op.drop_index('ix_surveys_tenant_member')
        batch_op.drop_index('ix_surveys_tenant_contact_completed')
        batch_op.drop_index('ix_surveys_phone')

    op.drop_table('surveys')
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_questions_tenant_id'))

    op.drop_table('survey_questions')
    op.drop_table('survey_policies')
    with op.batch_alter_table('survey_opt_outs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_opt_outs_member_id'))

    op.drop_table('survey_opt_outs')
    with op.batch_alter_table('sms_outgoing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_outgoing_survey_id'))
        batch_op.drop_index(batch_op.f('ix_sms_outgoing_provider_message_id'))
        batch_op.drop_index('ix_sms_outgoing_due')

    op.drop_table('sms_outgoing')
    with op.batch_alter_table('sms_inbound', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_inbound_from_number'))

    op.drop_table('sms_inbound')
