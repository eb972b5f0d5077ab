"""Tenant settings (time zone) from the agents service.

Revision ID: callbacks_0006
Revises: callbacks_0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "callbacks_0006"
down_revision: str | None = "callbacks_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_setting",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("country", sa.String(8), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tenant_setting")
