"""Notices sent for members (issue 16) (a placeholder until its tables land: upgrades nothing).

Revision ID: surveys_0006
Revises: surveys_0005
"""

from collections.abc import Sequence

revision: str = "surveys_0006"
down_revision: str | None = "surveys_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
