"""Keywords of the dossier's free text (issue 15): one extraction row per entry, its keywords dated
by local day and ISO week; an index on the dossier's creation time. Existing notes and remarks have no extraction row: the worker extracts
them after the upgrade, oldest first.

Revision ID: members_0007
Revises: members_0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "members_0007"
down_revision: str | None = "members_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the worker's walk along the dossier by creation time
    op.create_index("ix_dossier_entries_created_at", "dossier_entries", ["created_at"], unique=False)
    op.create_table(
        "keyword_extractions",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("keywords", sa.Integer(), nullable=False),
        sa.Column("text_chars", sa.Integer(), nullable=False),
        sa.Column("extracted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["dossier_entries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("entry_id"),
    )
    op.create_table(
        "entry_keywords",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("keyword", sa.String(length=100), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["dossier_entries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_entry_keywords_entry_keyword", "entry_keywords", ["entry_id", "keyword"], unique=True)
    op.create_index("ix_entry_keywords_tenant_week", "entry_keywords", ["tenant_id", "week", "keyword"], unique=False)
    op.create_index("ix_entry_keywords_tenant_day", "entry_keywords", ["tenant_id", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_entry_keywords_tenant_day", table_name="entry_keywords")
    op.drop_index("ix_entry_keywords_tenant_week", table_name="entry_keywords")
    op.drop_index("uq_entry_keywords_entry_keyword", table_name="entry_keywords")
    op.drop_table("entry_keywords")
    op.drop_table("keyword_extractions")
    op.drop_index("ix_dossier_entries_created_at", table_name="dossier_entries")
