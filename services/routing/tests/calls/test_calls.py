"""Routing end to end on the real broker and databases: CTI calls, offers over SSE, KPIs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from frontdoor_common.bus.events import Envelope
from frontdoor_common.testing import auth, eventually, read_envelopes, serve_app
from frontdoor_routing.settings import Settings

from ..conftest import OTHER_TENANT, TENANT, Desk, platform


async def routing_events(settings: Settings, want: int, timeout: float = 15) -> list[Envelope]:
    return await read_envelopes(
        str(settings.kafka_bootstrap_servers), settings.topic("frontdoor.routing.v1"), want=want, timeout=timeout
    )


async def test_a_call_is_queued_offered_over_sse_answered_and_completed_with_every_step_published(
    settings: Settings, token_for: Callable[..., str]
) -> None:
    async with platform(settings, token_for) as p:
        invoices = await p.queue(name="Invoices", ivr_digit="1", wrapup_seconds=0)
        q = uuid.UUID(invoices["id"])
        ada, bo = uuid.uuid4(), uuid.uuid4()
        await p.agent(ada, {q: 3})
        await p.agent_known(ada)
        await p.agent(bo, {q: 3})
        await p.agent_known(bo)
        # ada's desk: her own token, as the console mints it (her id as subject, no routing:write)
        ada_token = token_for(TENANT, ["routing:agent", "routing:read"], subject=str(ada))
        desk = await Desk(p.base, ada_token, ada).start()
        ada_http = httpx.AsyncClient(base_url=p.base, headers=auth(ada_token))
        r = await p.call(cti_call_id="cti-1", caller_number="+4790000001", ivr_digit="1")
        assert r.status_code == 201, r.text
        view = r.json()
        assert view["outcome"] == "offered" and view["call"]["queue_id"] == str(q)
        await eventually(lambda: desk.offers())
        offer = desk.offers()[0]
        assert offer["call_id"] == view["call"]["call_id"] and offer["agent_id"] == str(ada)

        again = await p.call(cti_call_id="cti-1", caller_number="+4790000001", ivr_digit="1")
        assert again.status_code == 200 and again.json()["call"]["call_id"] == view["call"]["call_id"]

        early = await p.http.post(f"/v1/calls/{view['call']['call_id']}/complete")
        assert early.status_code == 409 and early.json()["error_id"] == "transition_not_allowed"

        accepted = await ada_http.post(f"/v1/offers/{offer['offer_id']}/accept")
        assert accepted.status_code == 200 and accepted.json()["outcome"] == "answered"
        second = await ada_http.post(f"/v1/offers/{offer['offer_id']}/accept")
        assert second.status_code == 409 and second.json()["error_id"] == "offer_not_open"

        done = await ada_http.post(
            f"/v1/calls/{view['call']['call_id']}/complete",
            json={"resolution": "resolved", "contact_reason": "invoice"},
        )
        assert done.status_code == 200
        await ada_http.aclose()
        final = (await p.http.get(f"/v1/calls/{view['call']['call_id']}")).json()
        assert final["call"]["state"] == "completed" and final["call"]["resolution"] == "resolved"
        await desk.stop()

        events = await routing_events(settings, want=7)
        mine = [e for e in events if e.subject == view["call"]["call_id"]]
        assert [e.type for e in mine] == [
            "routing.call.arrived",
            "routing.call.queued",
            "routing.call.offered",
            "routing.call.answered",
            "routing.call.wrap_up",
            "routing.call.completed",
        ]
        assert mine[-1].data["call"]["agent_id"] == str(ada)
        assert mine[-1].tenant == TENANT


async def test_bad_input_and_other_tenants_get_problems_and_change_nothing(
    settings: Settings, token_for: Callable[..., str]
) -> None:
    async with platform(settings, token_for) as p:
        await p.queue(name="Invoices", ivr_digit="1")
        r = await p.call(cti_call_id="x", ivr_digit="7")
        assert r.status_code == 422 and r.json()["field"] == "ivr_digit"
        r = await p.call(cti_call_id="x")
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        r = await p.http.post("/v1/queues", json={"name": "Dup", "ivr_digit": "1"})
        assert r.status_code == 409 and r.json()["field"] == "ivr_digit"
        r = await p.http.post("/v1/queues", json={"name": "Bad", "strategy": "random"})
        assert r.status_code == 422 and r.json()["field"] == "strategy"
        r = await p.http.post(
            "/v1/queues", json={"name": "Bad", "overflow": [{"after_seconds": 10, "queue_ids": [str(uuid.uuid4())]}]}
        )
        assert r.status_code == 422 and r.json()["field"] == "overflow.0.queue_ids.0"
        # another tenant sees none of it, not even as a 403
        other = httpx.AsyncClient(base_url=p.base, headers=auth(token_for(OTHER_TENANT)))
        mine = (await p.http.get("/v1/queues")).json()
        assert (await other.get("/v1/queues")).json() == []
        assert (await other.get(f"/v1/queues/{mine[0]['id']}")).status_code == 404
        assert (await other.post(f"/v1/offers/{uuid.uuid4()}/accept")).status_code == 404
        await other.aclose()
        assert len((await p.http.get("/v1/queues")).json()) == 1


async def test_closed_hours_and_nobody_logged_in_are_stated_explicitly(
    settings: Settings, token_for: Callable[..., str]
) -> None:
    async with platform(settings, token_for) as p:
        q = uuid.UUID((await p.queue(name="Work", ivr_digit="2"))["id"])
        r = await p.call(cti_call_id="nobody", ivr_digit="2")
        assert r.json()["outcome"] == "no_agents"
        await p.staff({q: 3}, presence="away")
        assert (await p.call(cti_call_id="away", ivr_digit="2")).json()["outcome"] == "queued"
        await p.opening(False)
        engine = p.engine
        await eventually(lambda: not engine.tenants[TENANT].open)
        assert (await p.call(cti_call_id="holiday", ivr_digit="2")).json()["outcome"] == "closed"


async def test_an_unanswered_offer_times_out_and_the_call_goes_to_the_next_agent(
    settings: Settings, token_for: Callable[..., str]
) -> None:
    async with platform(settings, token_for) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1", offer_timeout_seconds=1))["id"])
        absent, present = uuid.uuid4(), uuid.uuid4()
        await p.agent(absent, {q: 3})
        await p.agent_known(absent)
        await p.agent(present, {q: 3})
        await p.agent_known(present)
        desk = await Desk(p.base, p.token, present).start()
        view = (await p.call(cti_call_id="c", ivr_digit="1")).json()
        call_id = view["call"]["call_id"]
        first = (await p.http.get(f"/v1/calls/{call_id}")).json()["call"]["agent_id"]
        assert first == str(absent)
        await eventually(lambda: desk.offers(), timeout=10)
        assert desk.offers()[0]["call_id"] == call_id
        engine = p.engine
        assert engine.tenants[TENANT].router.agent_status(absent) == "unavailable"
        await desk.stop()


async def test_waiting_calls_keep_their_place_and_wait_time_across_a_restart(
    settings: Settings, token_for: Callable[..., str]
) -> None:
    async with platform(settings, token_for) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1"))["id"])
        agent = await p.staff({q: 3}, presence="away")
        ids = [(await p.call(cti_call_id=f"c{i}", ivr_digit="1")).json()["call"]["call_id"] for i in range(3)]
        before = [(await p.http.get(f"/v1/calls/{c}")).json() for c in ids]
    async with platform(settings, token_for) as p:
        after = [(await p.http.get(f"/v1/calls/{c}")).json() for c in ids]
        assert [a["position"] for a in after] == [1, 2, 3]
        assert [a["call"]["arrived_at"] for a in after] == [b["call"]["arrived_at"] for b in before]
        await p.agent(agent, {q: 3})
        await eventually(lambda: p.engine.tenants[TENANT].router.offer_of(uuid.UUID(ids[0])) is not None)


async def test_a_transfer_keeps_the_arrival_time_and_kpis_count_it_once(
    settings: Settings, token_for: Callable[..., str]
) -> None:
    async with platform(settings, token_for) as p:
        one = uuid.UUID((await p.queue(name="Switchboard", ivr_digit="3", wrapup_seconds=0))["id"])
        two = uuid.UUID((await p.queue(name="Work", ivr_digit="2", wrapup_seconds=0))["id"])
        a, b = uuid.uuid4(), uuid.uuid4()
        await p.agent(a, {one: 3})
        await p.agent(b, {two: 3})
        await p.agent_known(a)
        await p.agent_known(b)
        view = (await p.call(cti_call_id="t", ivr_digit="3")).json()
        call_id = view["call"]["call_id"]
        await p.http.post(f"/v1/calls/{call_id}/answer", json={"agent_id": str(a)})
        moved = (await p.http.post(f"/v1/calls/{call_id}/transfer", json={"queue_id": str(two)})).json()
        assert moved["call"]["queue_id"] == str(two) and moved["call"]["transfers"] == 1
        assert moved["call"]["arrived_at"] == view["call"]["arrived_at"]
        await p.http.post(f"/v1/calls/{call_id}/answer", json={"agent_id": str(b)})
        await p.http.post(f"/v1/calls/{call_id}/complete")
        abandoned = (await p.call(cti_call_id="gone", ivr_digit="2")).json()
        gone = await p.http.post(f"/v1/calls/{abandoned['call']['call_id']}/abandon")
        assert gone.json()["call"]["state"] == "abandoned"
        kpis = (await p.http.get("/v1/kpis", params={"group_by": "queue"})).json()
        assert kpis["total"]["offered"] == 2
        assert kpis["total"]["answered"] == 1 and kpis["total"]["abandoned"] == 1
        assert kpis["total"]["transfer_rate"] == 1.0
        by_queue = {r["queue_id"]: r for r in kpis["rows"]}
        assert by_queue[str(one)]["answered"] == 1 and by_queue[str(one)]["transferred"] == 1
        stats = (await p.http.get(f"/v1/queues/{two}/stats")).json()
        assert stats["waiting"] == 0 and stats["agents"]["available"] == 1
        assert stats["estimate_basis"] == "position" and stats["estimated_wait_seconds"] == 0


async def test_a_dispatched_callback_is_queued_in_its_place_and_once_only(
    settings: Settings, token_for: Callable[..., str]
) -> None:
    from datetime import timedelta

    from frontdoor_common.events.callbacks import CallbackDispatched, CallbackSnapshot

    async with platform(settings, token_for) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1"))["id"])
        agent = await p.staff({q: 3}, presence="away")
        live = (await p.call(cti_call_id="live", ivr_digit="1")).json()
        # A caller who left a callback five minutes ago: the task stands before the live call.
        cb = CallbackSnapshot(
            callback_id=uuid.uuid4(),
            tenant_id=TENANT,
            number="+4790000009",
            queue_id=q,
            source="queue",
            status="dispatched",
            requested_at=datetime.now(UTC),
            original_arrived_at=datetime.now(UTC) - timedelta(minutes=5),
        )
        event = CallbackDispatched(callback=cb, attempt=1)
        await p.publish(event, TENANT)
        await p.publish(event, TENANT)  # delivered twice (a new event id): still one task
        engine = p.engine
        await eventually(lambda: engine.tenants[TENANT].router.waiting_count(q) == 2)
        assert (await p.http.get(f"/v1/calls/{live['call']['call_id']}")).json()["position"] == 2
        await p.agent(agent, {q: 3})
        events = await routing_events(settings, want=6)
        offered = [e for e in events if e.type == "routing.call.offered"]
        assert offered and offered[0].data["call"]["kind"] == "callback"
        assert offered[0].data["call"]["callback_id"] == str(cb.callback_id)


async def test_a_callback_cancelled_while_it_waits_leaves_the_queue(
    settings: Settings, token_for: Callable[..., str]
) -> None:
    from frontdoor_common.events.callbacks import CallbackCancelled, CallbackDispatched, CallbackSnapshot

    async with platform(settings, token_for) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1"))["id"])
        await p.staff({q: 3}, presence="away")
        cb = CallbackSnapshot(
            callback_id=uuid.uuid4(),
            tenant_id=TENANT,
            number="+4790000009",
            queue_id=q,
            source="web",
            status="dispatched",
            requested_at=datetime.now(UTC),
        )
        await p.publish(CallbackDispatched(callback=cb, attempt=1), TENANT)
        engine = p.engine
        await eventually(lambda: engine.tenants[TENANT].router.waiting_count(q) == 1)
        await p.publish(CallbackCancelled(callback=cb.model_copy(update={"status": "cancelled"})), TENANT)
        await eventually(lambda: engine.tenants[TENANT].router.waiting_count(q) == 0)


async def test_the_caller_is_identified_and_a_slow_or_absent_members_service_never_holds_up_the_call(
    make_settings: Callable[..., Settings], token_for: Callable[..., str]
) -> None:
    from fastapi import FastAPI

    member = uuid.uuid4()
    members = FastAPI()
    # Members hangs until the test lets it answer: a call posted meanwhile that comes back
    # unidentified was not held up by it, however slow the machine (no wall-clock bound).
    hanging = {"on": False}
    release = asyncio.Event()

    @members.get("/v1/members/lookup")
    async def lookup(phone: str) -> dict[str, Any]:
        if hanging["on"]:
            await release.wait()
        return {"candidates": [{"member_id": str(member)}] if phone == "+4790000001" else []}

    async with serve_app(members) as members_url:
        settings = make_settings(
            Settings, members_url=members_url, identify_timeout_s=1.0, known_agent_preference_seconds=0
        )
        async with platform(settings, token_for) as p:
            await p.queue(name="Invoices", ivr_digit="1")
            # a first lookup opens the connection to members (on a loaded machine that alone once took
            # longer than the lookup's timeout, and the known caller came back unidentified)
            await p.call(cti_call_id="warm", caller_number="+4790000009", ivr_digit="1")
            known = (await p.call(cti_call_id="k", caller_number="+4790000001", ivr_digit="1")).json()
            assert known["call"]["member_id"] == str(member)
            hanging["on"] = True
            try:
                slow = (await p.call(cti_call_id="s", caller_number="+4790000001", ivr_digit="1")).json()
                assert slow["call"]["member_id"] is None and not release.is_set()
            finally:
                release.set()  # the background retry and the server's shutdown get their answers
    async with platform(make_settings(Settings, members_url="http://127.0.0.1:9"), token_for) as p:
        down = await p.call(cti_call_id="d", caller_number="+4790000001", ivr_digit="1")
        assert down.status_code == 201 and down.json()["call"]["member_id"] is None
