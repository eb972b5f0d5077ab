"""Membership change shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["join", "leave", "move_department", "move_union"]


class MembershipChangeCreate(BaseModel):
    """A requested change: leave, move to a department (to_department_id) or to a union (to_union)."""

    kind: Kind
    to_department_id: uuid.UUID | None = None
    to_union: str | None = Field(default=None, max_length=200)
    effective_on: date | None = None
    note: str | None = Field(default=None, max_length=2000)


class MembershipConfirmationCreate(BaseModel):
    """The member's written confirmation arrived."""

    confirmed_on: date | None = Field(default=None, description="default today")
    channel: Literal["email", "letter", "form", "min_side"] = "email"
    effective_on: date | None = None


class MembershipChangeView(BaseModel):
    """A membership change and where it stands."""

    id: uuid.UUID
    member_id: uuid.UUID
    kind: str
    status: str
    from_department_id: uuid.UUID | None
    to_department_id: uuid.UUID | None
    to_union: str | None
    requested_on: date
    effective_on: date | None
    confirmed_on: date | None
    confirmation_channel: str | None
    note: str | None
    requested_by: str
    created_at: datetime
    updated_at: datetime
