"""Tasks: emails and web forms in the queues (issue 15) (a placeholder until its tables land: upgrades nothing).

Revision ID: routing_0005
Revises: routing_0004
"""

from collections.abc import Sequence

revision: str = "routing_0005"
down_revision: str | None = "routing_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
