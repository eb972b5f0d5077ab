"""The audit chain's checkpoint (issue 17): entries before `pruned_before` were deleted by the
retention of audit entries; `pruned_hash` is the hash of the last of them, so the chain that
remains verifies from there (64 zeros and 1: nothing pruned).

Revision ID: members_0017
Revises: members_0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "members_0017"
down_revision: str | None = "members_0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("audit_chain_heads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pruned_before", sa.Integer(), nullable=False, server_default=sa.text("1")))
        batch_op.add_column(
            sa.Column("pruned_hash", sa.String(length=64), nullable=False, server_default=sa.text(f"'{GENESIS}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_chain_heads", schema=None) as batch_op:
        batch_op.drop_column("pruned_hash")
        batch_op.drop_column("pruned_before")
