"""The staffing endpoints, on a tiny app holding only the planning router."""

from __future__ import annotations

import types
from typing import Any

from fastapi import FastAPI

from frontdoor_common.auth import TokenVerifier, mint_token
from frontdoor_common.errors import install_error_handlers
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.testing import auth, running_app
from frontdoor_routing.planning.endpoints import Budgets, budgets, router

TENANT = "7e3a1c52-0000-4000-8000-0000000000aa"


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.state.runtime = types.SimpleNamespace(verifier=TokenVerifier(ServiceSettings()))
    app.dependency_overrides[budgets] = lambda: Budgets()  # the default budgets, no routing context
    return app


TOKEN = mint_token(tenant_id=TENANT, scopes="all")
EXAMPLE = {"calls_per_interval": 100, "interval_seconds": 1800, "aht_seconds": 180, "target_seconds": 20}


async def test_erlang_c_reports_the_worked_example_and_the_staffing_it_needs() -> None:
    async with running_app(_app()) as client:
        r = await client.get("/v1/staffing/erlang-c", params={**EXAMPLE, "agents": 14}, headers=auth(TOKEN))
    assert r.status_code == 200, r.text
    body = r.json()
    assert abs(body["service_level"] - 0.888) < 0.001 and abs(body["p_wait"] - 0.174) < 0.001
    assert body["asa_seconds"] == 7.835937 and body["required_agents"] == 14 and body["traffic_erlangs"] == 10


async def test_erlang_a_reports_abandonment_and_needs_fewer_agents() -> None:
    params: dict[str, Any] = {**EXAMPLE, "agents": 11, "patience_seconds": 120}
    async with running_app(_app()) as client:
        r = await client.get("/v1/staffing/erlang-a", params=params, headers=auth(TOKEN))
    assert r.status_code == 200, r.text
    body = r.json()
    assert abs(body["p_abandon"] - 0.0942) < 0.0005 and body["required_agents"] == 12


async def test_simulate_returns_kpis_per_half_hour_and_for_the_day() -> None:
    profile = {
        "queues": [{"id": "members", "calls_per_half_hour": [50, 80], "patience_seconds": 120}],
        "agents": [{"id": "ann", "queues": ["members"], "meetings": [["08:00", "08:30"]]}, {"id": "bob"}],
    }
    async with running_app(_app()) as client:
        r = await client.post("/v1/staffing/simulate", json={"profile": profile, "seed": 3}, headers=auth(TOKEN))
        again = await client.post("/v1/staffing/simulate", json={"profile": profile, "seed": 3}, headers=auth(TOKEN))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [i["start_seconds"] for i in body["intervals"]] == [28800, 30600]
    assert body["day"]["offered"] == sum(i["offered"] for i in body["intervals"]) > 0
    assert body["queues"]["members"]["offered"] == body["day"]["offered"]
    assert again.json()["day"] == body["day"]


async def test_bad_input_is_a_422_problem_naming_the_field() -> None:
    async with running_app(_app()) as client:
        negative = await client.get("/v1/staffing/erlang-c", params={**EXAMPLE, "aht_seconds": -1}, headers=auth(TOKEN))
        unknown = await client.post(
            "/v1/staffing/simulate",
            json={"profile": {"queues": [{"id": "q", "calls": [5]}], "agents": [{"id": "a", "queues": ["x"]}]}},
            headers=auth(TOKEN),
        )
        too_big = await client.post(
            "/v1/staffing/simulate",
            json={"profile": {"queues": [{"calls": [15000, 15000]}]}},
            headers=auth(TOKEN),
        )
    assert negative.status_code == 422 and negative.json()["field"] == "aht_seconds"
    assert negative.headers["content-type"].startswith("application/problem+json")
    assert unknown.status_code == 422 and unknown.json()["field"] == "profile.agents.0.queues"
    assert too_big.status_code == 422 and too_big.json()["field"] == "profile.queues"


async def test_the_planner_endpoints_need_a_token() -> None:
    async with running_app(_app()) as client:
        r = await client.get("/v1/staffing/erlang-c", params=EXAMPLE)
    assert r.status_code == 401
