"""A playbook per contact reason and tenant: steps, a fixed transfer number, a question to ask first.

Revision ID: members_0005
Revises: members_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "members_0005"
down_revision: str | None = "members_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "playbooks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("transfer_number", sa.String(length=20), nullable=True),
        sa.Column("ask_first", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "code", name="uq_playbooks_tenant_code"),
    )
    op.create_index("ix_playbooks_tenant_id", "playbooks", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_playbooks_tenant_id", table_name="playbooks")
    op.drop_table("playbooks")
