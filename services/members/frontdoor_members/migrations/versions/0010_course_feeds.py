"""Course feeds imported from the course system (issue 16) (a placeholder until its tables land: upgrades nothing).

Revision ID: members_0010
Revises: members_0009
"""

from collections.abc import Sequence

revision: str = "members_0010"
down_revision: str | None = "members_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
