"""Course feeds imported from the course system (issue 16): an imported course's source, uid there
and last imported hash (unique per tenant, source and uid), and each tenant's feed URL with its
last run.

Revision ID: members_0010
Revises: members_0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "members_0010"
down_revision: str | None = "members_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.add_column(sa.Column("source", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("external_uid", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("import_hash", sa.String(length=64), nullable=True))
    op.create_index("uq_courses_tenant_source_uid", "courses", ["tenant_id", "source", "external_uid"], unique=True)
    op.create_table(
        "course_feeds",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("refresh_minutes", sa.Integer(), nullable=False),
        sa.Column("default_seats", sa.Integer(), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("last_report", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )


def downgrade() -> None:
    op.drop_table("course_feeds")
    op.drop_index("uq_courses_tenant_source_uid", table_name="courses")
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("import_hash")
        batch.drop_column("external_uid")
        batch.drop_column("source")
