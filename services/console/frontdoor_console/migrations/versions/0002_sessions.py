"""Sessions, sign-ins under way, language preferences, the desks' calls.

Revision ID: console_0002
Revises: console_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "console_0002"
down_revision: str | None = "console_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=True),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("access_token", sa.String(8000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_console_session_tenant_id", "console_session", ["tenant_id"])
    op.create_table(
        "console_login_attempt",
        sa.Column("state", sa.String(128), primary_key=True),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("return_to", sa.String(2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "console_user_preference",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(200), primary_key=True),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "console_desk_call",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("agent_id", sa.String(64), primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("console_desk_call")
    op.drop_table("console_user_preference")
    op.drop_table("console_login_attempt")
    op.drop_index("ix_console_session_tenant_id", "console_session")
    op.drop_table("console_session")
