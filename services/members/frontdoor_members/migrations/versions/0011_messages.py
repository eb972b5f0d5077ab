"""Members' emails and web-form messages (issue 15) (a placeholder until its tables land: upgrades nothing).

Revision ID: members_0011
Revises: members_0010
"""

from collections.abc import Sequence

revision: str = "members_0011"
down_revision: str | None = "members_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
