"""Playbooks for media calls (issue 15): consult the person asked for first; a fallback contact
(the tenant's press contact) when the caller names nobody.

Revision ID: members_0014
Revises: members_0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "members_0014"
down_revision: str | None = "members_0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("playbooks") as batch:
        batch.add_column(sa.Column("consult_first", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("fallback_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("fallback_number", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("playbooks") as batch:
        batch.drop_column("fallback_number")
        batch.drop_column("fallback_name")
        batch.drop_column("consult_first")
