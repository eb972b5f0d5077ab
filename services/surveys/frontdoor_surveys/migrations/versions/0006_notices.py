"""Notices sent for members (issue 16): one row per notice id (a re-sent request queues nothing),
with its SMS in the outbox.

Revision ID: surveys_0006
Revises: surveys_0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "surveys_0006"
down_revision: str | None = "surveys_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_notices",
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sms_id", sa.Uuid(), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("notice_id"),
    )
    op.create_index("ix_sms_notices_member_id", "sms_notices", ["member_id"], unique=False)
    op.create_index("ix_sms_notices_tenant_requested", "sms_notices", ["tenant_id", "requested_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sms_notices_tenant_requested", table_name="sms_notices")
    op.drop_index("ix_sms_notices_member_id", table_name="sms_notices")
    op.drop_table("sms_notices")
