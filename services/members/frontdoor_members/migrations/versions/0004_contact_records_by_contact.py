"""Notes on one contact session without a call count as one contact: contact_records.contact_id.

Revision ID: members_0004
Revises: members_0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "members_0004"
down_revision: str | None = "members_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # in place on SQLite (add column, create index): no table rebuild
    with op.batch_alter_table("contact_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Uuid(), nullable=True))
        batch_op.create_index("uq_contact_records_tenant_contact", ["tenant_id", "contact_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_contact_records_tenant_contact", table_name="contact_records")
    op.execute(sa.text("ALTER TABLE contact_records DROP COLUMN contact_id"))
