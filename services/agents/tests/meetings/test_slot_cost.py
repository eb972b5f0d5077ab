"""Free slots cost what the request asks for, and not on the event loop: the one walk over slots and a
counsellor's timeline (slots plus segments, not their product) gives what checking each slot alone
gives, and the grid is computed in a worker thread (up to 31 days of 15-minute slots for up to 200
counsellors)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdoor_agents.availability.compute import Segment
from frontdoor_agents.meetings import service as meetings_service
from frontdoor_agents.meetings.slots import free_starts, is_free
from frontdoor_agents.testing import oslo
from frontdoor_common.clock import ManualClock

from .test_booking import counsellor, cv_kind, slot_starts

T0 = datetime(2027, 5, 3, 6, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


@st.composite
def timelines(draw: Any) -> list[Segment]:
    """Contiguous pieces from T0, blocked or open, as availability computes them."""
    pieces = draw(st.lists(st.tuples(st.integers(1, 180), st.booleans()), min_size=1, max_size=30))
    out, at = [], T0
    for minutes, on in pieces:
        out.append(Segment(at, at + minutes * MIN, on))
        at += minutes * MIN
    return out


@given(
    timeline=timelines(),
    offsets=st.lists(st.integers(-60, 3000), max_size=60),
    length=st.integers(5, 120),
    window=st.tuples(st.integers(-60, 3000), st.integers(-60, 3000)),
)
@settings(max_examples=300, deadline=None)
def test_the_walk_frees_exactly_the_slots_checked_one_by_one(
    timeline: list[Segment], offsets: list[int], length: int, window: tuple[int, int]
) -> None:
    starts = sorted({T0 + o * MIN for o in offsets})
    earliest, latest = T0 + window[0] * MIN, T0 + window[1] * MIN
    span = length * MIN
    expected = [s for s in starts if earliest <= s <= latest and is_free(timeline, s, s + span)]
    assert free_starts(starts, span, timeline, earliest, latest) == expected


async def test_slots_are_computed_off_the_event_loop(
    client: httpx.AsyncClient, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.set(oslo(2027, 5, 5, 14, 0))
    randi = await counsellor(client)
    await cv_kind(client, [randi])
    threads: list[int] = []
    real_grid = meetings_service.grid

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.get_ident())
        return real_grid(*args, **kwargs)

    monkeypatch.setattr(meetings_service, "grid", spy)
    assert await slot_starts(client, randi, to=oslo(2027, 5, 10).isoformat())
    assert threads and threading.get_ident() not in threads
