"""The API refuses what it must with problem+json naming the field, and changes nothing when it does."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from frontdoor_agents.testing import add_queue, oslo
from frontdoor_common.auth import mint_token
from frontdoor_common.bus.tables import outbox
from frontdoor_common.testing import auth

TENANT = "7e000000-0000-4000-8000-000000000001"
OTHER_TENANT = "7e000000-0000-4000-8000-000000000002"


def _problem(r: httpx.Response, status: int, field: str | None = None, error_id: str | None = None) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert r.json()["field"] == field, r.json()
    if error_id is not None:
        assert r.json()["error_id"] == error_id, r.json()


async def _agent(client: httpx.AsyncClient, **body: object) -> dict:
    r = await client.post("/v1/agents", json={"name": "Kari Nordmann", **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _agent_events(app: FastAPI) -> int:
    async with app.state.runtime.db.transaction() as session:
        query = select(func.count()).select_from(outbox).where(outbox.c.type.like("agents.agent.%"))
        return int(await session.scalar(query) or 0)


async def test_presence_follows_the_allowed_transitions_only(client: httpx.AsyncClient, app: FastAPI) -> None:
    agent = (await _agent(client))["id"]
    events_before = await _agent_events(app)
    put = lambda body: client.put(f"/v1/agents/{agent}/presence", json=body)  # noqa: E731
    _problem(await put({"presence": "wrap_up"}), 409, "presence", "transition_not_allowed")
    _problem(await put({"presence": "away", "reason": "shopping"}), 422, "reason", "reason_not_allowed")
    _problem(await put({"presence": "logged_out", "reason": "tired"}), 422, "reason", "reason_not_allowed")
    _problem(await put({"presence": "available", "reason": "break"}), 422, "reason")
    _problem(await put({"presence": "asleep"}), 422, "presence", "validation_failed")
    assert (await client.get(f"/v1/agents/{agent}")).json()["presence"] == "logged_out"
    assert await _agent_events(app) == events_before  # refused: no event either

    assert (await put({"presence": "available"})).json()["presence"] == "available"
    r = await put({"presence": "away", "reason": "break"})
    assert (r.json()["presence"], r.json()["presence_reason"]) == ("away", "break")
    assert (await put({"presence": "away", "reason": "training"})).status_code == 200
    _problem(await put({"presence": "on_call"}), 409, "presence")
    assert (await put({"presence": "logged_out", "reason": "vacation"})).status_code == 200
    board = (await client.get("/v1/presence")).json()
    assert [(b["presence"], b["reason"]) for b in board] == [("logged_out", "vacation")]
    assert board[0]["since"].endswith("Z")


async def test_another_tenants_agent_is_not_found_and_untouched(client: httpx.AsyncClient, app: FastAPI) -> None:
    agent = (await _agent(client))["id"]
    other = auth(mint_token(tenant_id=OTHER_TENANT, scopes="all"))
    queue = await add_queue(app, OTHER_TENANT)
    for method, path, body in [
        ("GET", f"/v1/agents/{agent}", None),
        ("PATCH", f"/v1/agents/{agent}", {"name": "X"}),
        ("PUT", f"/v1/agents/{agent}/presence", {"presence": "available"}),
        ("POST", f"/v1/agents/{agent}/calendar/events", {"title": "t", "date": "2027-01-05"}),
        ("PUT", f"/v1/agents/{agent}/calendar/feed", {"ics": "BEGIN:VCALENDAR\nEND:VCALENDAR\n"}),
        ("GET", f"/v1/agents/{agent}/availability", None),
        ("PUT", f"/v1/agents/{agent}/queues/{queue}", {"proficiency": 3}),
    ]:
        r = await client.request(method, path, json=body, headers=other)
        _problem(r, 404)
    assert (await client.get("/v1/agents", headers=other)).json() == []
    assert await _agent_events(app) == 1  # only this tenant's AgentUpserted
    assert (await client.get("/v1/agents/snapshots", headers=other)).json() == []
    mine = (await client.get(f"/v1/agents/{agent}")).json()
    assert mine["name"] == "Kari Nordmann" and mine["presence"] == "logged_out"
    assert (await client.get(f"/v1/agents/{agent}/calendar/events")).json() == []


async def test_calendar_events_must_end_after_they_start(client: httpx.AsyncClient) -> None:
    agent = (await _agent(client))["id"]
    post = lambda body: client.post(f"/v1/agents/{agent}/calendar/events", json=body)  # noqa: E731
    start, end = oslo(2027, 1, 4, 12).isoformat(), oslo(2027, 1, 4, 10).isoformat()
    _problem(await post({"title": "Backwards", "start": start, "end": end}), 422, "end", "end_before_start")
    _problem(await post({"title": "Empty", "start": start, "end": start}), 422, "end", "end_before_start")
    _problem(await post({"title": "Days", "date": "2027-01-05", "end_date": "2027-01-04"}), 422, "end_date")
    _problem(await post({"title": "Naive", "start": "2027-01-04T10:00:00", "end": end}), 422, "start")
    _problem(await post({"title": "Nothing"}), 422, "start")
    _problem(await post({"title": "", "date": "2027-01-05"}), 422, "title")
    assert (await client.get(f"/v1/agents/{agent}/calendar/events")).json() == []
    r = await post({"title": "Seminar", "date": "2027-01-05", "end_date": "2027-01-06"})
    assert r.status_code == 201 and r.json()["all_day"] is True and r.json()["end_date"] == "2027-01-06"


async def test_memberships_need_a_queue_routing_announced(client: httpx.AsyncClient, app: FastAPI) -> None:
    agent = (await _agent(client))["id"]
    _problem(await client.put(f"/v1/agents/{agent}/queues/{uuid.uuid4()}", json={}), 404, None, "queue_not_found")
    queue = await add_queue(app, TENANT)
    _problem(await client.put(f"/v1/agents/{agent}/queues/{queue}", json={"proficiency": 6}), 422, "proficiency")
    r = await client.put(f"/v1/agents/{agent}/queues/{queue}", json={"proficiency": 5, "order": 2})
    assert r.json()["queues"] == [{"queue_id": str(queue), "proficiency": 5, "order": 2}]
    snap = (await client.get("/v1/agents/snapshots")).json()[0]
    assert snap["queues"] == [{"queue_id": str(queue), "proficiency": 5, "order": 2}]
    assert (await client.delete(f"/v1/agents/{agent}/queues/{queue}")).status_code == 204
    _problem(await client.delete(f"/v1/agents/{agent}/queues/{queue}"), 404)
    assert (await client.get(f"/v1/agents/{agent}")).json()["queues"] == []


async def test_agents_and_teams_validate_their_fields(client: httpx.AsyncClient) -> None:
    _problem(await client.post("/v1/agents", json={"name": ""}), 422, "name")
    _problem(
        await client.post("/v1/agents", json={"name": "A", "team_id": str(uuid.uuid4())}),
        422,
        "team_id",
        "unknown_team",
    )
    bad_hours = {"name": "A", "working_hours": [{"days": ["mon"], "start": "15:00", "end": "08:00"}]}
    _problem(await client.post("/v1/agents", json=bad_hours), 422, "working_hours.0.end")
    team = (await client.post("/v1/teams", json={"name": "Loop 1", "target_calls_per_day": 30})).json()
    _problem(await client.post("/v1/teams", json={"name": "Loop 1"}), 409, "name", "team_exists")
    a = await _agent(client, extension="2101", team_id=team["id"], languages=["NO", "en"])
    assert a["languages"] == ["no", "en"] and a["team_id"] == team["id"]
    _problem(
        await client.post("/v1/agents", json={"name": "B", "extension": "2101"}), 409, "extension", "extension_taken"
    )
    r = await client.patch(f"/v1/agents/{a['id']}", json={"name": "Kari N.", "team_id": None})
    assert r.json()["name"] == "Kari N." and r.json()["team_id"] is None
    assert len((await client.get("/v1/agents")).json()) == 1


async def test_tenant_settings_and_closures(client: httpx.AsyncClient, app: FastAPI) -> None:
    assert (await client.get("/v1/settings")).json()["timezone"] == "Europe/Oslo"
    _problem(await client.put("/v1/settings", json={"timezone": "Mars/Olympus"}), 422, "timezone")
    _problem(await client.put("/v1/settings", json={"country": "XX"}), 422, "country")
    r = await client.put(
        "/v1/settings",
        json={
            "country": "DK",
            "timezone": "Europe/Copenhagen",
            "opening_hours": [{"days": ["mon"], "start": "09:00", "end": "15:00"}],
        },
    )
    assert r.json()["country"] == "DK"
    queue = await add_queue(app, TENANT)
    start, end = oslo(2027, 1, 4, 12).isoformat(), oslo(2027, 1, 4, 10).isoformat()
    _problem(await client.post("/v1/closures", json={"title": "x", "start": start, "end": end}), 422, "end")
    r = await client.post(
        "/v1/closures",
        json={"title": "Staff day", "start": oslo(2027, 1, 4, 12).isoformat(), "end": oslo(2027, 1, 4, 18).isoformat()},
    )
    assert r.status_code == 201
    opening = (
        await client.get("/v1/opening", params={"queue_id": str(queue), "at": oslo(2027, 1, 4, 13).isoformat()})
    ).json()
    assert opening["open"] is False and opening["reason"] == "closure"
    hours = (
        await client.get(
            f"/v1/queues/{queue}/opening-hours",
            params={"from": oslo(2027, 1, 4).isoformat(), "to": oslo(2027, 1, 5).isoformat()},
        )
    ).json()
    assert [(i["start"], i["end"]) for i in hours["intervals"]] == [("2027-01-04T08:00:00Z", "2027-01-04T11:00:00Z")]
    r = await client.put(
        f"/v1/queues/{queue}/opening-hours", json={"hours": [{"days": ["tue"], "start": "10:00", "end": "11:00"}]}
    )
    assert r.json()["uses_tenant_hours"] is False
    _problem(await client.get(f"/v1/queues/{uuid.uuid4()}/opening-hours"), 404)
    _problem(
        await client.get(
            f"/v1/queues/{queue}/opening-hours",
            params={"from": oslo(2027, 1, 5).isoformat(), "to": oslo(2027, 1, 4).isoformat()},
        ),
        422,
        "to",
    )


async def test_nul_characters_are_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    # PostgreSQL text cannot store NUL: without the check these were 500s there.
    _problem(await client.post("/v1/agents", json={"name": "Kari\u0000"}), 422, "name")
    _problem(await client.post("/v1/agents", json={"name": "Kari", "languages": ["n\u0000"]}), 422, "languages.0")
    _problem(await client.post("/v1/teams", json={"name": "\u0000"}), 422, "name")
    agent = (await _agent(client))["id"]
    _problem(await client.patch(f"/v1/agents/{agent}", json={"name": "a\u0000"}), 422, "name")
    event = {"title": "x\u0000", "date": "2027-01-04"}
    _problem(await client.post(f"/v1/agents/{agent}/calendar/events", json=event), 422, "title")
    _problem(await client.put(f"/v1/agents/{agent}/calendar/feed", json={"ics": "BEGIN:VCALENDAR\u0000"}), 422, "ics")
    _problem(await client.put("/v1/settings", json={"away_reasons": ["br\u0000eak"]}), 422, "away_reasons.0")
    _problem(await client.put("/v1/settings", json={"timezone": "Europe/Oslo\u0000"}), 422, "timezone")
    r = await client.put(f"/v1/agents/{agent}/presence", json={"presence": "away", "reason": "b\u0000"})
    _problem(r, 422, "reason")
    assert (await client.post("/v1/agents", json={"name": "Ola", "languages": ["nb-NO", "EN"]})).status_code == 201
