"""Forward and follow-up shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

MAX_SUMMARY = 4000

ForwardStatus = Literal["pending", "sent", "failed"]
FollowUpStatus = Literal["open", "escalated", "done"]


class ForwardCreate(BaseModel):
    """POST /v1/members/{member_id}/forwards."""

    department_id: uuid.UUID | None = Field(
        default=None, description="the department whose case worker gets the mail; default: the member's"
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        description="one of the tenant's contact reasons (e.g. trouble); one line"
    )
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SUMMARY)] = Field(
        description="the agent's account of the enquiry, sent in the mail's body"
    )
    deadline: date | None = Field(
        default=None, description="the member's own deadline (not in the past); recorded as a follow-up"
    )


class DepartmentRef(BaseModel):
    """The department a forward went to."""

    id: uuid.UUID
    code: str
    name: str


class ForwardView(BaseModel):
    """A forward as the agent sees it: the mail pending (with attempts and the last error's class),
    sent (with sent_at) or failed."""

    id: uuid.UUID
    member_id: uuid.UUID
    department: DepartmentRef
    reason: str
    deadline: date | None
    status: str = Field(description="pending, sent or failed (a mail being sent right now shows as pending)")
    attempts: int
    last_error: str | None = Field(description="the class of the last delivery error, never its text")
    sent_at: datetime | None
    message_id: str
    followup_id: uuid.UUID | None
    dossier_entry_id: uuid.UUID | None
    author: str
    created_at: datetime


class FollowUpView(BaseModel):
    """A member's deadline being watched."""

    id: uuid.UUID
    member_id: uuid.UUID
    forward_id: uuid.UUID | None
    department_id: uuid.UUID | None
    deadline: date
    escalate_at: datetime
    status: str
    created_at: datetime
    escalated_at: datetime | None
    done_at: datetime | None
    done_by: str | None
