"""The audit trail chained by hash (issue 17) (a placeholder until its tables land: upgrades nothing).

Revision ID: members_0012
Revises: members_0011
"""

from collections.abc import Sequence

revision: str = "members_0012"
down_revision: str | None = "members_0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
