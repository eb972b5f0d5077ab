"""The mirror of member and agent ids per tenant (a callback may name only its own tenant's).

Revision ID: callbacks_0003
Revises: callbacks_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "callbacks_0003"
down_revision: str | None = "callbacks_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_member",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.Uuid(), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "known_agent",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("agent_id", sa.Uuid(), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("known_agent")
    op.drop_table("known_member")
