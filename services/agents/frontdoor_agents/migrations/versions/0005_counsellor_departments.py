"""Counsellors' departments (issue 16): a member of staff's department, the department a booking named,
and meetings found by member.

Revision ID: agents_0005
Revises: agents_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "agents_0005"
down_revision: str | None = "agents_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department_id", sa.Uuid(), nullable=True))
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department_id", sa.Uuid(), nullable=True))
        batch_op.create_index("ix_meetings_member", ["tenant_id", "member_id", "starts_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_member")
        batch_op.drop_column("department_id")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("department_id")
