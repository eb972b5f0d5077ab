"""Callbacks, their attempts, and the queue replica.

Revision ID: callbacks_0002
Revises: callbacks_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "callbacks_0002"
down_revision: str | None = "callbacks_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "queue_replica",
        sa.Column("queue_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("ivr_digit", sa.String(8), nullable=True),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("is_switchboard", sa.Boolean(), nullable=False),
        sa.Column("callback_offer_seconds", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _ts("updated_at", nullable=False),
    )
    op.create_index("ix_queue_replica_tenant_id", "queue_replica", ["tenant_id"])

    op.create_table(
        "callback",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("queue_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        _ts("window_start"),
        _ts("window_end"),
        _ts("deadline"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("original_call_id", sa.Uuid(), nullable=True),
        _ts("original_arrived_at"),
        _ts("requested_at", nullable=False),
        _ts("updated_at", nullable=False),
        _ts("not_before", nullable=False),
        _ts("due_at"),
        sa.Column("at_risk", sa.Boolean(), nullable=False),
        sa.Column("dispatches", sa.Integer(), nullable=False),
        _ts("dispatched_at"),
        _ts("answered_at"),
        sa.Column("handling_agent_id", sa.Uuid(), nullable=True),
        sa.Column("routing_call_id", sa.Uuid(), nullable=True),
        sa.Column("last_outcome", sa.String(16), nullable=True),
        _ts("closed_at"),
        sa.Column("closed_reason", sa.String(32), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("needs_reschedule", sa.Boolean(), nullable=False),
        # One open callback per tenant, number and queue; NULL once closed (NULLs never collide).
        sa.Column("open_key", sa.String(200), nullable=True),
    )
    op.create_index("ix_callback_tenant_status_due", "callback", ["tenant_id", "status", "due_at"])
    op.create_index("ix_callback_tenant_requested", "callback", ["tenant_id", "requested_at"])
    op.create_index("ix_callback_open_key", "callback", ["open_key"], unique=True)

    op.create_table(
        "callback_attempt",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("callback_id", sa.Uuid(), sa.ForeignKey("callback.id"), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("dispatch", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(16), nullable=False),
        _ts("at", nullable=False),
    )
    op.create_index("ix_callback_attempt_callback", "callback_attempt", ["callback_id", "number"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_callback_attempt_callback", table_name="callback_attempt")
    op.drop_table("callback_attempt")
    op.drop_index("ix_callback_open_key", table_name="callback")
    op.drop_index("ix_callback_tenant_requested", table_name="callback")
    op.drop_index("ix_callback_tenant_status_due", table_name="callback")
    op.drop_table("callback")
    op.drop_index("ix_queue_replica_tenant_id", table_name="queue_replica")
    op.drop_table("queue_replica")
