"""Courses and events (issue 16): the tenant's catalogue and members' sign-ups, with one active
sign-up per member and course (a partial unique index on SQLite and PostgreSQL alike).

Revision ID: members_0008
Revises: members_0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "members_0008"
down_revision: str | None = "members_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "status IN ('confirmed', 'waiting')"


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("waiting_seq", sa.Integer(), nullable=False),
        sa.Column("signup_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("department_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_courses_tenant_starts", "courses", ["tenant_id", "starts_at"], unique=False)
    op.create_table(
        "course_signups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queue_number", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_course_signups_active",
        "course_signups",
        ["course_id", "member_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_index(
        "ix_course_signups_course_status", "course_signups", ["course_id", "status", "queue_number"], unique=False
    )
    op.create_index("ix_course_signups_member", "course_signups", ["member_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_course_signups_member", table_name="course_signups")
    op.drop_index("ix_course_signups_course_status", table_name="course_signups")
    op.drop_index("uq_course_signups_active", table_name="course_signups")
    op.drop_table("course_signups")
    op.drop_index("ix_courses_tenant_starts", table_name="courses")
    op.drop_table("courses")
