"""The last known opening hours per queue, and callbacks scheduled on guessed hours.

Revision ID: callbacks_0005
Revises: callbacks_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "callbacks_0005"
down_revision: str | None = "callbacks_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_opening_hours",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("queue_id", sa.Uuid(), primary_key=True),
        sa.Column("range_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("range_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("intervals", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("callback") as batch:
        batch.add_column(sa.Column("hours_guessed", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("callback") as batch:
        batch.drop_column("hours_guessed")
    op.drop_table("known_opening_hours")
