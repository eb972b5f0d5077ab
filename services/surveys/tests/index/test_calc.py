"""The satisfaction index arithmetic: completed surveys only, rates beside it, periods in the tenant's zone."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from frontdoor_surveys.index.calc import SurveyFacts, aggregate
from frontdoor_surveys.index.periods import bucket, default_range


def facts(status: str, answers: tuple[int, ...], at: datetime, queue: uuid.UUID | None = None) -> SurveyFacts:
    return SurveyFacts(contact_completed_at=at, status=status, answers=answers, queue_id=queue)


def test_the_index_is_the_mean_rescaled_answer_over_completed_surveys_only() -> None:
    at = datetime(2026, 11, 10, 12, tzinfo=UTC)
    total, rows = aggregate(
        [
            facts("completed", (5, 5, 5, 5), at),  # 100
            facts("completed", (4, 4, 4, 4), at),  # 75
            facts("expired", (1, 1), at),  # answered but unfinished: not in the index
            facts("asking", (), at),
        ],
        time_zone="Europe/Oslo",
        period="month",
        group_by=None,
    )
    figures = total.figures(85)
    assert figures["index"] == 87.5 and figures["meets_target"] is True
    assert (figures["sent"], figures["responded"], figures["completed"]) == (4, 3, 2)
    assert figures["response_rate"] == 0.75 and figures["completion_rate"] == 0.5
    assert [r[0] for r in rows] == ["2026-11"]


def test_periods_and_groups_split_the_index() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    late_october_in_oslo = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # 1 November 00:30 in Oslo
    _, rows = aggregate(
        [
            facts("completed", (3, 3, 3, 3), late_october_in_oslo, a),
            facts("completed", (5, 5, 5, 5), datetime(2026, 10, 15, tzinfo=UTC), b),
        ],
        time_zone="Europe/Oslo",
        period="month",
        group_by="queue",
    )
    assert [(label, group, tally.figures(85)["index"]) for label, _, group, tally in rows] == [
        ("2026-10", b, 100.0),
        ("2026-11", a, 50.0),
    ]


def test_no_completed_surveys_means_no_index_rather_than_zero() -> None:
    total, _ = aggregate([], time_zone="Europe/Oslo", period="week", group_by=None)
    assert total.figures(85)["index"] is None and total.figures(85)["response_rate"] is None


def test_weeks_and_the_default_range() -> None:
    assert bucket(datetime(2026, 11, 17, 9, tzinfo=UTC), "Europe/Oslo", "week") == ("2026-W47", date(2026, 11, 16))
    assert default_range(date(2026, 11, 17)) == (date(2025, 12, 1), date(2026, 11, 17))
