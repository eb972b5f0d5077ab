"""The dispatcher is one of the service's workers: started with it, watched by /readyz."""

from __future__ import annotations

from typing import Any

from frontdoor_callbacks.app import create_app
from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.testing import QUEUE, TENANT, add_queue, context, dispatcher, outbox_events, sqlite_only
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import eventually, running_app


@sqlite_only
async def test_the_dispatcher_started_with_the_service_dispatches_a_due_callback_by_itself(
    make_settings: Any, clock: ManualClock, headers: dict[str, str]
) -> None:
    settings = make_settings(Settings, dispatcher_interval_s=0.05, run_consumers=False)
    app = create_app(settings, clock=clock)
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        cb = (
            await client.post(
                "/v1/callbacks", json={"source": "web", "number": "91234567", "queue_id": str(QUEUE)}, headers=headers
            )
        ).json()

        async def dispatched() -> bool:
            got = (await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()
            return bool(got["status"] == "dispatched")

        await eventually(dispatched, timeout=5)
        assert len(await outbox_events(context(app).db, "callbacks.callback.dispatched")) == 1


@sqlite_only
async def test_readiness_watches_the_looping_dispatcher_and_not_one_the_tests_tick_by_hand(
    make_settings: Any, clock: ManualClock
) -> None:
    looping = create_app(make_settings(Settings, dispatcher_interval_s=0.05, run_consumers=False), clock=clock)
    async with running_app(looping) as client:
        assert context(looping).workers == [dispatcher(looping)]
        assert dispatcher(looping).running
        checks = (await client.get("/readyz")).json()["checks"]
        # The dispatcher, and the common retention job (issue 17) every service with a privacy spec runs.
        assert checks["workers"] == {"dispatcher": "running", "retention": "running"}
    assert not dispatcher(looping).running  # stopped with the service
    by_hand = create_app(make_settings(Settings, dispatcher_interval_s=0, run_consumers=False), clock=clock)
    async with running_app(by_hand) as client:
        assert context(by_hand).workers == []
        assert not dispatcher(by_hand).running
        assert "dispatcher" not in (await client.get("/readyz")).json()["checks"].get("workers", {})
