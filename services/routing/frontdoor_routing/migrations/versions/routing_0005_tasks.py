"""Tasks: emails and web forms in the queues (issue 15): the tasks table and the queues' message settings.

Revision ID: routing_0005
Revises: routing_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import frontdoor_common.models

revision: str = "routing_0005"
down_revision: str | None = "routing_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=80), nullable=True),
        sa.Column("mailbox", sa.String(length=120), nullable=True),
        sa.Column("queue_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("resolution", sa.String(length=12), nullable=True),
        sa.Column("received_at", frontdoor_common.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("queued_at", frontdoor_common.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("offered_at", frontdoor_common.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", frontdoor_common.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", frontdoor_common.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("service_level_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", frontdoor_common.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "message_id", name="uq_tasks_tenant_message"),
    )
    op.create_index("ix_tasks_tenant_state", "tasks", ["tenant_id", "state"])
    op.create_index("ix_tasks_tenant_received", "tasks", ["tenant_id", "received_at"])
    with op.batch_alter_table("queues") as batch:
        batch.add_column(sa.Column("message_mailboxes", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("message_reasons", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("message_default", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(
            sa.Column("task_service_level_seconds", sa.Integer(), nullable=False, server_default="86400")
        )


def downgrade() -> None:
    with op.batch_alter_table("queues") as batch:
        batch.drop_column("task_service_level_seconds")
        batch.drop_column("message_default")
        batch.drop_column("message_reasons")
        batch.drop_column("message_mailboxes")
    op.drop_index("ix_tasks_tenant_received", table_name="tasks")
    op.drop_index("ix_tasks_tenant_state", table_name="tasks")
    op.drop_table("tasks")
