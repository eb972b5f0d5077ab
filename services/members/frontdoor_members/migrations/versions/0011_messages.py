"""Members' emails and web-form messages (issue 15): intake mailboxes, messages, their attachments'
metadata and the agents' replies; the forwards' mail outbox carries replies too (forward_id may be
null, and a reply's threading headers).

Revision ID: members_0011
Revises: members_0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "members_0011"
down_revision: str | None = "members_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mail_outgoing", schema=None) as batch_op:
        batch_op.alter_column("forward_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(sa.Column("in_reply_to", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("references", sa.Text(), nullable=True))

    op.create_table(
        "mailboxes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=True),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("address"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_mailboxes_tenant_name"),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("mailbox", sa.String(length=64), nullable=True),
        sa.Column("sender_address", sa.String(length=320), nullable=False),
        sa.Column("sender_name", sa.String(length=200), nullable=True),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("identified_by", sa.String(length=16), nullable=True),
        sa.Column("member_number_given", sa.String(length=32), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_encrypted", sa.Text(), nullable=False),
        sa.Column("text_chars", sa.Integer(), nullable=False),
        sa.Column("text_truncated", sa.Boolean(), nullable=False),
        sa.Column("raw_size", sa.Integer(), nullable=False),
        sa.Column("header_message_id", sa.String(length=300), nullable=True),
        sa.Column("header_references", sa.Text(), nullable=True),
        sa.Column("dedup_key", sa.String(length=300), nullable=True),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dossier_entry_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "dedup_key", name="uq_messages_tenant_dedup"),
    )
    op.create_index("ix_messages_tenant_status", "messages", ["tenant_id", "status", "received_at"], unique=False)
    op.create_index("ix_messages_tenant_member", "messages", ["tenant_id", "member_id"], unique=False)
    op.create_table(
        "message_attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Boolean(), nullable=False),
        sa.Column("quarantine_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_message_attachments_message", "message_attachments", ["message_id"], unique=False)
    op.create_table(
        "message_replies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("mail_id", sa.Uuid(), nullable=False),
        sa.Column("text_encrypted", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dossier_entry_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mail_id"], ["mail_outgoing.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mail_id"),
    )
    op.create_index("ix_message_replies_message", "message_replies", ["message_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_message_replies_message", table_name="message_replies")
    op.drop_table("message_replies")
    op.drop_index("ix_message_attachments_message", table_name="message_attachments")
    op.drop_table("message_attachments")
    op.drop_index("ix_messages_tenant_member", table_name="messages")
    op.drop_index("ix_messages_tenant_status", table_name="messages")
    op.drop_table("messages")
    op.drop_table("mailboxes")
    # replies' mail has no forward: it goes, so forward_id can be required again
    op.execute("DELETE FROM mail_outgoing WHERE forward_id IS NULL")
    with op.batch_alter_table("mail_outgoing", schema=None) as batch_op:
        batch_op.drop_column("references")
        batch_op.drop_column("in_reply_to")
        batch_op.alter_column("forward_id", existing_type=sa.Uuid(), nullable=False)
