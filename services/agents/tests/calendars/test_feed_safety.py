"""Calendar feeds from URLs: no request to this machine or its network, one deadline, a byte cap, no echo."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from frontdoor_agents.testing import HttpServer, context_of, non_loopback_address, rss_bytes

TENANT = "7e000000-0000-4000-8000-000000000001"
SECRET = "SECRET-4f1d-readyz-metrics-openapi"
GOOD_ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\nUID:m1\r\n"
    "DTSTART:20270104T100000Z\r\nDTEND:20270104T110000Z\r\nSUMMARY:Team meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
ALLOW_PRIVATE = pytest.mark.parametrize("settings_overrides", [{"feed_allow_private": True, "feed_timeout_s": 1.5}])


async def _agent(client: httpx.AsyncClient) -> str:
    r = await client.post("/v1/agents", json={"name": "Kari Nordmann"})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _no_secret(*responses: httpx.Response) -> None:
    for r in responses:
        assert SECRET not in r.text


async def test_a_loopback_feed_is_refused_and_never_fetched(client: httpx.AsyncClient) -> None:
    agent = await _agent(client)
    async with HttpServer() as srv:
        srv.routes["/secret"] = (200, {"Content-Type": "text/calendar"}, SECRET.encode())
        for url in (
            srv.url("/secret"),
            srv.url("/secret", "localhost"),
            f"webcal://127.0.0.1:{srv.port}/secret",
            f"http://[::ffff:127.0.0.1]:{srv.port}/secret",
            f"http://2130706433:{srv.port}/secret",
            "http://169.254.169.254/latest/meta-data/",
        ):
            r = await client.put(f"/v1/agents/{agent}/calendar/feed", json={"url": url})
            assert r.status_code == 422, r.text
            assert r.json()["error_id"] == "unsafe_url" and r.json()["field"] == "url"
            _no_secret(r)
        assert srv.connections == 0
    r = await client.get(f"/v1/agents/{agent}/calendar/feed")
    assert r.status_code == 404  # nothing was stored


async def test_a_redirect_to_loopback_is_refused(client: httpx.AsyncClient) -> None:
    # The first hop is an intranet host the tenant listed (this machine's own non-loopback address); it
    # redirects to 127.0.0.1, which no list opens.
    local = non_loopback_address()
    if local is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    agent = await _agent(client)
    r = await client.put("/v1/settings", json={"feed_allow_hosts": [local]})
    assert r.status_code == 200 and r.json()["feed_allow_hosts"] == [local]
    async with HttpServer("0.0.0.0") as srv:
        srv.routes["/secret"] = (200, {}, SECRET.encode())
        srv.routes["/cal.ics"] = (200, {"Content-Type": "text/calendar"}, GOOD_ICS.encode())
        srv.routes["/moved"] = (302, {"Location": srv.url("/secret", "127.0.0.1")}, b"")
        r = await client.put(f"/v1/agents/{agent}/calendar/feed", json={"url": srv.url("/cal.ics", local)})
        assert r.status_code == 200 and r.json()["status"] == "ok", r.text
        r = await client.put(f"/v1/agents/{agent}/calendar/feed", json={"url": srv.url("/moved", local)})
        assert r.status_code == 422 and r.json()["error_id"] == "unsafe_url", r.text
        _no_secret(r)
        assert "/secret" not in srv.paths
    # Without the tenant's list the intranet host itself is refused.
    r = await client.put("/v1/settings", json={"feed_allow_hosts": []})
    assert r.json()["feed_allow_hosts"] == []
    r = await client.put(f"/v1/agents/{agent}/calendar/feed", json={"url": f"http://{local}:9/cal.ics"})
    assert r.status_code == 422 and r.json()["error_id"] == "unsafe_url"


@ALLOW_PRIVATE
async def test_fetched_content_is_never_echoed(client: httpx.AsyncClient, app: FastAPI) -> None:
    agent = await _agent(client)
    async with HttpServer() as srv:
        srv.routes["/cal.ics"] = (200, {"Content-Type": "text/calendar"}, GOOD_ICS.encode())
        srv.routes["/page"] = (200, {"Content-Type": "text/html"}, f"BEGIN:VCALENDAR\r\n{SECRET}\r\n".encode())
        srv.routes["/gone"] = (404, {}, SECRET.encode())
        r = await client.put(f"/v1/agents/{agent}/calendar/feed", json={"url": srv.url("/cal.ics")})
        assert r.json()["status"] == "ok", r.text
        for path, code in (("/page", "not_calendar"), ("/gone", "http_status 404")):
            r = await client.put(f"/v1/agents/{agent}/calendar/feed", json={"url": srv.url(path)})
            assert r.status_code == 200
            body = r.json()
            assert (body["status"], body["last_error"], body["has_copy"]) == ("error", code, True)
            got = await client.get(f"/v1/agents/{agent}/calendar/feed")
            _no_secret(r, got)
            assert await context_of(app).feeds.refresh_all() == {"error": 1}
            _no_secret(await client.get(f"/v1/agents/{agent}/calendar/feed"))


@ALLOW_PRIVATE
async def test_a_slow_drip_fails_within_the_deadline(client: httpx.AsyncClient) -> None:
    agent = await _agent(client)
    async with HttpServer() as srv:
        # The drip sends a byte every 0.3 s forever: a per-read deadline (1.5 s) would never end it, so
        # "timeout" is one deadline for the whole exchange. The 30 s only turn such a hang into a failure.
        put = client.put(f"/v1/agents/{agent}/calendar/feed", json={"url": srv.url("/drip")})
        r = await asyncio.wait_for(put, 30)
    assert r.status_code == 200 and r.json()["last_error"] == "timeout", r.text


@pytest.mark.parametrize("settings_overrides", [{"feed_allow_private": True, "feed_max_bytes": 1_000_000}])
async def test_a_huge_body_stops_at_the_cap(client: httpx.AsyncClient) -> None:
    agent = await _agent(client)
    before = rss_bytes()
    async with HttpServer() as srv:
        r = await client.put(f"/v1/agents/{agent}/calendar/feed", json={"url": srv.url("/huge")})
        sent = srv.sent
    assert r.status_code == 200 and r.json()["last_error"] == "too_large", r.text
    grown = rss_bytes() - before
    print(f"\nhuge body: server sent {sent / 1e6:.1f} MB before the reader stopped; RSS grew {grown / 1e6:.1f} MB")
    assert sent < 30_000_000, sent  # the server would send 6.5 GB; the reader stopped after about 1 MB
    assert grown < 50_000_000


@ALLOW_PRIVATE
async def test_an_unknown_agent_is_404_before_any_fetch(client: httpx.AsyncClient) -> None:
    async with HttpServer() as srv:
        srv.routes["/cal.ics"] = (200, {}, GOOD_ICS.encode())
        r = await client.put(
            "/v1/agents/00000000-0000-4000-8000-000000000999/calendar/feed", json={"url": srv.url("/cal.ics")}
        )
        assert r.status_code == 404 and r.json()["error_id"] == "agent_not_found", r.text
        assert srv.connections == 0


async def test_the_allow_list_is_validated(client: httpx.AsyncClient) -> None:
    for bad in (["http://x"], ["a b"], ["x" * 300], ["h"] * 51):
        r = await client.put("/v1/settings", json={"feed_allow_hosts": bad})
        assert r.status_code == 422, (bad, r.text)
    r = await client.put("/v1/settings", json={"feed_allow_hosts": ["Cal.Intra.Example.", "10.1.2.3"]})
    assert r.json()["feed_allow_hosts"] == ["10.1.2.3", "cal.intra.example"]


async def test_a_legacy_last_error_quoting_content_is_never_shown(client: httpx.AsyncClient, app: FastAPI) -> None:
    import uuid

    from frontdoor_agents.models import CalendarFeed

    agent = await _agent(client)
    async with app.state.runtime.db.transaction() as session:
        legacy = f"not an iCalendar document: Content line could not be parsed: {SECRET}"
        session.add(
            CalendarFeed(
                agent_id=uuid.UUID(agent), tenant_id=TENANT, url="http://127.0.0.1/", status="error", last_error=legacy
            )
        )
    r = await client.get(f"/v1/agents/{agent}/calendar/feed")
    assert r.json()["last_error"] == "fetch_failed"
    _no_secret(r)


@ALLOW_PRIVATE
async def test_a_fetched_feed_with_a_nul_character_is_not_a_calendar(client: httpx.AsyncClient) -> None:
    agent = await _agent(client)
    async with HttpServer() as srv:
        srv.routes["/nul.ics"] = (200, {}, GOOD_ICS.replace("Team meeting", "Team\x00meeting").encode())
        r = await client.put(f"/v1/agents/{agent}/calendar/feed", json={"url": srv.url("/nul.ics")})
    assert r.status_code == 200 and r.json()["last_error"] == "not_calendar", r.text
