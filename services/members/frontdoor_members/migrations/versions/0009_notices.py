"""Notices to members (issue 16) (a placeholder until its tables land: upgrades nothing).

Revision ID: members_0009
Revises: members_0008
"""

from collections.abc import Sequence

revision: str = "members_0009"
down_revision: str | None = "members_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
