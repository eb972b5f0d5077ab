"""Late identification: contacts waiting for their member, members found before the completion.

Revision ID: surveys_0004
Revises: surveys_0003
Create Date: 2026-11-29
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from frontdoor_common.models import UTCDateTime


revision: str = 'surveys_0004'
down_revision: str | None = 'surveys_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('survey_contact_links',
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=True),
    sa.Column('contact', sa.JSON(), nullable=True),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'source_key')
    )
    with op.batch_alter_table('survey_contact_links', schema=None) as batch_op:
        batch_op.create_index('ix_survey_contact_links_updated', ['updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('survey_contact_links', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_contact_links_updated')
    op.drop_table('survey_contact_links')
