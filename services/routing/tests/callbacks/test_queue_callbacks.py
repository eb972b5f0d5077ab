"""A caller who leaves a queue callback keeps their place and is never an abandoned call;
web-form callback tasks are not inbound calls in the KPIs (they have figures of their own)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from frontdoor_common.events.callbacks import CallbackDispatched, CallbackSnapshot
from frontdoor_common.testing import eventually, read_envelopes
from frontdoor_routing.settings import Settings

TENANT = "7e3a1c52-0000-4000-8000-000000000001"


def _callback(
    queue: uuid.UUID, call: dict[str, Any] | None, source: Literal["queue", "agent", "web"] = "queue"
) -> CallbackSnapshot:
    return CallbackSnapshot(
        callback_id=uuid.uuid4(),
        tenant_id=TENANT,
        number="+4790000009",
        queue_id=queue,
        source=source,
        status="dispatched",
        requested_at=datetime.now(UTC),
        original_call_id=uuid.UUID(call["call_id"]) if call else None,
        original_arrived_at=datetime.fromisoformat(call["arrived_at"]) if call else None,
    )


async def _kind(p: Any, call_id: str) -> str:
    return str((await p.http.get(f"/v1/calls/{call_id}")).json()["call"]["kind"])


async def test_a_caller_who_left_a_queue_callback_and_hung_up_keeps_their_place_and_is_not_abandoned(
    settings: Settings, make_platform: Callable[..., Any]
) -> None:
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Wages", ivr_digit="2", wrapup_seconds=0))["id"])
        agent = await p.staff({q: 3}, presence="away")
        first = (await p.call(cti_call_id="first", ivr_digit="2")).json()["call"]
        racing = (await p.call(cti_call_id="racing", ivr_digit="2")).json()["call"]
        later = (await p.call(cti_call_id="later", ivr_digit="2")).json()["call"]

        # the callback reaches routing while the caller waits, then the caller hangs up
        await p.publish(CallbackDispatched(callback=_callback(q, first), attempt=1), source="callbacks")
        await eventually(lambda: _kind_is(p, first["call_id"], "callback"))
        gone = await p.http.post(f"/v1/calls/{first['call_id']}/abandon")
        assert gone.status_code == 200 and gone.json()["call"]["state"] == "queued", gone.text
        assert gone.json()["position"] == 1

        # the caller hung up before the callback reached routing: the same entry comes back
        assert (await p.http.post(f"/v1/calls/{racing['call_id']}/abandon")).json()["call"]["state"] == "abandoned"
        await p.publish(CallbackDispatched(callback=_callback(q, racing), attempt=1), source="callbacks")
        await eventually(lambda: _kind_is(p, racing["call_id"], "callback"))
        back = (await p.http.get(f"/v1/calls/{racing['call_id']}")).json()
        assert back["call"]["state"] == "queued" and back["position"] == 2
        assert back["call"]["arrived_at"] == racing["arrived_at"]
        assert (await p.http.get(f"/v1/calls/{later['call_id']}")).json()["position"] == 3

        # served in arrival order: the callbacks before the later caller
        await p.agent(agent, {q: 3})
        order = []
        for _ in range(3):
            offered = await eventually(lambda: _offered_call(p, agent))
            order.append(offered)
            await p.http.post(f"/v1/calls/{offered}/answer", json={"agent_id": str(agent)})
            await p.http.post(f"/v1/calls/{offered}/complete", json={"resolution": "resolved"})
        assert order == [first["call_id"], racing["call_id"], later["call_id"]]

        kpis = (await p.http.get("/v1/kpis", params={"group_by": "none"})).json()
        assert kpis["total"]["abandoned"] == 0 and kpis["total"]["offered"] == 3 and kpis["total"]["answered"] == 3
        events = await read_envelopes(
            str(settings.kafka_bootstrap_servers), settings.topic("frontdoor.routing.v1"), want=1, grace=1.0
        )
        abandoned = [e for e in events if e.type == "routing.call.abandoned" and e.subject == first["call_id"]]
        assert abandoned == []


async def test_web_form_callbacks_are_not_offered_inbound_calls_and_have_their_own_figures(
    settings: Settings, make_platform: Callable[..., Any]
) -> None:
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Wages", ivr_digit="2", wrapup_seconds=0))["id"])
        agent = await p.staff({q: 3}, presence="away")
        await p.publish(CallbackDispatched(callback=_callback(q, None, "web"), attempt=1), source="callbacks")
        await eventually(lambda: p.tenant().router.waiting_count(q) == 1)
        await p.call(cti_call_id="inbound", ivr_digit="2")
        await p.agent(agent, {q: 3})
        for _ in range(2):
            offered = await eventually(lambda: _offered_call(p, agent))
            await p.http.post(f"/v1/calls/{offered}/answer", json={"agent_id": str(agent)})
            await p.http.post(f"/v1/calls/{offered}/complete", json={"resolution": "resolved"})
        report = (await p.http.get("/v1/kpis", params={"group_by": "queue"})).json()
        assert report["total"]["offered"] == 1 and report["total"]["answered"] == 1
        assert report["callbacks"]["offered"] == 1 and report["callbacks"]["answered"] == 1
        assert report["rows"][0]["offered"] == 1 and report["rows"][0]["callbacks"]["offered"] == 1
        stats = (await p.http.get(f"/v1/queues/{q}/stats")).json()
        assert stats["today"]["offered"] == 1


async def _kind_is(p: Any, call_id: str, kind: str) -> bool:
    return await _kind(p, call_id) == kind


def _offered_call(p: Any, agent: uuid.UUID) -> str | None:
    t = p.tenant()
    for info in t.offers.values():
        if info.agent_id == agent:
            return str(info.call_id)
    return None


async def test_a_queue_callback_reaching_routing_after_the_call_was_answered_queues_no_task(
    settings: Settings, make_platform: Callable[..., Any]
) -> None:
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Wages", ivr_digit="2", wrapup_seconds=0))["id"])
        agent = await p.staff({q: 3})
        call = (await p.call(cti_call_id="through", ivr_digit="2")).json()["call"]
        await p.http.post(f"/v1/calls/{call['call_id']}/answer", json={"agent_id": str(agent)})
        cb = _callback(q, call)
        await p.publish(CallbackDispatched(callback=cb, attempt=1), source="callbacks")
        marker = (await p.call(cti_call_id="marker", ivr_digit="2")).json()  # after the event: queued behind it
        await p.publish(CallbackDispatched(callback=_callback(q, marker["call"]), attempt=1), source="callbacks")
        await eventually(lambda: _kind_is(p, marker["call"]["call_id"], "callback"))
        assert p.tenant().router.waiting_count(q) == 1  # only the marker: no task for the answered call
        kpis = (await p.http.get("/v1/kpis", params={"group_by": "none"})).json()
        assert kpis["callbacks"]["offered"] == 0
