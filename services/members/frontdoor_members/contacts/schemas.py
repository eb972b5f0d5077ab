"""Contact session and verification shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from frontdoor_members.members.schemas import CandidateView, MemberNumber

Channel = Literal["phone", "email", "chat", "sms", "letter", "in_person"]


class ContactCreate(BaseModel):
    """POST /v1/contacts: a call, mail or chat in progress."""

    channel: Channel = "phone"
    caller_number: str | None = Field(default=None, max_length=40, description="local formats and -NNN suffix accepted")
    call_id: uuid.UUID | None = Field(default=None, description="routing's call id, if a call")
    member_id: uuid.UUID | None = Field(default=None, description="the member the contact is about, if known")


class ContactView(BaseModel):
    """A contact and the verification level it reached (other services check it here)."""

    id: uuid.UUID
    channel: str
    caller_number: str | None
    call_id: uuid.UUID | None
    recognised_member_id: uuid.UUID | None
    candidate_count: int
    member_id: uuid.UUID | None
    level: str
    scopes: list[str]
    verified: bool
    verified_at: datetime | None
    failed_attempts: int
    attempts_left: int
    locked: bool
    active: bool
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    closed_reason: str | None = Field(default=None, description="closed (by an agent) or call_ended")


class NewContactView(ContactView):
    """The new contact with the members its number matched."""

    candidates: list[CandidateView]


class VerificationCreate(BaseModel):
    """One verification attempt; which fields are needed depends on the method.

    - member: national_id, and member_number unless the caller was recognised by number
      (then member_id).
    - invoice: kid, name (as the caller gives it), national_id.
    - power_of_attorney: name (the caller's), member_number or member_id.
    """

    method: Literal["member", "invoice", "power_of_attorney"]
    national_id: str | None = Field(default=None, max_length=32)
    member_number: MemberNumber | None = None
    member_id: uuid.UUID | None = None
    kid: str | None = Field(default=None, max_length=30)
    name: str | None = Field(default=None, max_length=200)


class VerificationView(BaseModel):
    """The outcome of an attempt. A failure is an answer (200), counted against the limit."""

    verified: bool
    level: str
    member_id: uuid.UUID | None
    failure: str | None = Field(description="no_match for every wrong answer (never which part was wrong)")
    attempts_left: int
    contact: ContactView
