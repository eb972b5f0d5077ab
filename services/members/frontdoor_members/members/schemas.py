"""Member shapes: create, update, public (masked unless revealed), lookups, invoices, powers of attorney."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

Status = Literal["applicant", "active", "student", "retired", "unemployed", "on_leave", "left", "transferred"]
PhoneKind = Literal["mobile", "home", "work", "other"]


class PhoneIn(BaseModel):
    """A phone number in any local or international format."""

    number: str = Field(min_length=3, max_length=40)
    kind: PhoneKind = "mobile"


class Address(BaseModel):
    """A postal address."""

    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    postal_code: str = Field(min_length=1, max_length=16)
    city: str = Field(min_length=1, max_length=100)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


class MemberBase(BaseModel):
    """Fields a member has, apart from the protected ones."""

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr | None = None
    employer: str | None = Field(default=None, max_length=200)
    workplace: str | None = Field(default=None, max_length=200)
    department_id: uuid.UUID | None = None
    status: Status = "active"
    category: str = Field(default="ordinary", min_length=1, max_length=32)
    is_shop_steward: bool = False
    shop_steward_name: str | None = Field(default=None, max_length=200, description="the member's shop steward")
    insurances: list[str] = Field(default_factory=list, max_length=50)


class MemberCreate(MemberBase):
    """POST /v1/members. Without department_id the department is chosen by workplace."""

    member_number: str = Field(min_length=1, max_length=32, pattern=r"^\d+$")
    national_id: str | None = Field(default=None, max_length=32, description="validated by the tenant's country")
    phones: list[PhoneIn] = Field(default_factory=list, max_length=10)
    address: Address | None = None
    returned_mail: bool = False
    joined_on: date | None = None
    joining: bool = Field(default=False, description="register as applicant, awaiting written confirmation")


class MemberUpdate(BaseModel):
    """PATCH /v1/members/{id}: only the fields given change. A new address clears returned mail."""

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    employer: str | None = Field(default=None, max_length=200)
    workplace: str | None = Field(default=None, max_length=200)
    department_id: uuid.UUID | None = None
    status: Status | None = None
    category: str | None = Field(default=None, min_length=1, max_length=32)
    is_shop_steward: bool | None = None
    shop_steward_name: str | None = Field(default=None, max_length=200)
    insurances: list[str] | None = Field(default=None, max_length=50)
    national_id: str | None = Field(default=None, max_length=32)
    phones: list[PhoneIn] | None = Field(default=None, max_length=10, description="replaces every number")
    address: Address | None = None
    returned_mail: bool | None = None


class PhonePublic(BaseModel):
    """A registered number."""

    number: str
    kind: str


class MemberPublic(MemberBase):
    """A member. national_id is masked and address withheld unless revealed to a verified contact."""

    id: uuid.UUID
    member_number: str
    email: str | None = None
    national_id: str | None
    national_id_revealed: bool
    national_id_kind: str | None
    placeholder_national_id: bool
    phones: list[PhonePublic]
    address: Address | None
    address_on_file: bool
    address_revealed: bool
    returned_mail: bool
    joined_on: date | None
    left_on: date | None
    created_at: datetime
    updated_at: datetime


class Candidate(BaseModel):
    """A member who may be the caller."""

    member_id: uuid.UUID
    member_number: str
    first_name: str
    last_name: str
    department_id: uuid.UUID | None
    status: str
    matched_number: str | None = None
    phone_kind: str | None = None


class Candidates(BaseModel):
    """Lookup answer: none, one, or several (a shared family number)."""

    number: str | None = None
    candidates: list[Candidate]


class KidLookup(BaseModel):
    """POST /v1/members/lookup/kid: the invoice's KID and the name the caller gives."""

    kid: str = Field(min_length=2, max_length=30)
    name: str = Field(min_length=1, max_length=200)


class InvoiceCreate(BaseModel):
    """A dues invoice; without a KID one is made from the member number."""

    kid: str | None = Field(default=None, max_length=30)
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    currency: str = Field(default="NOK", pattern=r"^[A-Z]{3}$")
    due_date: date
    paid: bool = False
    paid_on: date | None = None
    description: str | None = Field(default=None, max_length=500)


class InvoiceUpdate(BaseModel):
    """Mark an invoice paid or unpaid."""

    paid: bool
    paid_on: date | None = None


class InvoicePublic(BaseModel):
    """An invoice."""

    id: uuid.UUID
    member_id: uuid.UUID
    kid: str
    amount: Decimal
    currency: str
    due_date: date
    paid: bool
    paid_on: date | None
    description: str | None
    created_at: datetime


class PowerOfAttorneyCreate(BaseModel):
    """Record the member's oral power of attorney, given on a contact verified as the member."""

    contact_id: uuid.UUID
    grantee_name: str = Field(min_length=1, max_length=200)
    grantee_phone: str | None = Field(default=None, max_length=40)


class PowerOfAttorneyPublic(BaseModel):
    """A recorded power of attorney."""

    id: uuid.UUID
    member_id: uuid.UUID
    grantee_name: str
    grantee_phone: str | None
    scope: str
    granted_via_contact_id: uuid.UUID
    recorded_by: str
    granted_at: datetime
    revoked_at: datetime | None


class ReencryptResult(BaseModel):
    """How many national IDs were re-encrypted with the newest key."""

    reencrypted: int
    already_current: int
