"""Workload figures as pure functions."""

from __future__ import annotations

from frontdoor_agents.testing import oslo
from frontdoor_agents.workload.compute import HandledCall, Span, agent_figures, team_figures


def test_a_day_of_presence_and_calls_gives_occupancy_and_share_of_target() -> None:
    spans = [
        Span("logged_out", "vacation", oslo(2027, 1, 3), oslo(2027, 1, 4, 8)),
        Span("available", None, oslo(2027, 1, 4, 8), oslo(2027, 1, 4, 10)),
        Span("on_call", None, oslo(2027, 1, 4, 10), oslo(2027, 1, 4, 11)),
        Span("away", "lunch", oslo(2027, 1, 4, 11), oslo(2027, 1, 4, 11, 30)),
        Span("available", None, oslo(2027, 1, 4, 11, 30), None),
    ]
    calls = [HandledCall(1800, 300), HandledCall(1500, 0)]
    f = agent_figures(spans, calls, oslo(2027, 1, 4), oslo(2027, 1, 5), oslo(2027, 1, 4, 12), target=4)
    assert f.logged_in_seconds == 4 * 3600
    assert f.away_seconds == {"lunch": 1800}
    assert f.occupancy == round(3600 / (4 * 3600 - 1800), 4)
    assert f.share_of_target == 0.5


def test_a_team_sums_its_agents_and_shows_who_is_over_and_under_target() -> None:
    day = (oslo(2027, 1, 4), oslo(2027, 1, 5), oslo(2027, 1, 5))
    busy = agent_figures([], [HandledCall(60, 0)] * 52, *day, target=40)
    quiet = agent_figures([], [HandledCall(60, 0)] * 24, *day, target=40)
    assert (busy.share_of_target, quiet.share_of_target) == (1.3, 0.6)
    team = team_figures([busy, quiet])
    assert (team.calls_handled, team.target_calls, team.share_of_target) == (76, 80, 0.95)
    assert team.occupancy is None  # nobody was logged in
