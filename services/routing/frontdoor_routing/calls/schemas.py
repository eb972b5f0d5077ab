"""Request and response models of the call lifecycle (`/v1/calls`) and of offers."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from frontdoor_common.events.routing import CallSnapshot, Resolution
from frontdoor_routing.engine.tenant import ClosedReason


class CallCreate(BaseModel):
    """POST /v1/calls: what the CTI knows when a call comes in."""

    cti_call_id: str = Field(min_length=1, max_length=200, description="The CTI's own id: makes the post idempotent")
    caller_number: str | None = Field(default=None, max_length=40, description="E.164 or local format")
    ivr_digit: str | None = Field(default=None, pattern=r"^[0-9]$")
    queue_id: uuid.UUID | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    priority: int = Field(default=0, ge=0, le=10)

    @model_validator(mode="after")
    def _needs_a_destination(self) -> CallCreate:
        if self.queue_id is None and self.ivr_digit is None and self.language != "en":
            raise ValueError("give ivr_digit or queue_id (or language 'en' for the switchboard)")
        return self


Outcome = Literal["queued", "offered", "answered", "closed", "no_agents", "max_wait", "ended"]


class CallView(BaseModel):
    """A call with where it stands now."""

    call: CallSnapshot
    outcome: Outcome
    position: int | None = None
    estimated_wait_seconds: int | None = None
    callback_offered: bool = False
    offer_id: uuid.UUID | None = None
    caller_suffix: str | None = Field(
        default=None, description="the switchboard extension the caller dialled after the number, e.g. '111'"
    )
    closed_reason: ClosedReason | None = Field(default=None, description="why a `closed` call found the queue closed")


class AnswerCreate(BaseModel):
    """POST /v1/calls/{id}/answer."""

    agent_id: uuid.UUID | None = Field(default=None, description="The agent who picked up (must hold the offer)")


class TransferCreate(BaseModel):
    """POST /v1/calls/{id}/transfer: to another queue, out to a number, or to a named colleague."""

    queue_id: uuid.UUID | None = Field(
        default=None,
        description="the queue the call moves to; with `agent_id`, the queue it waits in if the colleague "
        "does not take it (default: the queue it came from)",
    )
    number: str | None = Field(default=None, max_length=40, description="out to this number (the call ends here)")
    agent_id: uuid.UUID | None = Field(
        default=None,
        description="a colleague of the same tenant: the call is offered to them only; if they reject it, "
        "let the offer time out or cannot take a call now, it waits in the queue at its place",
    )
    contact_reason: str | None = Field(
        default=None,
        max_length=80,
        description="with `number`: why the member called (one of the tenant's reason codes), as a completion "
        "records it; the call ends here, so this is the agent's last word on it",
    )

    @model_validator(mode="after")
    def _one_target(self) -> TransferCreate:
        if self.number is not None and (self.queue_id is not None or self.agent_id is not None):
            raise ValueError("a transfer to a number takes neither queue_id nor agent_id")
        if self.contact_reason is not None and self.number is None:
            raise ValueError(
                "contact_reason goes with a transfer to a number (a call that moves on is completed later)"
            )
        if self.number is None and self.queue_id is None and self.agent_id is None:
            raise ValueError("give queue_id, number or agent_id")
        return self


class CompletionCreate(BaseModel):
    """POST /v1/calls/{id}/complete: the conversation ended."""

    resolution: Resolution = "resolved"
    contact_reason: str | None = Field(
        default=None, max_length=80, description="one of the tenant's reason codes, e.g. 'dues_invoice'"
    )
