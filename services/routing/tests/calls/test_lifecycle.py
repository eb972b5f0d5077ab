"""The call lifecycle's transitions, driven through the calls service on the engine alone.

Every time below is the manual clock's: waits, talk and wrap-up seconds are exact.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_common.events import routing as ev
from frontdoor_common.events.agents import QueueOpeningChanged
from frontdoor_routing.calls.identification import Identification
from frontdoor_routing.calls.schemas import CallCreate, CallView, CompletionCreate, TransferCreate
from frontdoor_routing.calls.service import abandon, answer, arrive, complete, get_call, transfer
from frontdoor_routing.models import Call
from frontdoor_routing.offers.service import accept_offer, reject_offer
from frontdoor_routing.tenants.service import set_opening

from ..conftest import OTHER_TENANT, TENANT, Rig


async def _arrive(rig: Rig, cti: str, *, tenant: str = TENANT, **body: object) -> CallView:
    body.setdefault("ivr_digit", "1")
    view, _created = await arrive(
        rig.engine, tenant, CallCreate.model_validate({"cti_call_id": cti, **body}), Identification()
    )
    return view


async def test_a_call_is_offered_answered_wrapped_up_and_completed_with_each_step_published(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1", wrapup_seconds=10, service_level_seconds=20)
    ada = await rig.agent({q: 3})
    view = await _arrive(rig, "c1", caller_number="93704606-111")
    call_id = view.call.call_id
    assert view.outcome == "offered" and view.call.agent_id == ada and view.offer_id is not None
    assert (view.call.caller_number, view.caller_suffix) == ("+4793704606", "111")

    again, created = await arrive(rig.engine, TENANT, CallCreate(cti_call_id="c1", ivr_digit="1"), Identification())
    assert not created and again.call.call_id == call_id

    rig.clock.advance(seconds=12)
    answered = await accept_offer(rig.engine, TENANT, view.offer_id)
    assert answered.outcome == "answered" and answered.call.wait_seconds == 12.0
    assert answered.call.within_service_level is True
    with pytest.raises(Conflict) as second:
        await accept_offer(rig.engine, TENANT, view.offer_id)
    assert second.value.error_id == "offer_not_open"
    assert (await answer(rig.engine, TENANT, call_id, ada)).outcome == "answered"  # the CTI's answer: idempotent

    rig.clock.advance(seconds=95)
    ended = await complete(rig.engine, TENANT, call_id, CompletionCreate(contact_reason="dues_invoice"))
    assert ended.outcome == "ended" and ended.call.state == "wrap_up" and ended.call.contact_reason == "dues_invoice"
    assert (await complete(rig.engine, TENANT, call_id, CompletionCreate())).call.state == "wrap_up"  # idempotent
    rig.clock.advance(seconds=10)
    await rig.engine.advance(TENANT)
    final = await get_call(rig.engine, TENANT, call_id)
    assert final.call.state == "completed"
    assert (final.call.talk_seconds, final.call.wrapup_seconds, final.call.resolution) == (95.0, 10.0, "resolved")
    assert await rig.types(call_id) == [
        ev.CallArrived.name,
        ev.CallQueued.name,
        ev.CallOffered.name,
        ev.CallAnswered.name,
        ev.CallWrapUp.name,
        ev.CallCompleted.name,
    ]


async def test_a_call_is_refused_when_the_queue_is_closed_or_nobody_is_logged_in(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    nobody = await _arrive(rig, "nobody")
    assert nobody.outcome == "no_agents" and nobody.position is None
    await rig.agent({q: 3}, presence="away")
    waits = await _arrive(rig, "away")
    assert waits.outcome == "queued" and waits.position == 1
    async with rig.engine.mutation(TENANT) as m:
        await set_opening(m, QueueOpeningChanged(tenant_id=TENANT, queue_id=q, open=False, reason="holiday", at=m.at))
    closed = await _arrive(rig, "holiday")
    assert (closed.outcome, closed.closed_reason) == ("closed", "holiday")
    rejected = [e.data["reason"] for e in await rig.events() if e.type == ev.CallRejected.name]
    assert rejected == ["no_agents", "closed"]


async def test_where_a_call_goes_and_what_is_refused(rig: Rig) -> None:
    await rig.queue(ivr_digit="1")
    board = await rig.queue(is_switchboard=True, language="en")
    await rig.agent({board: 3}, presence="away")
    english = await _arrive(rig, "en", ivr_digit=None, language="en")
    assert english.call.queue_id == board
    with pytest.raises(InvalidInput) as unknown:
        await _arrive(rig, "seven", ivr_digit="7")
    assert unknown.value.error_id == "unknown_ivr_digit"
    with pytest.raises(NotFound):
        await _arrive(rig, "nowhere", ivr_digit=None, queue_id=uuid.uuid4())
    with pytest.raises(NotFound):  # another tenant's call is no call here
        await get_call(rig.engine, OTHER_TENANT, english.call.call_id)


async def test_a_rejected_offer_goes_to_the_next_agent_and_never_back(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    ada = await rig.agent({q: 3})
    view = await _arrive(rig, "c1")
    assert view.call.agent_id == ada and view.offer_id is not None
    bo = await rig.agent({q: 3}, presence="away")
    rejected = await reject_offer(rig.engine, TENANT, view.offer_id)
    assert rejected.outcome == "queued" and rejected.call.agent_id is None
    await rig.agent({q: 3}, agent_id=bo)
    assert (await get_call(rig.engine, TENANT, view.call.call_id)).call.agent_id == bo
    with pytest.raises(Conflict):
        await answer(rig.engine, TENANT, view.call.call_id, ada)  # offered to another agent


async def test_a_transfer_keeps_the_arrival_time_and_the_first_agent_wraps_up(rig: Rig) -> None:
    one = await rig.queue(ivr_digit="1", wrapup_seconds=5)
    two = await rig.queue(ivr_digit="2", wrapup_seconds=5)
    ada = await rig.agent({one: 3})
    bo = await rig.agent({two: 3})
    view = await _arrive(rig, "t")
    await answer(rig.engine, TENANT, view.call.call_id, ada)
    rig.clock.advance(seconds=30)
    with pytest.raises(InvalidInput):
        await transfer(rig.engine, TENANT, view.call.call_id, TransferCreate(queue_id=one))
    moved = await transfer(rig.engine, TENANT, view.call.call_id, TransferCreate(queue_id=two))
    assert moved.call.queue_id == two and moved.call.original_queue_id == one and moved.call.transfers == 1
    assert moved.call.arrived_at == view.call.arrived_at and moved.call.agent_id == bo
    assert rig.tenant().router.agent_status(ada) == "wrap_up"
    await answer(rig.engine, TENANT, view.call.call_id, bo)
    out = await transfer(rig.engine, TENANT, view.call.call_id, TransferCreate(number="+4790000000"))
    assert out.call.state == "wrap_up" and out.call.resolution == "transferred" and out.call.transferred
    transferred = [e for e in await rig.events() if e.type == ev.CallTransferred.name]
    assert [
        (e.data["from_queue_id"], e.data["to_queue_id"], e.data["from_agent_id"], e.data["to_number"])
        for e in transferred
    ] == [
        (str(one), str(two), str(ada), None),
        (str(two), str(two), str(bo), "+4790000000"),  # out to a number: the queue it left on both sides
    ]
    assert out.call.transferred_to_number == "+4790000000"
    async with rig.db.snapshot() as session:
        row = await session.get(Call, view.call.call_id)
    assert row is not None and row.talk_seconds == 30.0 and row.transferred_out


async def test_an_abandoned_call_leaves_its_queue_and_a_callback_caller_keeps_their_place(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    await rig.agent({q: 3}, presence="away")
    first, second = await _arrive(rig, "a"), await _arrive(rig, "b")
    rig.clock.advance(timedelta(seconds=42))
    gone = await abandon(rig.engine, TENANT, first.call.call_id)
    assert gone.call.state == "abandoned" and gone.call.wait_seconds == 42.0
    assert (await get_call(rig.engine, TENANT, second.call.call_id)).position == 1
    assert (await abandon(rig.engine, TENANT, first.call.call_id)).call.state == "abandoned"  # idempotent
    async with rig.engine.mutation(TENANT) as m:
        row = await m.call(second.call.call_id)
        row.kind = "callback"  # the caller left a queue callback
    kept = await abandon(rig.engine, TENANT, second.call.call_id)
    assert kept.call.state == "queued" and kept.position == 1
    with pytest.raises(Conflict) as late:
        await complete(rig.engine, TENANT, first.call.call_id, CompletionCreate())
    assert late.value.error_id == "transition_not_allowed"
    assert (await rig.types(first.call.call_id))[-1] == ev.CallAbandoned.name


async def test_the_view_tells_the_caller_their_place_their_wait_and_whether_a_callback_is_offered(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1", callback_offer_seconds=300)
    ada = await rig.agent({q: 3})
    busy = await _arrive(rig, "busy")
    await answer(rig.engine, TENANT, busy.call.call_id, ada)
    heard = [await _arrive(rig, f"w{i}") for i in range(2)]
    # one agent, busy; the default handle time is 180 s: 180 s, then 360 s
    assert [(v.position, v.estimated_wait_seconds, v.callback_offered) for v in heard] == [
        (1, 180, False),
        (2, 360, True),
    ]
