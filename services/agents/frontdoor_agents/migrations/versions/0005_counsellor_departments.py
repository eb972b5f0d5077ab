"""Counsellors' departments (issue 16) (a placeholder until its tables land: upgrades nothing).

Revision ID: agents_0005
Revises: agents_0004
"""

from collections.abc import Sequence

revision: str = "agents_0005"
down_revision: str | None = "agents_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
