"""PATCH /v1/agents/{id}: absent = unchanged; null clears where that means something, else 422 naming the field."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from frontdoor_common.bus.tables import outbox

WORKING_HOURS = [{"days": ["mon", "tue"], "start": "08:00", "end": "16:00"}]


async def _upserts(app: FastAPI) -> int:
    async with app.state.runtime.db.transaction() as session:
        query = select(func.count()).select_from(outbox).where(outbox.c.type == "agents.agent.upserted")
        return int(await session.scalar(query) or 0)


async def _full_agent(client: httpx.AsyncClient) -> dict:
    team = (await client.post("/v1/teams", json={"name": "Loop 1"})).json()
    body = {
        "name": "Kari Nordmann",
        "extension": "2101",
        "languages": ["no", "en"],
        "team_id": team["id"],
        "working_hours": WORKING_HOURS,
    }
    r = await client.post("/v1/agents", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.mark.parametrize("field", ["name", "languages", "active"])
async def test_null_for_a_field_that_cannot_be_empty_is_422_naming_it(
    client: httpx.AsyncClient, app: FastAPI, field: str
) -> None:
    agent = await _full_agent(client)
    before = await _upserts(app)
    r = await client.patch(f"/v1/agents/{agent['id']}", json={field: None, "name": "Changed"} | {field: None})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == field
    after = (await client.get(f"/v1/agents/{agent['id']}")).json()
    assert after["name"] == "Kari Nordmann"  # nothing half-written
    assert (after["languages"], after["active"]) == (["no", "en"], True)
    assert await _upserts(app) == before


@pytest.mark.parametrize(("field", "cleared"), [("extension", None), ("team_id", None), ("working_hours", None)])
async def test_null_clears_a_field_where_that_means_something(
    client: httpx.AsyncClient, field: str, cleared: object
) -> None:
    agent = await _full_agent(client)
    r = await client.patch(f"/v1/agents/{agent['id']}", json={field: None})
    assert r.status_code == 200, r.text
    assert r.json()[field] == cleared
    others = {k: v for k, v in r.json().items() if k in agent and k not in (field, "availability", "presence_since")}
    assert others == {k: agent[k] for k in others}  # every other field unchanged


async def test_an_absent_field_is_unchanged(client: httpx.AsyncClient) -> None:
    agent = await _full_agent(client)
    r = await client.patch(f"/v1/agents/{agent['id']}", json={})
    assert r.status_code == 200
    for key in ("name", "extension", "languages", "team_id", "working_hours", "active"):
        assert r.json()[key] == agent[key], key
    r = await client.patch(f"/v1/agents/{agent['id']}", json={"active": False, "languages": ["SE"]})
    assert (r.json()["active"], r.json()["languages"], r.json()["extension"]) == (False, ["se"], "2101")


async def test_openapi_says_which_fields_may_be_null(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["AgentUpdate"]["properties"]

    def nullable(prop: dict) -> bool:
        return any(alt.get("type") == "null" for alt in prop.get("anyOf", []))

    assert {name for name, prop in schema.items() if nullable(prop)} == {
        "extension",
        "team_id",
        "department_id",
        "working_hours",
    }
    assert all("default" not in prop for prop in schema.values())


@pytest.mark.parametrize("field", ["timezone", "country", "away_reasons", "opening_hours", "feed_allow_hosts"])
async def test_settings_null_for_a_field_that_cannot_be_empty_is_422_naming_it(
    client: httpx.AsyncClient, field: str
) -> None:
    before = (await client.get("/v1/settings")).json()
    r = await client.put("/v1/settings", json={"timezone": "Europe/Stockholm"} | {field: None})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert (await client.get("/v1/settings")).json() == before


async def test_settings_subdivision_null_clears_it_and_absent_keeps_it(client: httpx.AsyncClient) -> None:
    r = await client.put("/v1/settings", json={"country": "DE", "subdivision": "BY"})
    assert (r.json()["country"], r.json()["subdivision"]) == ("DE", "BY")
    r = await client.put("/v1/settings", json={"timezone": "Europe/Berlin"})
    assert (r.json()["country"], r.json()["subdivision"], r.json()["timezone"]) == ("DE", "BY", "Europe/Berlin")
    r = await client.put("/v1/settings", json={"subdivision": None})
    assert r.status_code == 200 and (r.json()["country"], r.json()["subdivision"]) == ("DE", None)
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["TenantSettingsUpdate"]["properties"]
    nullable = {n for n, p in schema.items() if any(a.get("type") == "null" for a in p.get("anyOf", []))}
    assert nullable == {"subdivision"}
