"""Calls mirrored from routing (contacts end with their call; late identification), one
row per contact for trends, the verification lockout by member and calling number, one
member per national ID, placeholder IDs and time zones per tenant.

Revision ID: members_0003
Revises: members_0002
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "members_0003"
down_revision: str | None = "members_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("end_state", sa.String(length=16), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "call_id", name="uq_call_records_tenant_call"),
    )
    op.create_table(
        "contact_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("entry_id", sa.Uuid(), nullable=True),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dated_by_call", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "call_id", name="uq_contact_records_tenant_call"),
    )
    with op.batch_alter_table("contact_records", schema=None) as batch_op:
        batch_op.create_index("ix_contact_records_tenant_time", ["tenant_id", "occurred_at"], unique=False)
    op.create_table(
        "tenant_zones",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_reason", sa.String(length=16), nullable=True))
    with op.batch_alter_table("verification_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("caller_number", sa.String(length=20), nullable=True))
        batch_op.create_index("ix_verification_attempts_member", ["tenant_id", "member_id", "at"], unique=False)
        batch_op.create_index("ix_verification_attempts_number", ["tenant_id", "caller_number", "at"], unique=False)
    # Only changes SQLite makes in place: rebuilding a parent table (a constraint on members, a
    # dropped column on contacts) would run its ON DELETE CASCADE, with foreign keys on, and empty
    # the dossier, the phones and the invoices. Hence a unique index rather than a constraint.
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("national_id_digest", sa.String(length=64), nullable=True))
        batch_op.create_index("uq_members_tenant_national_id", ["tenant_id", "national_id_digest"], unique=True)
    with op.batch_alter_table("tenant_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("placeholder_national_ids", sa.JSON(), nullable=False, server_default='["00100"]')
        )
    with op.batch_alter_table("dossier_entries", schema=None) as batch_op:
        batch_op.create_index(
            "uq_dossier_call_entry",
            ["tenant_id", "call_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'call'"),
            postgresql_where=sa.text("kind = 'call'"),
        )
    _backfill_contact_records()


def _backfill_contact_records() -> None:
    """Existing calls and notes become contacts: a call and the notes about it are one."""
    bind = op.get_bind()
    entries = sa.table(
        "dossier_entries",
        sa.column("id", sa.Uuid()),
        sa.column("tenant_id", sa.String()),
        sa.column("member_id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("channel", sa.String()),
        sa.column("reason", sa.String()),
        sa.column("call_id", sa.Uuid()),
        sa.column("department_id", sa.Uuid()),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
    )
    records = sa.table(
        "contact_records",
        sa.column("id", sa.Uuid()),
        sa.column("tenant_id", sa.String()),
        sa.column("call_id", sa.Uuid()),
        sa.column("entry_id", sa.Uuid()),
        sa.column("member_id", sa.Uuid()),
        sa.column("department_id", sa.Uuid()),
        sa.column("reason", sa.String()),
        sa.column("channel", sa.String()),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("dated_by_call", sa.Boolean()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.select(entries)
        .where(entries.c.kind.in_(["call", "log"]))
        .order_by(entries.c.kind, entries.c.occurred_at)  # calls first: they date the contact
    ).all()
    by_call: dict[tuple[str, uuid.UUID], dict[str, object]] = {}
    out: list[dict[str, object]] = []
    now = datetime.now(UTC)
    for r in rows:
        if r.call_id is not None and (r.tenant_id, r.call_id) in by_call:
            known = by_call[(r.tenant_id, r.call_id)]
            if known["reason"] is None:
                known["reason"] = r.reason
            continue
        at = r.occurred_at if r.occurred_at.tzinfo else r.occurred_at.replace(tzinfo=UTC)
        row: dict[str, object] = {
            "id": uuid.uuid4(),
            "tenant_id": r.tenant_id,
            "call_id": r.call_id,
            "entry_id": r.id if r.kind == "log" else None,
            "member_id": r.member_id,
            "department_id": r.department_id,
            "reason": r.reason,
            "channel": r.channel,
            "occurred_at": at,
            "dated_by_call": r.kind == "call",
            "created_at": now,
        }
        out.append(row)
        if r.call_id is not None:
            by_call[(r.tenant_id, r.call_id)] = row
    if out:
        op.bulk_insert(records, out)


def _drop_column(table: str, column: str) -> None:
    # in place on both engines (SQLite >= 3.35), never a rebuild that would cascade (see upgrade)
    op.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))


def downgrade() -> None:
    op.drop_index("uq_dossier_call_entry", table_name="dossier_entries")
    _drop_column("tenant_settings", "placeholder_national_ids")
    op.drop_index("uq_members_tenant_national_id", table_name="members")
    _drop_column("members", "national_id_digest")
    op.drop_index("ix_verification_attempts_number", table_name="verification_attempts")
    op.drop_index("ix_verification_attempts_member", table_name="verification_attempts")
    _drop_column("verification_attempts", "caller_number")
    _drop_column("contacts", "closed_reason")
    op.drop_table("tenant_zones")
    op.drop_index("ix_contact_records_tenant_time", table_name="contact_records")
    op.drop_table("contact_records")
    op.drop_table("call_records")
