"""The number a call was transferred out to (a playbook's fixed number: issue 15).

Revision ID: routing_0006
Revises: routing_0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "routing_0006"
down_revision: str | None = "routing_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("transferred_to_number", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("transferred_to_number")
