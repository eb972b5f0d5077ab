"""The queue's estimate for a new caller is the estimate that caller then hears."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from frontdoor_routing.settings import Settings


async def test_the_queue_stats_promise_a_new_caller_what_they_hear_after_those_ahead(
    settings: Settings, make_platform: Callable[..., Any]
) -> None:
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1"))["id"])
        agent = await p.staff({q: 3})
        busy = (await p.call(cti_call_id="busy", ivr_digit="1")).json()
        await p.http.post(f"/v1/calls/{busy['call']['call_id']}/answer", json={"agent_id": str(agent)})
        heard = [(await p.call(cti_call_id=f"w{i}", ivr_digit="1")).json()["estimated_wait_seconds"] for i in (1, 2)]
        assert heard == [180, 360]
        stats = (await p.http.get(f"/v1/queues/{q}/stats")).json()
        third = (await p.call(cti_call_id="w3", ivr_digit="1")).json()
        assert stats["estimated_wait_seconds"] == third["estimated_wait_seconds"] == 540
        assert third["position"] == 3
