"""The audit trail chained by hash (issue 17): each personal-data read gets its tenant's next seq,
the hash of the entry before it and its own hash; a head row per tenant. Reads recorded before
this revision are chained here, per tenant in (time, id) order, so an upgraded database verifies.

Revision ID: members_0012
Revises: members_0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from frontdoor_common.models import UTCDateTime

revision: str = "members_0012"
down_revision: str | None = "members_0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 1000
GENESIS = "0" * 64

reads = sa.table(
    "personal_data_reads",
    sa.column("id", sa.Uuid()),
    sa.column("tenant_id", sa.String()),
    sa.column("member_id", sa.Uuid()),
    sa.column("subject", sa.String()),
    sa.column("contact_id", sa.Uuid()),
    sa.column("purpose", sa.String()),
    sa.column("fields", sa.JSON()),
    sa.column("request_id", sa.String()),
    sa.column("at", UTCDateTime()),
    sa.column("seq", sa.Integer()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def upgrade() -> None:
    op.create_table(
        "audit_chain_heads",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    with op.batch_alter_table("personal_data_reads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_reads()
    with op.batch_alter_table("personal_data_reads", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index("uq_personal_data_reads_chain", ["tenant_id", "seq"], unique=True)


def _chain_existing_reads() -> None:
    # the service's own hash: the chain's canonical form is frozen (see audit/chain.py)
    from frontdoor_members.audit.chain import entry_hash

    conn = op.get_bind()
    heads = sa.table("audit_chain_heads", sa.column("tenant_id"), sa.column("seq"), sa.column("hash"))
    tenants = conn.execute(sa.select(reads.c.tenant_id).distinct().order_by(reads.c.tenant_id)).scalars().all()
    for tenant in tenants:
        seq, prev = 0, GENESIS
        after: tuple[object, object] | None = None
        while True:  # a page at a time: bounded memory however long the trail
            query = sa.select(reads).where(reads.c.tenant_id == tenant)
            if after is not None:
                query = query.where(
                    sa.tuple_(reads.c.at, reads.c.id)
                    > sa.tuple_(sa.literal(after[0], UTCDateTime()), sa.literal(after[1], sa.Uuid()))
                )
            rows = conn.execute(query.order_by(reads.c.at, reads.c.id).limit(PAGE)).all()
            if not rows:
                break
            changes = []
            for r in rows:
                seq += 1
                digest = entry_hash(
                    id=r.id,
                    tenant_id=r.tenant_id,
                    seq=seq,
                    member_id=r.member_id,
                    subject=r.subject,
                    contact_id=r.contact_id,
                    purpose=r.purpose,
                    fields=r.fields,
                    request_id=r.request_id,
                    at=r.at,
                    prev_hash=prev,
                )
                changes.append({"b_id": r.id, "b_seq": seq, "b_prev": prev, "b_hash": digest})
                prev = digest
            conn.execute(
                reads.update()
                .where(reads.c.id == sa.bindparam("b_id"))
                .values(seq=sa.bindparam("b_seq"), prev_hash=sa.bindparam("b_prev"), hash=sa.bindparam("b_hash")),
                changes,
            )
            after = (rows[-1].at, rows[-1].id)
        conn.execute(heads.insert().values(tenant_id=tenant, seq=seq, hash=prev))


def downgrade() -> None:
    with op.batch_alter_table("personal_data_reads", schema=None) as batch_op:
        batch_op.drop_index("uq_personal_data_reads_chain")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    op.drop_table("audit_chain_heads")
