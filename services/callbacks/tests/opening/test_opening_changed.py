"""`agents.opening.changed`: scheduled callbacks follow the queue's new hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from frontdoor_callbacks.testing import QUEUE, TENANT, SwitchableHours, add_queue, dispatcher
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.agents import QueueOpeningChanged
from frontdoor_common.testing import eventually, running_app


async def test_a_queue_closing_for_a_holiday_moves_a_scheduled_callback_to_when_it_reopens(
    live_app: FastAPI, publish: Any, hours: SwitchableHours, clock: ManualClock, headers: dict[str, str]
) -> None:
    async with running_app(live_app) as client:
        await add_queue(live_app, TENANT, QUEUE)
        start = clock.now() + timedelta(hours=1)
        cb = (
            await client.post(
                "/v1/callbacks",
                json={"source": "web", "number": "91234567", "queue_id": str(QUEUE), "window_start": start.isoformat()},
                headers=headers,
            )
        ).json()
        reopens = clock.now() + timedelta(days=1)
        hours.closed_until = reopens  # the agents service now says: closed until tomorrow
        await publish(
            QueueOpeningChanged(tenant_id=TENANT, queue_id=QUEUE, open=False, reason="holiday", at=clock.now()), TENANT
        )

        async def moved() -> bool:
            await dispatcher(live_app).tick()
            got = (await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()
            return bool(got["due_at"] == reopens.isoformat().replace("+00:00", "Z"))

        await eventually(moved, timeout=15)
        clock.set(start)
        assert (await dispatcher(live_app).tick()).dispatched == []
        clock.set(reopens)
        assert (await dispatcher(live_app).tick()).dispatched == [cb["id"]]
