"""tenant settings and reasons mirrors, caller suffix, identification result, next opening

Revision ID: routing_0003
Revises: routing_0002
Create Date: 2026-11-29 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import frontdoor_common.models

revision: str = "routing_0003"
down_revision: str | None = "routing_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_settings",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("at", frontdoor_common.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.create_table(
        "tenant_reasons",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("at", frontdoor_common.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("caller_suffix", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("identify_result", sa.String(length=12), nullable=True))
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("next_change_at", frontdoor_common.models.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("tenant_opening", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("next_change_at", frontdoor_common.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("tenant_opening", schema=None) as batch_op:
        batch_op.drop_column("next_change_at")
    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.drop_column("next_change_at")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("identify_result")
        batch_op.drop_column("caller_suffix")
    op.drop_table("tenant_reasons")
    op.drop_table("tenant_settings")
