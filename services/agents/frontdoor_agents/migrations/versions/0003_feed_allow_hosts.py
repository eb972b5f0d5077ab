"""tenant's allow-list of intranet calendar hosts

Revision ID: agents_0003
Revises: agents_0002

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'agents_0003'
down_revision: str | None = 'agents_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tenant_configs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feed_allow_hosts', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tenant_configs', schema=None) as batch_op:
        batch_op.drop_column('feed_allow_hosts')
