"""Request and response models of the routing API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from frontdoor_common.events.routing import CallSnapshot, Resolution
from frontdoor_routing.core.model import STRATEGIES, Strategy


class OverflowStepIn(BaseModel):
    """After `after_seconds` of waiting, agents of `queue_ids` may also take the call."""

    after_seconds: int = Field(ge=1, le=3600)
    queue_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)


class QueueBase(BaseModel):
    """A queue's settings."""

    name: str = Field(min_length=1, max_length=120)
    ivr_digit: str | None = Field(default=None, pattern=r"^[0-9]$", description="The IVR choice, e.g. '1'")
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$", description="ISO 639-1, e.g. 'no', 'en'")
    is_switchboard: bool = Field(default=False, description="Callers who chose English go here")
    service_level_seconds: int = Field(default=20, ge=1, le=3600)
    priority: int = Field(default=0, ge=0, le=10)
    max_wait_seconds: int | None = Field(default=None, ge=10, le=24 * 3600)
    callback_offer_seconds: int | None = Field(default=None, ge=0, le=24 * 3600)
    wrapup_seconds: int = Field(default=0, ge=0, le=3600)
    offer_timeout_seconds: int = Field(default=15, ge=1, le=300)
    strategy: Strategy = "longest_idle"
    overflow: list[OverflowStepIn] = Field(default_factory=list, max_length=10)

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        if value not in STRATEGIES:
            raise ValueError(f"must be one of {', '.join(STRATEGIES)}")
        return value


class QueueCreate(QueueBase):
    """POST /v1/queues."""


class QueueUpdate(BaseModel):
    """PATCH /v1/queues/{id}: any subset of the settings."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    ivr_digit: str | None = Field(default=None, pattern=r"^[0-9]$")
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    is_switchboard: bool | None = None
    service_level_seconds: int | None = Field(default=None, ge=1, le=3600)
    priority: int | None = Field(default=None, ge=0, le=10)
    max_wait_seconds: int | None = Field(default=None, ge=10, le=24 * 3600)
    callback_offer_seconds: int | None = Field(default=None, ge=0, le=24 * 3600)
    wrapup_seconds: int | None = Field(default=None, ge=0, le=3600)
    offer_timeout_seconds: int | None = Field(default=None, ge=1, le=300)
    strategy: Strategy | None = None
    overflow: list[OverflowStepIn] | None = Field(default=None, max_length=10)
    active: bool | None = None


class QueuePublic(QueueBase):
    """A queue as the API shows it."""

    id: uuid.UUID
    open: bool
    active: bool
    created_at: datetime
    updated_at: datetime


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


class CallView(BaseModel):
    """A call with where it stands now."""

    call: CallSnapshot
    outcome: Literal["queued", "offered", "answered", "closed", "no_agents", "max_wait", "ended"]
    position: int | None = None
    estimated_wait_seconds: int | None = None
    callback_offered: bool = False
    offer_id: uuid.UUID | None = None


class AnswerIn(BaseModel):
    """POST /v1/calls/{id}/answer."""

    agent_id: uuid.UUID | None = Field(default=None, description="The agent who picked up (must hold the offer)")


class TransferIn(BaseModel):
    """POST /v1/calls/{id}/transfer: to another queue, or out to a number."""

    queue_id: uuid.UUID | None = None
    number: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _one_target(self) -> TransferIn:
        if (self.queue_id is None) == (self.number is None):
            raise ValueError("give exactly one of queue_id or number")
        return self


class CompleteIn(BaseModel):
    """POST /v1/calls/{id}/complete: the conversation ended."""

    resolution: Resolution = "resolved"
    contact_reason: str | None = Field(default=None, max_length=80)


class OfferView(BaseModel):
    """An offer as an agent desktop sees it."""

    offer_id: uuid.UUID
    call_id: uuid.UUID
    agent_id: uuid.UUID
    queue_id: uuid.UUID
    expires_at: datetime
    call: CallSnapshot | None = None


class AgentCounts(BaseModel):
    """Members of a queue by state."""

    available: int = 0
    offered: int = 0
    on_call: int = 0
    wrap_up: int = 0
    away: int = 0
    logged_out: int = 0


class QueueStats(BaseModel):
    """GET /v1/queues/{id}/stats: the queue now, and today so far."""

    queue_id: uuid.UUID
    open: bool
    waiting: int
    longest_wait_seconds: float
    agents: AgentCounts
    today: Kpi
    estimated_wait_seconds: int | None = Field(description="for a caller arriving now")
    estimate_basis: Literal["erlang_c", "position"] = Field(
        default="position", description="erlang_c: from the last 30 minutes' arrivals; position: rounds of staff"
    )


class Kpi(BaseModel):
    """KPIs over a set of calls (definitions in the README)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    abandoned_after_target: int = 0
    transferred: int = 0
    answered_within_target: int = 0
    accessibility: float | None = None
    service_level: float | None = None
    service_level_incl_abandoned: float | None = None
    transfer_rate: float | None = None
    asa_seconds: float | None = None
    aht_seconds: float | None = None


class KpiRow(Kpi):
    """KPIs of one queue and period bucket."""

    queue_id: uuid.UUID | None = None
    period_start: datetime | None = None


class KpiReport(BaseModel):
    """GET /v1/kpis."""

    from_: datetime = Field(alias="from")
    to: datetime
    group_by: str
    total: Kpi
    rows: list[KpiRow]

    model_config = {"populate_by_name": True}


QueueStats.model_rebuild()
