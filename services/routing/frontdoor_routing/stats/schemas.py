"""Response models of the real-time queue statistics and the KPI report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

GroupBy = Literal["queue", "day", "hour", "queue_day", "queue_hour", "none"]


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


class TaskKpi(BaseModel):
    """KPIs over a set of tasks of one channel (emails or web forms; definitions in the README)."""

    received: int = 0
    unrouted: int = 0
    completed: int = 0
    answered: int = Field(default=0, description="completed with a reply queued through members")
    completed_within_target: int = 0
    open: int = 0
    open_past_target: int = 0
    service_level: float | None = Field(default=None, description="completed within target / completed")
    service_level_incl_open: float | None = Field(
        default=None, description="completed within target / (completed + open past target)"
    )
    mean_answer_seconds: float | None = Field(default=None, description="received -> completed")
    mean_pickup_seconds: float | None = Field(default=None, description="received -> accepted")
    mean_held_seconds: float | None = Field(default=None, description="accepted -> completed")


Channel = Literal["email", "webform"]
CHANNELS: tuple[Channel, ...] = ("email", "webform")


class TaskKpiRow(TaskKpi):
    """Task KPIs of one channel, queue and period bucket."""

    channel: Channel
    queue_id: uuid.UUID | None = None
    period_start: datetime | None = None


class QueueTasks(BaseModel):
    """A queue's tasks now (emails and web forms), and today so far by channel."""

    waiting: int = 0
    offered: int = 0
    held: int = 0
    oldest_waiting_seconds: float = 0.0
    today: dict[Channel, TaskKpi] = Field(default_factory=dict)


class AgentCounts(BaseModel):
    """Members of a queue by state."""

    available: int = 0
    offered: int = 0
    on_call: int = 0
    wrap_up: int = 0
    away: int = 0
    logged_out: int = 0


class QueueStatsView(BaseModel):
    """GET /v1/queues/{id}/stats: the queue now, and today so far."""

    queue_id: uuid.UUID
    open: bool
    waiting: int
    longest_wait_seconds: float
    agents: AgentCounts
    today: Kpi
    estimated_wait_seconds: int | None = Field(description="for a caller arriving now")
    estimate_basis: Literal["erlang_c", "position"] = Field(
        default="position",
        description="position: the estimate a caller at that place gets (the one estimator); erlang_c: no longer used",
    )
    tasks: QueueTasks = Field(default_factory=QueueTasks, description="emails and web forms (the calls' figures above)")


class KpiRow(Kpi):
    """KPIs of one queue and period bucket (inbound calls), and its callback tasks."""

    queue_id: uuid.UUID | None = None
    period_start: datetime | None = None
    callbacks: Kpi | None = Field(default=None, description="callback tasks (same definitions), not inbound calls")


class KpiReportView(BaseModel):
    """GET /v1/kpis."""

    model_config = {"populate_by_name": True}

    from_: datetime = Field(alias="from")
    to: datetime
    group_by: str
    total: Kpi
    rows: list[KpiRow]
    callbacks: Kpi = Field(
        default_factory=Kpi, description="callback tasks (web form, and callers who left a queue callback)"
    )
    channels: dict[Channel, TaskKpi] = Field(
        default_factory=dict, description="members' messages by channel (email, webform) that arrived in the period"
    )
    channel_rows: list[TaskKpiRow] = Field(
        default_factory=list, description="the same by channel, queue and period, grouped as `group_by` says"
    )
