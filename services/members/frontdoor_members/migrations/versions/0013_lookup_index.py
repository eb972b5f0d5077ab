"""Member lookup by phone at line rate (issue 18): members' change marker is indexed.

Each replica's in-process phone index (`members/phone_index.py`) polls the members changed
since its last poll (`updated_at` with an overlap); this index keeps that poll a range scan.

Revision ID: members_0013
Revises: members_0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "members_0013"
down_revision: str | None = "members_0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_members_updated_at", "members", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_members_updated_at", table_name="members")
