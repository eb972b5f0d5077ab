"""routing_shard_lease: the fencing epoch of each shard

Revision ID: routing_0004
Revises: routing_0003
Create Date: 2026-11-30 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import frontdoor_common.models

revision: str = "routing_0004"
down_revision: str | None = "routing_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_shard_lease",
        sa.Column("shard", sa.String(length=64), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("taken_at", frontdoor_common.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shard"),
    )


def downgrade() -> None:
    op.drop_table("routing_shard_lease")
