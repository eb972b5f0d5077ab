"""The demo tenant's seed: teams per loop, made-up agents in the demo queues, once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from frontdoor_agents.app import create_app
from frontdoor_agents.seed import QUEUE_INVOICES, QUEUE_SWITCHBOARD
from frontdoor_agents.settings import Settings
from frontdoor_agents.testing import oslo
from frontdoor_common.auth import mint_token
from frontdoor_common.clock import ManualClock
from frontdoor_common.settings import DEMO_TENANT_ID, demo_department_id
from frontdoor_common.testing import auth, running_app


async def test_the_demo_seed_is_there_after_start_and_only_once(make_settings: Callable[..., Any]) -> None:
    settings: Settings = make_settings(Settings, seed_demo=True, run_consumers=False, run_feed_refresher=False)
    headers = auth(mint_token(tenant_id=DEMO_TENANT_ID, scopes="all"))
    for _ in range(2):
        async with running_app(create_app(settings, clock=ManualClock(oslo(2027, 1, 4, 9)))) as client:
            agents = (await client.get("/v1/agents", headers=headers)).json()
            teams = (await client.get("/v1/teams", headers=headers)).json()
            assert len(agents) == 6 and len(teams) == 4
            # the demo's counsellors work for members' demo departments (the same ids there):
            # the desk offers the demo member (avd-1) Astrid's CV meeting times
            departments = {a["name"]: a["department_id"] for a in agents if a["department_id"]}
            assert departments == {
                "Astrid Øvrebø": str(demo_department_id("avd-1")),
                "Magnus Tveitå": str(demo_department_id("avd-2")),
            }
            slots = await client.get(
                "/v1/meeting-kinds/cv/slots", headers=headers, params={"department_id": departments["Astrid Øvrebø"]}
            )
            assert slots.status_code == 200 and slots.json()
            assert {s["counsellor_id"] for s in slots.json()} == {
                a["id"] for a in agents if a["name"] == "Astrid Øvrebø"
            }
            assert all(a["presence"] == "available" for a in agents)
            in_invoices = [a for a in agents if any(q["queue_id"] == str(QUEUE_INVOICES) for q in a["queues"])]
            assert len(in_invoices) == 3
            opening = (
                await client.get(
                    "/v1/opening",
                    params={"queue_id": str(QUEUE_SWITCHBOARD), "at": oslo(2027, 1, 4, 15, 45).isoformat()},
                    headers=headers,
                )
            ).json()
            assert opening["open"] is False and opening["next_change_at"] == "2027-01-05T07:00:00Z"


async def test_the_seed_announces_the_tenants_time_zone_and_country_once(make_settings: Callable[..., Any]) -> None:
    from sqlalchemy import select

    from frontdoor_common.bus.tables import outbox

    settings: Settings = make_settings(Settings, seed_demo=True, run_consumers=False, run_feed_refresher=False)
    for _ in range(2):
        app = create_app(settings, clock=ManualClock(oslo(2027, 1, 4, 9)))
        async with running_app(app), app.state.runtime.db.transaction() as session:
            rows = list(
                await session.execute(select(outbox.c.payload).where(outbox.c.type == "agents.tenant.settings_changed"))
            )
    assert len(rows) == 1
    assert '"timezone":"Europe/Oslo"' in rows[0][0].replace(" ", "") and '"country":"NO"' in rows[0][0].replace(" ", "")
