"""The personal-data lifecycle (issue 17): seal keys for the events' personal fields, the
tenant's retention windows.

Revision ID: surveys_0007
Revises: surveys_0006
"""

from collections.abc import Sequence

from alembic import op

from frontdoor_common.migrations import create_privacy_tables, drop_privacy_tables

revision: str = "surveys_0007"
down_revision: str | None = "surveys_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_privacy_tables(op.get_bind())


def downgrade() -> None:
    drop_privacy_tables(op.get_bind())
