"""Dossier shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Outcome = Literal["resolved_first_line", "transferred", "callback_agreed", "awaiting_confirmation", "unresolved"]
Channel = Literal["phone", "email", "chat", "sms", "letter", "in_person"]


class DossierEntryBase(BaseModel):
    """What an agent writes in the member's record."""

    kind: Literal["log", "remark"] = "log"
    channel: Channel | None = "phone"
    reason: str | None = Field(default=None, max_length=100, description="one of the tenant's reasons")
    summary: str = Field(min_length=1, max_length=10000)
    outcome: Outcome | None = None
    outcome_date: date | None = Field(default=None, description="required when awaiting written confirmation")
    noted_on: date | None = Field(default=None, description="the remark's date; default today")
    call_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None


class DossierEntryCreate(DossierEntryBase):
    """POST /v1/members/{id}/log."""


class DossierEntryView(BaseModel):
    """An entry of the member's history (logs, remarks, calls, callbacks, membership changes)."""

    id: uuid.UUID
    member_id: uuid.UUID
    kind: str
    channel: str | None
    reason: str | None
    summary: str | None
    outcome: str | None
    outcome_date: date | None
    noted_on: date
    call_id: uuid.UUID | None
    callback_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    author: str
    department_id: uuid.UUID | None
    occurred_at: datetime
    created_at: datetime
    keywords: list[str] = Field(
        default_factory=list, description="the text's keywords, most relevant first; empty until extracted"
    )


class DossierPage(BaseModel):
    """The newest entries first."""

    member_id: uuid.UUID
    entries: list[DossierEntryView]
