"""Erasure requests (issue 17): one per member and tenant, each service's part as JSON.

Revision ID: members_0016
Revises: members_0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from frontdoor_common.models import UTCDateTime

revision: str = "members_0016"
down_revision: str | None = "members_0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_erasure_requests_member", "erasure_requests", ["tenant_id", "member_id"], unique=True)
    op.create_index("ix_erasure_requests_tenant_time", "erasure_requests", ["tenant_id", "requested_at"])


def downgrade() -> None:
    op.drop_index("ix_erasure_requests_tenant_time", table_name="erasure_requests")
    op.drop_index("uq_erasure_requests_member", table_name="erasure_requests")
    op.drop_table("erasure_requests")
