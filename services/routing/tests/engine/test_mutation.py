"""The engine's mutations on their own: the core's decisions become rows, events and notes.

The engine runs on a real database with a manual clock: timers fire when the test moves
the clock and asks the engine to advance, nothing sleeps.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from frontdoor_common.errors import Conflict
from frontdoor_common.events import routing as ev
from frontdoor_routing.calls.identification import Identification
from frontdoor_routing.calls.schemas import CallCreate, CompletionCreate
from frontdoor_routing.calls.service import answer, arrive, complete
from frontdoor_routing.engine.tenant import dt
from frontdoor_routing.models import AgentView, Call

from ..conftest import TENANT, Rig


async def _call(rig: Rig, cti: str, digit: str = "1") -> uuid.UUID:
    view, _created = await arrive(rig.engine, TENANT, CallCreate(cti_call_id=cti, ivr_digit=digit), Identification())
    return view.call.call_id


async def test_an_offer_is_stored_published_and_sent_to_the_agent_only_after_the_commit(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1", offer_timeout_seconds=20)
    ada = await rig.agent({q: 3})
    stream = rig.engine.hub.subscribe(TENANT, ada)
    seen_inside: list[int] = []

    async with rig.engine.mutation(TENANT) as m:
        call = Call(tenant_id=TENANT, cti_call_id="c1", queue_id=q, arrived_at=m.at, updated_at=m.at, state="queued")
        await m.insert(call)
        await m.enqueue(call, q)
        seen_inside.append(stream.qsize())
        offer = m.offer_of(call.id)
    assert seen_inside == [0], "an offer reached the agent before its commit"
    assert offer is not None and offer.agent_id == ada and offer.queue_id == q
    assert offer.expires_at == rig.clock.time() + 20
    message = stream.get_nowait()
    assert message["event"] == "offer" and message["data"]["offer_id"] == str(offer.offer_id)
    assert message["data"]["expires_at"] == dt(offer.expires_at).isoformat()
    async with rig.db.snapshot() as session:
        row = await session.get(Call, call.id)
    assert row is not None and row.state == "offered" and row.agent_id == ada and row.offered_at == rig.clock.now()
    events = [e for e in await rig.events() if e.subject == str(call.id)]
    assert [e.type for e in events] == [ev.CallOffered.name]
    assert events[0].data["offer_id"] == str(offer.offer_id) and events[0].data["call"]["state"] == "offered"
    tenant = rig.tenant()
    assert tenant.offers_by_uuid[offer.offer_id] == offer.core_id and tenant.offers[offer.core_id] is offer


async def test_an_offer_that_times_out_marks_the_agent_not_responding_and_the_call_waits_again(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1", offer_timeout_seconds=15)
    ada = await rig.agent({q: 3})
    call_id = await _call(rig, "c1")
    async with rig.engine.reading(TENANT) as m:
        offer = m.offer_of(call_id)
    assert offer is not None
    stream = rig.engine.hub.subscribe(TENANT, ada)

    rig.clock.advance(seconds=14)
    await rig.engine.advance(TENANT)
    assert rig.tenant().router.offer_of(call_id) == offer.core_id, "withdrawn before its deadline"
    rig.clock.advance(seconds=1)
    await rig.engine.advance(TENANT)

    tenant = rig.tenant()
    assert tenant.router.offer_of(call_id) is None and tenant.router.position(call_id) == 1
    assert tenant.closed_offers[offer.offer_id] == "timeout"
    assert tenant.agents[ada].not_responding_since == rig.clock.now()
    assert tenant.router.agent_status(ada) == "unavailable"
    async with rig.db.snapshot() as session:
        row = await session.get(Call, call_id)
        view = await session.get(AgentView, ada)
    assert row is not None and row.state == "queued" and row.agent_id is None
    assert view is not None and view.not_responding_since == rig.clock.now()
    assert stream.get_nowait() == {
        "event": "withdrawn",
        "data": {"offer_id": str(offer.offer_id), "call_id": str(call_id), "reason": "timeout"},
    }
    withdrawn = [e for e in await rig.events() if e.type == ev.OfferWithdrawn.name]
    assert [(e.data["reason"], e.data["call"]["state"]) for e in withdrawn] == [("timeout", "queued")]


async def test_wrap_up_ends_on_the_clock_and_feeds_the_handle_time_estimate(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1", wrapup_seconds=30)
    ada = await rig.agent({q: 3})
    call_id = await _call(rig, "c1")
    await answer(rig.engine, TENANT, call_id, ada)
    rig.clock.advance(seconds=120)
    await complete(rig.engine, TENANT, call_id, CompletionCreate())
    assert rig.tenant().router.agent_status(ada) == "wrap_up"

    rig.clock.advance(seconds=30)
    await rig.engine.advance(TENANT)

    async with rig.db.snapshot() as session:
        row = await session.get(Call, call_id)
    assert row is not None and row.state == "completed" and row.completed_at == rig.clock.now()
    assert (row.talk_seconds, row.wrapup_seconds) == (120.0, 30.0)
    assert rig.tenant().aht_seconds == pytest.approx(0.9 * 180 + 0.1 * 150)
    assert rig.tenant().router.agent_status(ada) == "idle"
    assert (await rig.types(call_id))[-2:] == [ev.CallWrapUp.name, ev.CallCompleted.name]


async def test_a_call_past_the_queues_maximum_wait_is_closed_and_says_so(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1", max_wait_seconds=60)
    await rig.agent({q: 3}, presence="away")
    call_id = await _call(rig, "c1")
    rig.clock.advance(seconds=60)
    await rig.engine.advance(TENANT)

    async with rig.db.snapshot() as session:
        row = await session.get(Call, call_id)
    assert row is not None and (row.state, row.outcome_reason) == ("closed", "max_wait")
    rejected = [e for e in await rig.events() if e.type == ev.CallRejected.name]
    assert [e.data["reason"] for e in rejected] == ["max_wait"]
    assert rig.tenant().router.position(call_id) is None


async def test_a_change_that_fails_after_the_core_moved_leaves_the_tenant_as_the_database_has_it(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    ada = await rig.agent({q: 3})
    with pytest.raises(RuntimeError):
        async with rig.engine.mutation(TENANT) as m:
            call = Call(
                tenant_id=TENANT, cti_call_id="lost", queue_id=q, arrived_at=m.at, updated_at=m.at, state="queued"
            )
            await m.insert(call)
            call_id = call.id
            await m.enqueue(call, q)
            assert m.offer_of(call_id) is not None
            raise RuntimeError("the database went away")
    tenant = rig.tenant()
    assert tenant.router.snapshot()["calls"] == 0 and not tenant.offers
    assert tenant.router.agent_status(ada) == "idle"
    assert await rig.types(call_id) == []
    async with rig.db.snapshot() as session:
        assert await session.get(Call, call_id) is None


async def test_a_refusal_before_anything_moved_keeps_the_tenant_without_a_rebuild(rig: Rig) -> None:
    await rig.queue(ivr_digit="1")
    before = rig.tenant()
    with pytest.raises(Conflict):
        async with rig.engine.mutation(TENANT):
            raise Conflict("no", error_id="refused")
    assert rig.tenant() is before


async def test_a_consumer_handler_finds_the_change_running_in_its_session(rig: Rig) -> None:
    await rig.queue(ivr_digit="1")
    async with rig.engine.mutation(TENANT) as m:
        assert rig.engine.mutation_in(m.session) is m
        async with rig.db.snapshot() as other, rig.engine.reading(TENANT) as read:
            with pytest.raises(RuntimeError):
                rig.engine.mutation_in(other)
            assert read is not m
    with pytest.raises(RuntimeError):
        rig.engine.mutation_in(m.session)


async def test_lock_free_reads_see_the_clock_and_the_tenant_as_it_is(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    rig.clock.advance(timedelta(minutes=5))
    async with rig.engine.reading(TENANT) as m:
        assert m.at == rig.clock.now() and m.queue(q) is not None
        assert m.tenant is rig.tenant()
