"""The demo seed works standalone, and a second run changes nothing."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from frontdoor_callbacks.app import create_app
from frontdoor_callbacks.settings import DEMO_QUEUE_WAGES, Settings
from frontdoor_callbacks.testing import context, count_rows
from frontdoor_common.auth import mint_token
from frontdoor_common.clock import ManualClock
from frontdoor_common.settings import DEMO_TENANT_ID
from frontdoor_common.testing import running_app


async def test_the_demo_seed_works_standalone_and_twice_changes_nothing(make_settings: Any, clock: ManualClock) -> None:
    settings = make_settings(Settings, dispatcher_interval_s=0, run_consumers=False, seed_demo=True)
    demo = {"Authorization": f"Bearer {mint_token(tenant_id=DEMO_TENANT_ID)}"}
    app: FastAPI = create_app(settings, clock=clock)
    async with running_app(app) as client:
        first = await count_rows(context(app).db)
        listed = (await client.get("/v1/callbacks", headers=demo)).json()
        assert listed["total"] == 1
        r = await client.post(
            "/v1/callbacks",
            json={"source": "web", "number": "41234567", "queue_id": str(DEMO_QUEUE_WAGES)},
            headers=demo,
        )
        assert r.status_code == 201, r.text
    app = create_app(settings, clock=clock)
    async with running_app(app):
        callbacks, events = await count_rows(context(app).db)
    assert (callbacks, events) == (first[0] + 1, first[1] + 1)
