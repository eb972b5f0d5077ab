"""A tenant loaded from the database: after a restart, and after a failed change."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from prometheus_client import CollectorRegistry

from frontdoor_common.events import routing as ev
from frontdoor_routing.calls.identification import Identification
from frontdoor_routing.calls.schemas import CallCreate, CompletionCreate
from frontdoor_routing.calls.service import answer, arrive, complete
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.engine.tenant import offerable
from frontdoor_routing.models import AgentView, Call

from ..conftest import TENANT, Rig


async def _call(rig: Rig, cti: str) -> uuid.UUID:
    view, _ = await arrive(rig.engine, TENANT, CallCreate(cti_call_id=cti, ivr_digit="1"), Identification())
    return view.call.call_id


def _restarted(rig: Rig) -> Engine:
    """A new process's engine on the same database and clock."""
    return Engine(
        db=rig.db, settings=rig.settings, clock=rig.clock, notifier=rig.engine.notifier, registry=CollectorRegistry()
    )


async def test_a_restart_keeps_waiting_calls_in_place_withdraws_offers_in_flight_and_keeps_agents_busy(
    rig: Rig,
) -> None:
    q = await rig.queue(ivr_digit="1", wrapup_seconds=60, offer_timeout_seconds=30)
    talking = await rig.agent({q: 3})
    on_phone = await _call(rig, "talk")
    await answer(rig.engine, TENANT, on_phone, talking)
    wrapping = await rig.agent({q: 3})
    in_wrap_up = await _call(rig, "wrap")
    await answer(rig.engine, TENANT, in_wrap_up, wrapping)
    await complete(rig.engine, TENANT, in_wrap_up, CompletionCreate())  # wrap-up until +60 s
    offered_to = await rig.agent({q: 3})
    in_flight = await _call(rig, "offered")
    assert rig.tenant().router.agent_status(offered_to) == "offered"
    rig.clock.advance(seconds=1)
    waiting = [await _call(rig, f"w{i}") for i in range(3)]
    places = [rig.tenant().router.position(c) for c in waiting]
    assert places == sorted(places) and None not in places

    rig.clock.advance(seconds=20)
    engine = _restarted(rig)
    await engine.load_served()
    assert engine.loaded.is_set()
    tenant = engine.tenants[TENANT]

    # the offer in flight was void: withdrawn (restart), and the call offered again at once
    withdrawn = [e for e in await rig.events() if e.type == ev.OfferWithdrawn.name]
    assert [(e.subject, e.data["reason"]) for e in withdrawn] == [(str(in_flight), "restart")]
    assert tenant.router.offer_of(in_flight) is not None
    assert tenant.router.agent_status(offered_to) == "offered"
    # the waiting calls keep their places behind it
    assert [tenant.router.position(c) for c in waiting] == places
    # on the phone and in wrap-up: busy, and wrap-up ends when it would have (60 s after it began)
    assert tenant.router.agent_status(talking) == "busy"
    assert tenant.router.agent_status(wrapping) == "wrap_up"
    rig.clock.advance(seconds=38)
    await engine.advance(TENANT)
    assert tenant.router.agent_status(wrapping) == "wrap_up"
    rig.clock.advance(seconds=1)
    await engine.advance(TENANT)
    assert engine.tenants[TENANT].router.agent_status(wrapping) == "offered"  # and takes the next call


async def test_a_failed_change_keeps_the_offers_in_flight_with_their_ids_and_deadlines(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1", offer_timeout_seconds=30)
    await rig.agent({q: 3})
    call_id = await _call(rig, "c1")
    before = rig.tenant()
    (offer,) = before.offers.values()
    rig.clock.advance(seconds=10)

    with pytest.raises(RuntimeError):
        async with rig.engine.mutation(TENANT) as m:
            await m.enqueue(
                Call(
                    tenant_id=TENANT, cti_call_id="ghost", queue_id=q, arrived_at=m.at, updated_at=m.at, state="queued"
                ),
                q,
            )
            raise RuntimeError("failed at commit")

    after = rig.tenant()
    assert after is not before, "the tenant was rebuilt"
    (kept,) = after.offers.values()
    assert (kept.offer_id, kept.call_id, kept.expires_at) == (offer.offer_id, call_id, offer.expires_at)
    assert after.router.offer_of(call_id) == kept.core_id
    assert [e.type for e in await rig.events() if e.type == ev.OfferWithdrawn.name] == []


async def test_the_tenants_settings_come_back_with_it(rig: Rig) -> None:
    from frontdoor_common.events.agents import QueueOpeningChanged, TenantSettingsChanged
    from frontdoor_routing.tenants.service import set_opening, set_tenant_settings

    q = await rig.queue(ivr_digit="1")
    opens = rig.clock.now() + timedelta(hours=3)
    async with rig.engine.mutation(TENANT) as m:
        await set_opening(
            m, QueueOpeningChanged(tenant_id=TENANT, open=False, reason="holiday", at=m.at, next_change_at=opens)
        )
        await set_tenant_settings(m, TenantSettingsChanged(tenant_id=TENANT, timezone="Europe/Stockholm", at=m.at))
    engine = _restarted(rig)
    await engine.load_served()
    tenant = engine.tenants[TENANT]
    assert (tenant.open, tenant.open_reason, tenant.next_change_at) == (False, "holiday", opens)
    assert (tenant.timezone, tenant.country) == ("Europe/Stockholm", "NO")
    assert tenant.opening(tenant.queues[q]) == (False, "holiday", opens)


def test_an_agent_is_offerable_when_present_unblocked_and_not_marked_not_responding_since() -> None:
    from datetime import UTC, datetime

    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    base = {"agent_id": uuid.uuid4(), "tenant_id": TENANT, "presence_since": t0}
    assert offerable(AgentView(**base, presence="available"))
    assert offerable(AgentView(**base, presence="on_call")) and offerable(AgentView(**base, presence="wrap_up"))
    assert not offerable(AgentView(**base, presence="away"))
    assert not offerable(AgentView(**base, presence="available", blocked=True))
    assert not offerable(AgentView(**base, presence="available", active=False))
    # marked not responding at or after their last presence change: not offered until they change it
    assert not offerable(AgentView(**base, presence="available", not_responding_since=t0))
    assert offerable(AgentView(**base, presence="available", not_responding_since=t0 - timedelta(seconds=1)))
