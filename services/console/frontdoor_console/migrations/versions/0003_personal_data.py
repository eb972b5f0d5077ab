"""The personal-data lifecycle (issue 17): seal keys for the events' personal fields, the
tenant's retention windows.

Revision ID: console_0003
Revises: console_0002
"""

from collections.abc import Sequence

from alembic import op

from frontdoor_common.migrations import create_privacy_tables, drop_privacy_tables

revision: str = "console_0003"
down_revision: str | None = "console_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_privacy_tables(op.get_bind())


def downgrade() -> None:
    drop_privacy_tables(op.get_bind())
