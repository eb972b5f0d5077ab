"""Erasure and retention of members' meetings (issue 17): an anonymised meeting has no member
(`meetings.member_id` nullable), and erased members (a keyed digest, never the id) are refused
new bookings.

Revision ID: agents_0007
Revises: agents_0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import frontdoor_common.models

revision: str = "agents_0007"
down_revision: str | None = "agents_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.alter_column("member_id", existing_type=sa.Uuid(), nullable=True)
    op.create_table(
        "erased_members",
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("erased_at", frontdoor_common.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "subject"),
    )


def downgrade() -> None:
    op.drop_table("erased_members")
    # Anonymised meetings have no member to restore: they go with the downgrade.
    op.execute("DELETE FROM meetings WHERE member_id IS NULL")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.alter_column("member_id", existing_type=sa.Uuid(), nullable=False)
