"""The satisfaction index (pure): per-survey scores aggregated by period and group.

index = mean over completed surveys of the survey's score, the mean of its answers rescaled
to 0-100 ((answer - 1) / 4 * 100). response rate = surveys with at least one answer / sent
surveys; completion rate = completed / sent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from frontdoor_surveys.conversation.machine import score
from frontdoor_surveys.index.periods import Period, bucket

GroupBy = Literal["queue", "team", "agent"]


@dataclass(frozen=True)
class SurveyFacts:
    """What the index needs of one sent survey."""

    contact_completed_at: datetime
    status: str
    answers: tuple[int, ...]
    queue_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None


@dataclass
class Tally:
    """Counts and score sum of one cell."""

    sent: int = 0
    responded: int = 0
    completed: int = 0
    score_sum: float = 0.0

    def add(self, facts: SurveyFacts) -> None:
        """Count one sent survey."""
        self.sent += 1
        if facts.answers:
            self.responded += 1
        value = score(facts.answers) if facts.status == "completed" else None
        if value is not None:
            self.completed += 1
            self.score_sum += value

    def figures(self, target: float) -> dict[str, float | int | bool | None]:
        """index, counts, rates and whether the index meets the target."""
        index = round(self.score_sum / self.completed, 2) if self.completed else None
        return {
            "index": index,
            "target": target,
            "meets_target": None if index is None else index >= target,
            "sent": self.sent,
            "responded": self.responded,
            "completed": self.completed,
            "response_rate": round(self.responded / self.sent, 4) if self.sent else None,
            "completion_rate": round(self.completed / self.sent, 4) if self.sent else None,
        }


def aggregate(
    surveys: list[SurveyFacts], *, time_zone: str, period: Period, group_by: GroupBy | None
) -> tuple[Tally, list[tuple[str, date, uuid.UUID | None, Tally]]]:
    """The total tally and the rows ordered by period, then group."""
    total = Tally()
    rows: dict[tuple[date, str, uuid.UUID | None], Tally] = {}
    for facts in surveys:
        total.add(facts)
        label, start = bucket(facts.contact_completed_at, time_zone, period)
        group = None if group_by is None else getattr(facts, f"{group_by}_id")
        rows.setdefault((start, label, group), Tally()).add(facts)
    ordered = sorted(rows.items(), key=lambda item: (item[0][0], str(item[0][2] or "")))
    return total, [(label, start, group, tally) for (start, label, group), tally in ordered]
