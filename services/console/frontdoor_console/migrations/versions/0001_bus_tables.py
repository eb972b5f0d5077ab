"""The outbox and inbox tables.

Revision ID: console_0001
Revises:
"""

from collections.abc import Sequence

from alembic import op

from frontdoor_common.migrations import create_bus_tables, drop_bus_tables

revision: str = "console_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_bus_tables(op.get_bind())


def downgrade() -> None:
    drop_bus_tables(op.get_bind())
