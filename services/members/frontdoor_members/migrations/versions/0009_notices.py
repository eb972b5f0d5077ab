"""Notices to members (issue 16): what members asked the SMS gateway to send, so a meeting's
reminder can be withdrawn when the meeting moves or is cancelled.

Revision ID: members_0009
Revises: members_0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "members_0009"
down_revision: str | None = "members_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("to_number", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_member_notices_subject", "member_notices", ["tenant_id", "subject_id", "kind", "status"], unique=False
    )
    op.create_index("ix_member_notices_member", "member_notices", ["member_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_member_notices_member", table_name="member_notices")
    op.drop_index("ix_member_notices_subject", table_name="member_notices")
    op.drop_table("member_notices")
