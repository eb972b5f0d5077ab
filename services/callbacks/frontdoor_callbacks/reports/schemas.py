"""The report's body."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class DurationsView(BaseModel):
    """Seconds from request to the member reached."""

    count: int
    mean: float | None
    p50: float | None
    p90: float | None


class CallbackReportView(BaseModel):
    """Now: pending, due, overdue, at risk. The period: requested, closed, success rate, time to callback."""

    period_from: datetime = Field(serialization_alias="from")
    period_to: datetime = Field(serialization_alias="to")
    queue_id: uuid.UUID | None = None
    generated_at: datetime
    pending: int = Field(description="open now: waiting, with routing or with an agent")
    due: int = Field(description="open and due now")
    overdue: int = Field(description="due for longer than the grace period and not yet with an agent")
    at_risk: int = Field(description="open and flagged as at risk of missing a legal deadline")
    requested: int = Field(description="requested in the period")
    completed: int = Field(description="reached in the period")
    expired: int = Field(description="closed in the period without reaching the member (failed included)")
    success_rate: float | None = Field(
        description="completed / (completed + expired) over callbacks closed in the period"
    )
    deadlines_missed: int = Field(description="closed in the period because the deadline passed")
    time_to_callback_seconds: DurationsView
