"""Opening hours from the agents service: parsed, cached, and never waited on for long."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from frontdoor_callbacks.opening.hours import HttpOpeningHours, StaticOpeningHours
from frontdoor_callbacks.scheduling import Interval
from frontdoor_callbacks.settings import Settings
from frontdoor_common.clock import ManualClock
from frontdoor_common.settings import DEMO_TENANT_ID

MON = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
QUEUE = uuid.uuid4()


def hours_with(handler: Any, **settings: Any) -> HttpOpeningHours:
    s = Settings(agents_url="http://agents.test", opening_timeout_s=0.2, **settings)
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HttpOpeningHours(s, clock=ManualClock(MON), client=client)


async def test_the_agents_services_intervals_are_used_and_cached() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"intervals": [{"start": "2026-11-23T09:00:00+00:00", "end": "2026-11-23T11:00:00+00:00"}]}
        )

    hours = hours_with(handler)
    got = await hours.intervals(DEMO_TENANT_ID, QUEUE, MON, MON + timedelta(days=1))
    again = await hours.intervals(DEMO_TENANT_ID, QUEUE, MON, MON + timedelta(hours=5))
    assert got == again == [Interval(datetime(2026, 11, 23, 9, tzinfo=UTC), datetime(2026, 11, 23, 11, tzinfo=UTC))]
    assert len(seen) == 1
    assert seen[0].url.path == f"/v1/queues/{QUEUE}/opening-hours"
    assert seen[0].headers["authorization"].startswith("Bearer ")
    assert "from" in seen[0].url.params and "to" in seen[0].url.params
    hours.invalidate(DEMO_TENANT_ID, QUEUE)
    await hours.intervals(DEMO_TENANT_ID, QUEUE, MON, MON + timedelta(days=1))
    assert len(seen) == 2
    await hours.close()


async def test_a_failing_or_slow_agents_service_falls_back_to_the_default_hours_within_the_timeout() -> None:
    asked = asyncio.Event()
    release = asyncio.Event()  # set only after the answer below: the slow peer is still holding its request

    async def slow(request: httpx.Request) -> httpx.Response:
        asked.set()
        await release.wait()
        return httpx.Response(  # a real answer, different from the fallback: waiting for it would show
            200, json={"intervals": [{"start": "2026-11-23T09:00:00+00:00", "end": "2026-11-23T10:00:00+00:00"}]}
        )

    for handler in (lambda r: httpx.Response(503), lambda r: httpx.Response(200, json={"nothing": 1}), slow):
        hours = hours_with(handler)
        # The 30 s only turn a lookup that waits for the peer into a failure instead of a hang; the
        # timeout under test is the 0.2 s of `hours_with`.
        got = await asyncio.wait_for(hours.intervals(DEMO_TENANT_ID, QUEUE, MON, MON + timedelta(days=1)), 30)
        expected = StaticOpeningHours(hours.settings).compute(MON, MON + timedelta(days=1))
        assert got == expected  # Monday 08:00-15:30 Oslo from 09:00, Tuesday's morning
        assert hours.fallbacks == 1
        if handler is slow:
            assert asked.is_set()  # it did ask; the peer is still holding that request (released below)
        await hours.close()
    release.set()
