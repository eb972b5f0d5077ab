"""Member shapes: create, update, view (masked unless revealed), lookups, invoices, powers of attorney."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, EmailStr, Field, StringConstraints

from frontdoor_members.patch import PatchModel, Unchanged

Status = Literal["applicant", "active", "student", "retired", "unemployed", "on_leave", "left", "transferred"]
PhoneKind = Literal["mobile", "home", "work", "other"]
# Digits are ASCII everywhere (a pattern's \d, like str.isdigit, takes any script's digits), and
# member numbers are bounded so the KID made from one (number, 4-digit serial, check digit) fits 25.
MEMBER_NUMBER_PATTERN = r"^[0-9]{1,20}$"
MemberNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=MEMBER_NUMBER_PATTERN)]


def _ascii_amount(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{1,10}(\.[0-9]{1,2})?", value.strip()):
        raise ValueError("an amount has the digits 0-9 and at most two decimals, e.g. 545.00")
    return value


Amount = Annotated[Decimal, BeforeValidator(_ascii_amount), Field(gt=0, max_digits=12, decimal_places=2)]
Insurance = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
NationalIdText = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class PhoneCreate(BaseModel):
    """A phone number in any local or international format."""

    number: str = Field(min_length=3, max_length=40)
    kind: PhoneKind = "mobile"


class Address(BaseModel):
    """A postal address."""

    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    postal_code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]{0,15}$", description="ASCII letters and digits")
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
    insurances: list[Insurance] = Field(default_factory=list, max_length=50)


class MemberCreate(MemberBase):
    """POST /v1/members. Without department_id the department is chosen by workplace."""

    member_number: MemberNumber
    national_id: str | None = Field(default=None, max_length=32, description="validated by the tenant's country")
    phones: list[PhoneCreate] = Field(default_factory=list, max_length=10)
    address: Address | None = None
    returned_mail: bool = False
    joined_on: date | None = None
    joining: bool = Field(default=False, description="register as applicant, awaiting written confirmation")


class MemberUpdate(PatchModel):
    """PATCH /v1/members/{id}: a field left out is unchanged; null clears email, employer, workplace,
    shop_steward_name and address, and is refused for every other field. A new address clears
    returned mail. Leaving, joining and moving department go through membership changes."""

    null_hints: ClassVar[dict[str, str]] = {
        "department_id": "moving department goes through membership changes (kind move_department)",
        "status": "leaving and joining go through membership changes",
        "insurances": "send [] to remove every insurance",
        "phones": "send [] to remove every number",
        "national_id": "a national ID can be replaced, not removed",
    }

    first_name: str = Unchanged(min_length=1, max_length=100)
    last_name: str = Unchanged(min_length=1, max_length=100)
    email: EmailStr | None = None
    employer: str | None = Field(default=None, max_length=200)
    workplace: str | None = Field(default=None, max_length=200)
    department_id: uuid.UUID = Unchanged(description="only the current one: moving goes through membership changes")
    status: Status = Unchanged(description="not to or from applicant, left or transferred: use membership changes")
    category: str = Unchanged(min_length=1, max_length=32)
    is_shop_steward: bool = Unchanged()
    shop_steward_name: str | None = Field(default=None, max_length=200)
    insurances: list[Insurance] = Unchanged(max_length=50)
    national_id: NationalIdText = Unchanged()
    phones: list[PhoneCreate] = Unchanged(max_length=10, description="replaces every number")
    address: Address | None = None
    returned_mail: bool = Unchanged()


class PhoneView(BaseModel):
    """A registered number."""

    number: str
    kind: str


class MemberView(MemberBase):
    """A member. national_id is masked and address withheld unless revealed to a verified contact."""

    id: uuid.UUID
    member_number: str
    email: str | None = None
    national_id: str | None
    national_id_revealed: bool
    national_id_kind: str | None
    placeholder_national_id: bool
    phones: list[PhoneView]
    address: Address | None
    address_on_file: bool
    address_revealed: bool
    returned_mail: bool
    joined_on: date | None
    left_on: date | None
    created_at: datetime
    updated_at: datetime


class CandidateView(BaseModel):
    """A member who may be the caller."""

    member_id: uuid.UUID
    member_number: str
    first_name: str
    last_name: str
    department_id: uuid.UUID | None
    status: str
    matched_number: str | None = None
    phone_kind: str | None = None


class CandidateList(BaseModel):
    """Lookup answer: none, one, or several (a shared family number)."""

    number: str | None = None
    candidates: list[CandidateView]


class KidLookup(BaseModel):
    """POST /v1/members/lookup/kid: the invoice's KID and the name the caller gives."""

    kid: str = Field(min_length=2, max_length=30)
    name: str = Field(min_length=1, max_length=200)


class InvoiceCreate(BaseModel):
    """A dues invoice; without a KID one is made from the member number."""

    kid: str | None = Field(default=None, max_length=30)
    amount: Amount
    currency: str = Field(default="NOK", pattern=r"^[A-Z]{3}$")
    due_date: date
    paid: bool = False
    paid_on: date | None = None
    description: str | None = Field(default=None, max_length=500)


class InvoiceUpdate(PatchModel):
    """Mark an invoice paid or unpaid: a field left out is unchanged; paid_on null clears the date
    (marking it unpaid clears it too)."""

    paid: bool = Unchanged()
    paid_on: date | None = None


class InvoiceView(BaseModel):
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


class PowerOfAttorneyView(BaseModel):
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


class ReencryptionView(BaseModel):
    """How many national IDs were re-encrypted with the newest key."""

    reencrypted: int
    already_current: int
