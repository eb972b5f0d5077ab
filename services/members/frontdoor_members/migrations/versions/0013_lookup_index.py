"""Member lookup by phone at line rate (issue 18) (a placeholder until its tables land: upgrades nothing).

Revision ID: members_0013
Revises: members_0012
"""

from collections.abc import Sequence

revision: str = "members_0013"
down_revision: str | None = "members_0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
