"""The one wait estimator: grows with the position, never promises a later caller less."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from frontdoor_routing.core.estimate import estimated_wait


@given(
    staffed=st.integers(min_value=1, max_value=500),
    idle=st.integers(min_value=0, max_value=500),
    aht=st.floats(min_value=0, max_value=86_400, allow_nan=False),
    first=st.integers(min_value=1, max_value=10_000),
    further=st.integers(min_value=0, max_value=10_000),
)
def test_a_caller_further_back_never_hears_a_shorter_wait(
    staffed: int, idle: int, aht: float, first: int, further: int
) -> None:
    ahead = estimated_wait(first, staffed, min(idle, staffed), aht)
    behind = estimated_wait(first + further, staffed, min(idle, staffed), aht)
    assert ahead is not None and behind is not None
    assert 0 <= ahead <= behind


def test_nobody_staffed_means_no_estimate_and_free_agents_mean_no_wait() -> None:
    assert estimated_wait(1, 0, 0, 180) is None
    assert estimated_wait(2, 3, 2, 180) == 0
    assert estimated_wait(3, 3, 2, 180) == 60


def test_with_everyone_busy_each_place_waits_one_more_free_up() -> None:
    assert [estimated_wait(k, 1, 0, 180) for k in (1, 2, 3)] == [180, 360, 540]
    assert [estimated_wait(k, 2, 0, 180) for k in (1, 2, 3)] == [90, 180, 270]
