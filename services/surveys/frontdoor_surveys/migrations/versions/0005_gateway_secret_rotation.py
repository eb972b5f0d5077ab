"""A rotated webhook secret keeps verifying for a grace period.

Revision ID: surveys_0005
Revises: surveys_0004
Create Date: 2026-11-29
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from frontdoor_common.models import UTCDateTime


revision: str = 'surveys_0005'
down_revision: str | None = 'surveys_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('sms_gateways', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_secret_encrypted', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('previous_valid_until', UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sms_gateways', schema=None) as batch_op:
        batch_op.drop_column('previous_valid_until')
        batch_op.drop_column('previous_secret_encrypted')
