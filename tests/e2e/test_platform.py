"""The whole platform end to end: the broker and the five services as real processes.

Driven only through the REST contract (and read back through the events), as a CTI
system, agent desktops, the SMS gateway and a BI consumer would.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import holidays
import httpx
import pytest

from frontdoor_common.bus.broker import free_port
from frontdoor_common.launcher import Platform
from frontdoor_common.testing import eventually, read_envelopes
from frontdoor_routing import kpis

pytestmark = pytest.mark.slow

INVOICES = "0000000a-0000-4000-8000-000000000001"
WAGES = "0000000a-0000-4000-8000-000000000002"
OTHER = "0000000a-0000-4000-8000-000000000003"
KNOWN_MEMBER_NUMBER = "+4741234567"  # a demo member's registered mobile
SURVEYED_NUMBER = "+4793456781"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    var = tmp_path_factory.mktemp("e2e-var")
    ports = {name: free_port() for name in ("routing", "members", "agents", "callbacks", "surveys")}
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    os.environ.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    p = Platform(
        var,
        broker_port=free_port(),
        ports=ports,
        extra_env={"FRONTDOOR_ENV": "test", "ROUTING_KNOWN_AGENT_PREFERENCE_SECONDS": "0"},
    )
    try:
        p.start()
    except Exception:
        for name in ports:
            log = var / f"{name}.log"
            if log.exists():
                print(f"--- {name}.log ---\n{log.read_text()[-3000:]}")
        p.stop()
        raise
    token = (var / "dev-token.txt").read_text().strip()
    try:
        yield SimpleNamespace(var=var, ports=ports, token=token, bootstrap=p.bootstrap)
    finally:
        p.stop()
        os.environ.update(env)


@pytest.fixture
async def api(platform: SimpleNamespace) -> AsyncIterator[SimpleNamespace]:
    headers = {"Authorization": f"Bearer {platform.token}"}
    clients = {
        name: httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30)
        for name, port in platform.ports.items()
    }
    yield SimpleNamespace(**clients)
    for c in clients.values():
        await c.aclose()


def _country_without_a_holiday_today() -> str:
    # Neither today nor tomorrow (UTC): the test may run across midnight.
    today = datetime.now(UTC).date()
    for country in ("NO", "DK", "NL", "SE", "FI"):
        days_off = holidays.country_holidays(country)  # fills in each year it is asked about
        if today not in days_off and today + timedelta(days=1) not in days_off:
            return country
    pytest.skip("today is a public holiday everywhere the test knows")


def ok(response: httpx.Response, *codes: int) -> Any:
    assert response.status_code in (codes or (200, 201, 204)), f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


async def agents_by_name(api: SimpleNamespace) -> dict[str, str]:
    return {a["name"].split()[0]: a["id"] for a in ok(await api.agents.get("/v1/agents"))}


async def settle(api: SimpleNamespace) -> None:
    """Until the agents service has caught up with routing's call events (nobody on a call)."""

    async def quiet() -> bool:
        board = ok(await api.agents.get("/v1/agents/snapshots"))
        return all(a["presence"] not in ("on_call", "wrap_up") for a in board)

    await eventually(quiet, timeout=30)


async def presence(api: SimpleNamespace, agent: str, state: str) -> None:
    # As a person at a desk would: after the last call's events have reached their status.
    await settle(api)
    ok(
        await api.agents.put(
            f"/v1/agents/{agent}/presence", json={"presence": state, "reason": "break" if state == "away" else None}
        )
    )


async def available_in(api: SimpleNamespace, queue: str) -> int:
    return int(ok(await api.routing.get(f"/v1/queues/{queue}/stats"))["agents"]["available"])


async def call(api: SimpleNamespace, digit: str, number: str | None = None) -> dict[str, Any]:
    return dict(
        ok(
            await api.routing.post(
                "/v1/calls", json={"cti_call_id": uuid.uuid4().hex, "caller_number": number, "ivr_digit": digit}
            ),
            201,
        )
    )


async def state(api: SimpleNamespace, call_id: str) -> dict[str, Any]:
    return dict(ok(await api.routing.get(f"/v1/calls/{call_id}")))


