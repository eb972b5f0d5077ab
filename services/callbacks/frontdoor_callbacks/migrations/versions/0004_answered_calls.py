"""Answered calls per tenant (a queue callback for an answered call is not wanted).

Revision ID: callbacks_0004
Revises: callbacks_0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "callbacks_0004"
down_revision: str | None = "callbacks_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answered_call",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("call_id", sa.Uuid(), primary_key=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_answered_call_seen_at", "answered_call", ["seen_at"])
    # Callbacks are looked up by the call they came from when it is answered.
    op.create_index("ix_callback_tenant_original_call", "callback", ["tenant_id", "original_call_id"])


def downgrade() -> None:
    op.drop_index("ix_callback_tenant_original_call", table_name="callback")
    op.drop_index("ix_answered_call_seen_at", table_name="answered_call")
    op.drop_table("answered_call")
