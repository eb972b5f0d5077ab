"""Members, their phone numbers, invoices and recorded powers of attorney."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, ForeignKey, Index, Numeric, Text, UniqueConstraint, Uuid
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


def _member_fk() -> Column[uuid.UUID]:
    return Column(Uuid(), ForeignKey("members.id", ondelete="CASCADE"), nullable=False)


class Member(MembersModel, table=True):
    """A member of a tenant's union; the national ID is stored encrypted only."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("tenant_id", "member_number", name="uq_members_tenant_number"),
        Index("uq_members_tenant_national_id", "tenant_id", "national_id_digest", unique=True),
        # the change marker each replica's phone index polls (members/phone_index.py)
        Index("ix_members_updated_at", "updated_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64, index=True)
    member_number: str = Field(max_length=32)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    national_id_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    national_id_masked: str | None = Field(default=None, max_length=32)
    national_id_kind: str | None = Field(default=None, max_length=16)
    # keyed digest of a real national ID (None for placeholders): one member per person and tenant
    national_id_digest: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    address_line1: str | None = Field(default=None, max_length=200)
    address_line2: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=16)
    city: str | None = Field(default=None, max_length=100)
    address_country: str | None = Field(default=None, max_length=2)
    returned_mail: bool = False
    employer: str | None = Field(default=None, max_length=200)
    workplace: str | None = Field(default=None, max_length=200)
    department_id: uuid.UUID | None = Field(default=None, foreign_key="departments.id")
    status: str = Field(default="active", max_length=32)
    category: str = Field(default="ordinary", max_length=32)
    is_shop_steward: bool = False
    shop_steward_name: str | None = Field(default=None, max_length=200)
    insurances: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    joined_on: date | None = None
    left_on: date | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class MemberPhone(MembersModel, table=True):
    """One of a member's numbers, in E.164; (tenant, number) is indexed for caller lookup."""

    __tablename__ = "member_phones"
    __table_args__ = (
        Index("ix_member_phones_lookup", "tenant_id", "e164"),
        UniqueConstraint("member_id", "e164", name="uq_member_phones_member_number"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    member_id: uuid.UUID = Field(sa_column=_member_fk())
    e164: str = Field(max_length=20)
    kind: str = Field(default="mobile", max_length=16)
    position: int = 0


class Invoice(MembersModel, table=True):
    """A dues invoice; its KID starts with the member number."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kid", name="uq_invoices_tenant_kid"),
        Index("ix_invoices_member", "member_id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    member_id: uuid.UUID = Field(sa_column=_member_fk())
    kid: str = Field(max_length=25)
    amount: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    currency: str = Field(default="NOK", max_length=3)
    due_date: date
    paid: bool = False
    paid_on: date | None = None
    description: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class PowerOfAttorney(MembersModel, table=True):
    """A member's oral power of attorney for someone to discuss their case, as recorded by an agent."""

    __tablename__ = "powers_of_attorney"
    __table_args__ = (Index("ix_powers_of_attorney_member", "member_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    member_id: uuid.UUID = Field(sa_column=_member_fk())
    grantee_name: str = Field(max_length=200)
    grantee_phone: str | None = Field(default=None, max_length=20)
    scope: str = Field(default="case", max_length=32)
    granted_via_contact_id: uuid.UUID
    recorded_by: str = Field(max_length=200)
    granted_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
