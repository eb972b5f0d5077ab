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
from frontdoor_common.settings import DEMO_TENANT_ID

MON = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
QUEUE = uuid.uuid4()


def hours_with(handler: Any, **settings: Any) -> HttpOpeningHours:
    s = Settings(agents_url="http://agents.test", opening_timeout_s=0.2, **settings)
    return HttpOpeningHours(s, client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))


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
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=[])

    for handler in (lambda r: httpx.Response(503), lambda r: httpx.Response(200, json={"nothing": 1}), slow):
        hours = hours_with(handler)
        started = asyncio.get_running_loop().time()
        got = await hours.intervals(DEMO_TENANT_ID, QUEUE, MON, MON + timedelta(days=1))
        assert asyncio.get_running_loop().time() - started < 1.5
        expected = StaticOpeningHours(hours.settings).compute(MON, MON + timedelta(days=1))
        assert got == expected  # Monday 08:00-15:30 Oslo from 09:00, Tuesday's morning
        assert hours.fallbacks == 1
        await hours.close()