async def answer_and_complete(api: SimpleNamespace, call_id: str, resolution: str = "resolved") -> dict[str, Any]:
    view = await eventually(lambda: _offered(api, call_id), timeout=20)
    ok(await api.routing.post(f"/v1/offers/{view['offer_id']}/accept"))
    ok(
        await api.routing.post(
            f"/v1/calls/{call_id}/complete", json={"resolution": resolution, "contact_reason": "invoice"}
        )
    )
    return await eventually(lambda: _in_state(api, call_id, "completed"), timeout=20)


async def _offered(api: SimpleNamespace, call_id: str) -> dict[str, Any] | None:
    view = await state(api, call_id)
    return view if view["outcome"] == "offered" and view["offer_id"] else None


async def _in_state(api: SimpleNamespace, call_id: str, wanted: str) -> dict[str, Any] | None:
    view = await state(api, call_id)
    return view if view["call"]["state"] == wanted else None


async def test_the_platform_routes_surveys_and_calls_back_and_its_kpis_match_its_events(
    platform: SimpleNamespace, api: SimpleNamespace
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    # Open around the clock in a country with no holiday today, so the test runs any day.
    ok(
        await api.agents.put(
            "/v1/settings",
            json={
                "timezone": "UTC",
                "country": _country_without_a_holiday_today(),
                "opening_hours": [
                    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59:59"}
                ],
            },
        )
    )
    policy = ok(await api.surveys.get("/v1/survey-policy"))
    policy.update({"quiet_start": "00:00", "quiet_end": "00:00", "min_days_between": 0})
    ok(await api.surveys.put("/v1/survey-policy", json={k: v for k, v in policy.items() if k != "questions"}))
    for q in (INVOICES, WAGES, OTHER):
        ok(await api.routing.patch(f"/v1/queues/{q}", json={"wrapup_seconds": 0}))
    ok(
        await api.routing.patch(
            f"/v1/queues/{INVOICES}", json={"overflow": [{"after_seconds": 2, "queue_ids": [OTHER]}]}
        )
    )

    async def all_open() -> bool:
        return all(q["open"] for q in ok(await api.routing.get("/v1/queues")))

    await eventually(all_open, timeout=30)
    people = await agents_by_name(api)
    ingrid, ola = people["Ingrid"], people["Ola"]
    await wait_available(api, WAGES, 2)

    # 1. A recognised member calls on digit 2; the agent in a meeting is skipped.
    now = datetime.now(UTC)
    ok(
        await api.agents.post(
            f"/v1/agents/{ola}/calendar/events",
            json={
                "title": "Team meeting",
                "start": (now - timedelta(minutes=1)).isoformat(),
                "end": (now + timedelta(hours=1)).isoformat(),
            },
        )
    )
    await presence(api, ingrid, "away")
    await wait_available(api, WAGES, 0)
    first = await call(api, "2", KNOWN_MEMBER_NUMBER)
    assert first["call"]["member_id"] is not None
    assert first["outcome"] == "queued"  # Ola is available by presence but in a meeting
    await presence(api, ingrid, "available")
    offered = await eventually(lambda: _offered(api, first["call"]["call_id"]), timeout=20)
    assert offered["call"]["agent_id"] == ingrid

    # 2. Answer, transfer to "everything else", answer there, complete.
    ok(await api.routing.post(f"/v1/offers/{offered['offer_id']}/accept"))
    moved = ok(await api.routing.post(f"/v1/calls/{first['call']['call_id']}/transfer", json={"queue_id": OTHER}))
    assert moved["call"]["transfers"] == 1 and moved["call"]["arrived_at"] == first["call"]["arrived_at"]
    done = await answer_and_complete(api, first["call"]["call_id"])
    assert done["call"]["agent_id"] != ingrid

    # 3. Overflow: nobody in "invoices" is free; after 2 s "everything else" takes the call.
    for name in ("Kari", "Sindre", "Ingrid"):
        await presence(api, people[name], "away")
    await wait_available(api, INVOICES, 0)
    overflowing = await call(api, "1")
    assert overflowing["outcome"] == "queued"
    taken = await eventually(lambda: _offered(api, overflowing["call"]["call_id"]), timeout=20)
    assert taken["call"]["agent_id"] in (people["Astrid"], people["Magnus"])
    await answer_and_complete(api, overflowing["call"]["call_id"])
    for name in ("Kari", "Sindre"):
        await presence(api, people[name], "available")

    # 4. A first-line call resolved: the SMS survey is sent, answered, and the index moves.
    before = ok(await api.surveys.get("/v1/satisfaction"))
    surveyed = await call(api, "1", SURVEYED_NUMBER)
    await answer_and_complete(api, surveyed["call"]["call_id"])
    outbox = Path(platform.var) / "sms-outgoing.jsonl"
    await eventually(lambda: outbox.exists() and SURVEYED_NUMBER in outbox.read_text(), timeout=30)
    for i, reply in enumerate(["5", "4", "5", "4", "Quick and kind"]):
        ok(
            await api.surveys.post(
                "/v1/sms/inbound", json={"from": SURVEYED_NUMBER, "text": reply, "message_id": f"e2e-{i}"}
            )
        )
    after = await eventually(lambda: _index_moved(api, before), timeout=20)
    assert after["total"]["index"] > 0

    # 5. A queue callback: the caller leaves a callback and keeps their place; it is answered.
    await presence(api, ingrid, "away")
    await wait_available(api, WAGES, 0)
    waiting = await call(api, "2", "+4798765432")
    assert waiting["outcome"] == "queued"
    cb = ok(
        await api.callbacks.post(
            "/v1/callbacks",
            json={
                "source": "queue",
                "number": "+4798765432",
                "queue_id": WAGES,
                "call_id": waiting["call"]["call_id"],
                "arrived_at": waiting["call"]["arrived_at"],
            },
        ),
        201,
    )
    await eventually(lambda: _kind_is(api, waiting["call"]["call_id"], "callback"), timeout=30)
    await presence(api, ingrid, "available")
    await answer_and_complete(api, waiting["call"]["call_id"])

    async def callback_done() -> bool:
        return ok(await api.callbacks.get(f"/v1/callbacks/{cb['id']}"))["status"] == "completed"

    await eventually(callback_done, timeout=30)

    # 6. KPIs match the events exactly (what a BI consumer computes from the topic).
    published = await read_envelopes(platform.bootstrap, "frontdoor.routing.v1", grace=1.5)
    events = [e for e in published if e.type.startswith("routing.call.")]
    last: dict[str, dict[str, Any]] = {}
    for e in events:
        last[e.subject] = e.data["call"]
    facts = [_facts(c) for c in last.values() if datetime.fromisoformat(c["arrived_at"]) >= started]
    from_events = kpis.compute(facts).model_dump()
    reported = ok(await api.routing.get("/v1/kpis", params={"from": started.isoformat(), "group_by": "none"}))
    assert reported["total"] == from_events
    assert from_events["offered"] == 4 and from_events["answered"] == 4 and from_events["transferred"] == 1


async def _count_is(api: SimpleNamespace, queue: str, n: int) -> bool:
    return await available_in(api, queue) == n


async def wait_available(api: SimpleNamespace, queue: str, n: int) -> None:
    """Until routing sees `n` agents free in the queue; says who is what if it never does."""
    try:
        await eventually(lambda: _count_is(api, queue, n), timeout=30)
    except AssertionError:
        stats = ok(await api.routing.get(f"/v1/queues/{queue}/stats"))["agents"]
        board = [(a["name"], a["presence"], a["blocked"]) for a in ok(await api.agents.get("/v1/agents/snapshots"))]
        raise AssertionError(f"queue {queue}: routing sees {stats}; the agents service says {board}") from None


async def _index_moved(api: SimpleNamespace, before: dict[str, Any]) -> dict[str, Any] | None:
    now = ok(await api.surveys.get("/v1/satisfaction"))
    completed = now["total"].get("completed", 0)
    return now if completed > before["total"].get("completed", 0) else None


async def _kind_is(api: SimpleNamespace, call_id: str, kind: str) -> bool:
    return (await state(api, call_id))["call"]["kind"] == kind


def _facts(c: dict[str, Any]) -> SimpleNamespace:
    def t(key: str) -> datetime | None:
        return datetime.fromisoformat(c[key]) if c.get(key) else None

    return SimpleNamespace(
        queued_at=t("queued_at"),
        arrived_at=t("arrived_at"),
        answered_at=t("answered_at"),
        abandoned_at=t("abandoned_at"),
        completed_at=t("completed_at"),
        transfers=c["transfers"],
        transferred_out=c["transferred"] and c["transfers"] == 0,
        talk_seconds=c.get("talk_seconds") or 0.0,
        wrapup_seconds=c.get("wrapup_seconds") or 0.0,
        service_level_seconds=c.get("service_level_seconds"),
        state=c["state"],
    )
