"""Contact-reason trend shapes."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel


class ReasonCountView(BaseModel):
    """Contacts for one reason in one ISO week and department."""

    week: str  # ISO week, e.g. 2026-W47
    reason: str
    department_id: uuid.UUID | None
    count: int


class RisingReasonView(BaseModel):
    """A reason whose latest week is above its average over the earlier weeks."""

    reason: str
    latest_week: str
    latest: int
    previous_average: float
    increase: float


class ReasonTrendsView(BaseModel):
    """Counts per reason per ISO week and department, and the reasons rising fastest."""

    weeks: list[str]
    since: date
    until: date
    rows: list[ReasonCountView]
    totals: dict[str, dict[str, int]]  # reason -> week -> count (every department)
    rising: list[RisingReasonView]
