"""What GET /v1/satisfaction returns."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Figures(BaseModel):
    """The index and the rates beside it."""

    index: float | None = Field(description="0-100, mean over completed surveys; null without any")
    target: float
    meets_target: bool | None
    sent: int
    responded: int = Field(description="sent surveys with at least one answer")
    completed: int
    response_rate: float | None = Field(description="responded / sent")
    completion_rate: float | None = Field(description="completed / sent")


class Row(Figures):
    """One period (and group)."""

    model_config = ConfigDict(extra="allow")  # queue_id, team_id or agent_id when grouped

    period: str
    period_start: str


class SatisfactionView(BaseModel):
    """The index over a range of days, in total and by period (and group)."""

    model_config = ConfigDict(populate_by_name=True)

    period: str
    from_: str = Field(alias="from")
    to: str
    time_zone: str
    group_by: str | None
    target: float
    total: Figures
    rows: list[Row]
