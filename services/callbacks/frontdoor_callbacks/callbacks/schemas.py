"""Request and response bodies of the callbacks API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from frontdoor_common.events.callbacks import AttemptOutcome, CallbackStatus, ExpiryReason

Source = Literal["queue", "agent", "web"]


class CallbackCreate(BaseModel):
    """A callback request: from the queue (routing), an agent, or the union's web form."""

    model_config = ConfigDict(extra="forbid")

    source: Source = Field(description="queue: offered by routing to a waiting caller; agent; web: the web form")
    number: str = Field(min_length=3, max_length=40, description="E.164, or local format in the tenant's country")
    member_id: uuid.UUID | None = None
    queue_id: uuid.UUID | None = Field(
        default=None, description="required unless an agent is named (then the tenant's default queue)"
    )
    agent_id: uuid.UUID | None = Field(default=None, description="the agent who should call back, if possible")
    reason: str | None = Field(default=None, max_length=500)
    window_start: AwareDatetime | None = None
    window_end: AwareDatetime | None = None
    deadline: AwareDatetime | None = Field(default=None, description="a legal deadline: never called back after it")
    call_id: uuid.UUID | None = Field(default=None, description="queue callbacks: routing's call id")
    arrived_at: AwareDatetime | None = Field(
        default=None, description="queue callbacks: when the call arrived (the callback keeps its place)"
    )
    max_attempts: int | None = Field(default=None, ge=1, le=10)


class CallbackView(BaseModel):
    """A callback as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    member_id: uuid.UUID | None
    queue_id: uuid.UUID
    agent_id: uuid.UUID | None
    source: Source
    reason: str | None
    window_start: datetime | None
    window_end: datetime | None
    deadline: datetime | None
    status: CallbackStatus
    attempts: int
    max_attempts: int
    priority: int
    original_call_id: uuid.UUID | None
    original_arrived_at: datetime | None
    requested_at: datetime
    updated_at: datetime
    due_at: datetime | None
    at_risk: bool
    dispatches: int
    dispatched_at: datetime | None
    answered_at: datetime | None
    last_outcome: AttemptOutcome | None
    closed_at: datetime | None
    closed_reason: ExpiryReason | None
    requests: int
    hours_guessed: bool = Field(
        default=False,
        description="due_at was computed on guessed opening hours (the agents service did not answer); "
        "it is corrected as soon as the hours are known",
    )


class CallbackRequestView(CallbackView):
    """The answer to a request: `deduplicated` says an open callback for the number and queue was updated."""

    deduplicated: bool = False


class CallbackList(BaseModel):
    """A page of callbacks."""

    items: list[CallbackView]
    total: int
    limit: int
    offset: int


class AttemptCreate(BaseModel):
    """An agent's try at the number."""

    model_config = ConfigDict(extra="forbid")

    outcome: AttemptOutcome
    agent_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=1000)


class CancellationCreate(BaseModel):
    """Why nobody is to call back."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class AttemptView(BaseModel):
    """A recorded attempt."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: int
    outcome: AttemptOutcome
    agent_id: uuid.UUID | None
    note: str | None
    dispatch: int
    recorded_by: Literal["agent", "routing"]
    at: datetime


class AttemptRecordedView(BaseModel):
    """The attempt and the callback after it."""

    attempt: AttemptView
    callback: CallbackView


class CallbackDetailView(CallbackView):
    """A callback with its attempts."""

    attempt_log: list[AttemptView] = []
