"""The audit log of personal-data reads, chained by hash per tenant, and each tenant's chain head."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.audit.chain import GENESIS
from frontdoor_members.models import MembersModel


class PersonalDataRead(MembersModel, table=True):
    """Who read which personal data of which member, why and when; entry `seq` of its tenant's chain."""

    __tablename__ = "personal_data_reads"
    __table_args__ = (
        Index("ix_personal_data_reads_member", "tenant_id", "member_id", "at"),
        # one entry per place in a tenant's chain: two writers that took the same predecessor cannot both commit
        Index("uq_personal_data_reads_chain", "tenant_id", "seq", unique=True),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    member_id: uuid.UUID
    subject: str = Field(max_length=200)
    contact_id: uuid.UUID | None = None
    purpose: str = Field(max_length=100)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    request_id: str | None = Field(default=None, max_length=100)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    seq: int  # 1, 2, 3... per tenant, gapless
    prev_hash: str = Field(max_length=64)  # the hash of entry seq - 1 (64 zeros for the first)
    hash: str = Field(max_length=64)  # SHA-256 of this entry's canonical form (see chain.py)


class AuditChainHead(MembersModel, table=True):
    """The last entry of a tenant's audit chain; its row lock serialises the tenant's audit writers.
    And its checkpoint: the entries before `pruned_before` were deleted by the retention of audit
    entries, the last of them had the hash `pruned_hash`; the chain verifies from there."""

    __tablename__ = "audit_chain_heads"

    tenant_id: str = Field(max_length=64, primary_key=True)
    seq: int
    hash: str = Field(max_length=64)
    pruned_before: int = Field(default=1, sa_column_kwargs={"server_default": text("1")})
    pruned_hash: str = Field(default=GENESIS, max_length=64, sa_column_kwargs={"server_default": text(f"'{GENESIS}'")})
