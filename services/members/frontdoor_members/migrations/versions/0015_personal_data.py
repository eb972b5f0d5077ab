"""The personal-data lifecycle (issue 17): seal keys for the events' personal fields, the
tenant's retention windows.

Revision ID: members_0015
Revises: members_0014
"""

from collections.abc import Sequence

from alembic import op

from frontdoor_common.migrations import create_privacy_tables, drop_privacy_tables

revision: str = "members_0015"
down_revision: str | None = "members_0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_privacy_tables(op.get_bind())


def downgrade() -> None:
    drop_privacy_tables(op.get_bind())
