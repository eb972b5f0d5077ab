"""Members' emails and web-form messages as tasks: queued by rules, routed with per-channel capacity.

The real engine on a real (migrated) database, events handed to routing's consumer handler as
the consumer runner would (inbox included), a clock that moves only when the test says.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select

from frontdoor_common.bus.tables import outbox
from frontdoor_common.db import Database
from frontdoor_common.errors import ServiceError
from frontdoor_common.events import tasks as tev
from frontdoor_common.events.members import MessageAnswered, MessageReceived
from frontdoor_routing.calls.identification import Identification
from frontdoor_routing.calls.schemas import CallCreate
from frontdoor_routing.calls.service import arrive
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.engine.fencing import ShardFenced
from frontdoor_routing.offers.service import accept_offer
from frontdoor_routing.stats.service import kpi_report
from frontdoor_routing.tasks.models import Task
from frontdoor_routing.tasks.service import accept_task, complete_task, decline_task, get_task

from ..conftest import OTHER_TENANT, TENANT, Rig


def received(rig: Rig, tenant: str = TENANT, **kw: Any) -> MessageReceived:
    values: dict[str, Any] = {
        "message_id": uuid.uuid4(),
        "tenant_id": tenant,
        "channel": "email",
        "received_at": rig.clock.now(),
    }
    values.update(kw)
    return MessageReceived.model_validate(values)


def answered(event: MessageReceived, agent_id: uuid.UUID | None = None, **kw: Any) -> MessageAnswered:
    return MessageAnswered.model_validate(
        {**event.model_dump(exclude={"received_at"}), "agent_id": agent_id, "answered_at": kw.get("at")}
    )


async def task_of(rig: Rig, message_id: uuid.UUID) -> Task:
    async with rig.db.snapshot() as session:
        row = await session.scalar(select(Task).where(Task.message_id == message_id))
    assert row is not None
    return row


async def message(rig: Rig, tenant: str = TENANT, **kw: Any) -> Task:
    event = received(rig, tenant, **kw)
    assert await rig.deliver(event, tenant, source="members")
    return await task_of(rig, event.message_id)


def task_types(events: list[Any], subject: uuid.UUID | None = None) -> list[str]:
    return [
        e.type for e in events if e.type.startswith("routing.task.") and (subject is None or e.subject == str(subject))
    ]


async def test_a_received_email_becomes_one_task_in_the_queue_its_mailbox_names(rig: Rig) -> None:
    await rig.queue(name="Switchboard", is_switchboard=True)
    invoices = await rig.queue(name="Invoices", message_mailboxes=["Faktura"])
    event = received(rig, mailbox="faktura", member_id=uuid.uuid4())
    assert await rig.deliver(event, source="members")
    # the same message again (a new event id): still one task
    assert await rig.deliver(received(rig, message_id=event.message_id, mailbox="faktura"), source="members")
    task = await task_of(rig, event.message_id)
    assert (task.queue_id, task.state, task.channel, task.service_level_seconds) == (
        invoices,
        "queued",
        "email",
        86_400,
    )
    assert rig.tenant().tasks.waiting_count(invoices) == 1
    assert task_types(await rig.events()) == [tev.TaskQueued.name]
    # the event carries routing facts, never the sender or the text
    queued = next(e for e in await rig.events() if e.type == tev.TaskQueued.name)
    assert queued.data["task"]["message_id"] == str(event.message_id) and "text" not in queued.data["task"]


async def test_a_message_goes_by_mailbox_then_reason_then_the_default_queue_then_the_switchboard(rig: Rig) -> None:
    board = await rig.queue(name="Switchboard", is_switchboard=True)
    await rig.queue(name="A first queue", ivr_digit="1")
    by_mailbox = await rig.queue(name="Post", message_mailboxes=["post"])
    by_reason = await rig.queue(name="Benefits", message_reasons=["benefits"], task_service_level_seconds=3600)
    assert (await message(rig, mailbox="post", reason="benefits")).queue_id == by_mailbox
    chosen = await message(rig, mailbox="unknown", reason="benefits", channel="webform")
    assert (chosen.queue_id, chosen.service_level_seconds) == (by_reason, 3600)
    assert (await message(rig, mailbox="unknown")).queue_id == board  # no default queue: the switchboard
    default = await rig.queue(name="Messages", message_default=True)
    assert (await message(rig)).queue_id == default


async def test_a_tenant_without_an_active_queue_keeps_the_task_unrouted_until_it_has_one(rig: Rig) -> None:
    await rig.queue(tenant=OTHER_TENANT, name="Theirs", message_default=True)
    task = await message(rig)
    assert (task.state, task.queue_id) == ("unrouted", None)
    assert task_types(await rig.events()) == [tev.TaskUnrouted.name]
    # ... until the tenant has a queue: then the rules place it
    agent = await rig.agent({})
    q = await rig.queue(name="Members")
    placed = await task_of(rig, task.message_id)
    assert (placed.state, placed.queue_id) == ("queued", q)
    assert task_types(await rig.events()) == [tev.TaskUnrouted.name, tev.TaskQueued.name]
    await rig.agent({q: 3}, agent_id=agent)
    assert (await task_of(rig, task.message_id)).agent_id == agent


async def test_an_event_naming_another_tenant_than_its_envelope_is_ignored(rig: Rig) -> None:
    await rig.queue(name="Messages", message_default=True)
    event = received(rig, tenant=OTHER_TENANT)
    assert await rig.deliver(event, TENANT, source="members")
    async with rig.db.snapshot() as session:
        assert await session.scalar(select(func.count()).select_from(Task)) == 0


async def test_an_agent_on_a_call_is_still_offered_tasks_up_to_their_capacity(rig: Rig) -> None:
    q = await rig.queue(name="Members", ivr_digit="1", message_default=True)
    agent = await rig.agent({q: 3})
    call, _ = await arrive(rig.engine, TENANT, CallCreate(cti_call_id="c1", ivr_digit="1"), Identification())
    assert call.offer_id is not None
    await accept_offer(rig.engine, TENANT, call.offer_id)
    assert rig.tenant().router.agent_status(agent) == "busy"
    tasks = [await message(rig) for _ in range(4)]
    # on the phone, the first task is offered all the same; one task offer at a time
    assert tasks[0].state == "offered" and tasks[0].agent_id == agent
    assert [t.state for t in tasks[1:]] == ["queued"] * 3
    for i in range(3):
        view = await accept_task(rig.engine, TENANT, tasks[i].id, as_agent=agent)
        assert view.task.state == "accepted"
    # three held (the default capacity): the fourth waits, first in its queue
    fourth = await get_task(rig.engine, TENANT, tasks[3].id)
    assert (fourth.task.state, fourth.position) == ("queued", 1)
    assert rig.tenant().tasks.load(agent) == 3
    # done with one: the fourth is offered to them
    done = await complete_task(rig.engine, TENANT, tasks[1].id, as_agent=agent)
    assert (done.task.state, done.task.resolution) == ("completed", "done")
    assert (await task_of(rig, tasks[3].message_id)).state == "offered"
    # their call went on untouched all along
    assert rig.tenant().router.agent_status(agent) == "busy"


async def test_a_task_offer_never_keeps_a_call_from_the_agent(rig: Rig) -> None:
    q = await rig.queue(name="Members", ivr_digit="1", message_default=True)
    agent = await rig.agent({q: 3})
    task = await message(rig)
    assert task.state == "offered" and task.agent_id == agent
    call, _ = await arrive(rig.engine, TENANT, CallCreate(cti_call_id="c1", ivr_digit="1"), Identification())
    assert call.outcome == "offered" and call.call.agent_id == agent
    # ...nor does holding tasks
    await accept_task(rig.engine, TENANT, task.id, as_agent=agent)
    await accept_offer(rig.engine, TENANT, call.offer_id or uuid.uuid4())
    assert rig.tenant().router.agent_status(agent) == "busy" and rig.tenant().tasks.load(agent) == 1


async def test_an_agent_who_is_away_is_offered_no_task_until_they_are_back(rig: Rig) -> None:
    q = await rig.queue(name="Members", message_default=True)
    agent = await rig.agent({q: 3}, presence="away")
    task = await message(rig)
    assert task.state == "queued"
    await rig.agent({q: 3}, agent_id=agent)
    assert (await task_of(rig, task.message_id)).state == "offered"


async def test_a_declined_task_goes_to_a_colleague_and_never_back_to_who_declined(rig: Rig) -> None:
    q = await rig.queue(name="Members", message_default=True)
    ada = await rig.agent({q: 3})
    task = await message(rig)
    assert task.agent_id == ada
    bo = await rig.agent({q: 3})
    view = await decline_task(rig.engine, TENANT, task.id, as_agent=ada)
    assert (view.task.state, view.task.agent_id) == ("offered", bo)
    await decline_task(rig.engine, TENANT, task.id, as_agent=bo)
    assert (await task_of(rig, task.message_id)).state == "queued"
    withdrawn = [e for e in await rig.events() if e.type == tev.TaskOfferWithdrawn.name]
    assert [e.data["reason"] for e in withdrawn] == ["rejected", "rejected"]


async def test_a_task_offer_that_times_out_waits_again_and_the_agent_gets_no_more_tasks(rig: Rig) -> None:
    q = await rig.queue(name="Members", message_default=True)
    agent = await rig.agent({q: 3})
    task = await message(rig)
    assert task.state == "offered"
    rig.clock.advance(timedelta(seconds=rig.settings.task_offer_timeout_s + 1))
    await rig.engine.advance(TENANT)
    assert (await task_of(rig, task.message_id)).state == "queued"
    assert (await message(rig)).state == "queued"  # not responding on tasks
    await rig.agent({q: 3}, agent_id=agent)  # back (the agents service says so)
    assert (await task_of(rig, task.message_id)).state == "offered"


async def test_an_answered_message_completes_its_task_once(rig: Rig) -> None:
    q = await rig.queue(name="Members", message_default=True)
    agent = await rig.agent({q: 3})
    event = received(rig, channel="webform")
    await rig.deliver(event, source="members")
    task = await task_of(rig, event.message_id)
    await accept_task(rig.engine, TENANT, task.id, as_agent=agent)
    rig.clock.advance(timedelta(hours=2))
    reply = answered(event, agent, at=rig.clock.now())
    assert await rig.deliver(reply, source="members")
    assert await rig.deliver(answered(event, agent, at=rig.clock.now()), source="members")  # again: no change
    done = await task_of(rig, event.message_id)
    assert (done.state, done.resolution, done.agent_id) == ("completed", "answered", agent)
    assert rig.tenant().tasks.load(agent) == 0 and not rig.tenant().tasks.has_task(task.id)
    completed = [e for e in await rig.events() if e.type == tev.TaskCompleted.name]
    assert len(completed) == 1
    snap = completed[0].data["task"]
    assert snap["within_service_level"] is True and snap["answer_seconds"] == 7200


async def test_an_answer_to_a_task_still_offered_withdraws_the_offer_first(rig: Rig) -> None:
    q = await rig.queue(name="Members", message_default=True)
    agent = await rig.agent({q: 3})
    event = received(rig)
    await rig.deliver(event, source="members")
    await rig.deliver(answered(event, None, at=rig.clock.now()), source="members")
    task = await task_of(rig, event.message_id)
    assert (task.state, task.agent_id) == ("completed", None)
    assert task_types(await rig.events(), task.id) == [
        tev.TaskQueued.name,
        tev.TaskOffered.name,
        tev.TaskOfferWithdrawn.name,
        tev.TaskCompleted.name,
    ]
    assert rig.tenant().tasks.snapshot()["tasks"] == 0
    assert rig.tenant().tasks.waiting_count(q) == 0
    # the agent is free for the next one
    assert (await message(rig)).agent_id == agent


async def test_only_the_offered_or_holding_agent_acts_and_a_closed_task_is_a_409(rig: Rig) -> None:
    q = await rig.queue(name="Members", message_default=True)
    ada = await rig.agent({q: 3})
    bo = await rig.agent({q: 3}, presence="away")
    task = await message(rig)
    with pytest.raises(ServiceError) as refused:
        await accept_task(rig.engine, TENANT, task.id, as_agent=bo)
    assert getattr(refused.value, "error_id", None) == "not_your_offer"
    with pytest.raises(ServiceError) as not_held:
        await complete_task(rig.engine, TENANT, task.id, as_agent=ada)
    assert getattr(not_held.value, "error_id", None) == "task_not_held"
    await accept_task(rig.engine, TENANT, task.id, as_agent=ada)
    with pytest.raises(ServiceError) as theirs:
        await complete_task(rig.engine, TENANT, task.id, as_agent=bo)
    assert getattr(theirs.value, "error_id", None) == "not_your_task"
    with pytest.raises(ServiceError) as again:
        await accept_task(rig.engine, TENANT, task.id, as_agent=ada)
    assert getattr(again.value, "error_id", None) == "task_not_offered"
    with pytest.raises(ServiceError) as elsewhere:
        await get_task(rig.engine, OTHER_TENANT, task.id)
    assert getattr(elsewhere.value, "error_id", None) == "task_not_found"


@asynccontextmanager
async def restarted(rig: Rig) -> AsyncIterator[Engine]:
    """A new routing process's engine on the same database (the tenant rebuilt from its rows)."""
    db = Database(rig.settings.effective_database_url)
    try:
        yield Engine(
            db=db, settings=rig.settings, clock=rig.clock, notifier=rig.engine.notifier, registry=CollectorRegistry()
        )
    finally:
        await db.dispose()


async def test_a_restart_keeps_held_tasks_with_their_agents_and_waiting_ones_at_their_place(rig: Rig) -> None:
    q = await rig.queue(name="Members", message_default=True)
    ada = await rig.agent({q: 3})
    held = await message(rig)
    await accept_task(rig.engine, TENANT, held.id, as_agent=ada)
    offered = await message(rig)
    assert offered.state == "offered"
    waiting = []
    for _ in range(2):
        rig.clock.advance(timedelta(seconds=5))  # (messages received the same instant are ordered by id)
        waiting.append(await message(rig))
    async with restarted(rig) as newer:
        assert await newer.start() == 2
        async with newer.mutation(TENANT) as m:
            lane = m.tenant.tasks
            # the held task is still ada's; the offer in flight was void, made again to her
            assert lane.holder_of(held.id) == ada and lane.load(ada) == 1
            assert m.lane.offer_of(offered.id) is not None
            assert [lane.position(t.id) for t in waiting] == [1, 2]
    withdrawn = [e for e in await rig.events() if e.type == tev.TaskOfferWithdrawn.name]
    assert [(e.subject, e.data["reason"]) for e in withdrawn] == [(str(offered.id), "restart")]


async def test_a_failed_change_keeps_the_task_offer_in_flight(rig: Rig) -> None:
    q = await rig.queue(name="Members", message_default=True)
    ada = await rig.agent({q: 3})
    task = await message(rig)
    offer = await get_task(rig.engine, TENANT, task.id)
    with pytest.raises(RuntimeError):
        async with rig.engine.mutation(TENANT) as m:
            m.touch()
            raise RuntimeError("the database went away")
    again = await get_task(rig.engine, TENANT, task.id)
    assert again.offer_id == offer.offer_id and again.task.agent_id == ada
    await accept_task(rig.engine, TENANT, task.id, as_agent=ada)


async def test_a_fenced_process_makes_no_task_and_leaves_the_message_for_the_newer_one(rig: Rig) -> None:
    await rig.queue(name="Members", message_default=True)
    rig.engine.on_fenced = lambda: None
    event = received(rig)
    async with rig.db.snapshot() as session:
        rows = await session.scalar(select(func.count()).select_from(outbox))
    async with restarted(rig) as newer:
        await newer.start()
        with pytest.raises(ShardFenced):
            await rig.deliver(event, source="members")
        async with rig.db.snapshot() as session:
            assert await session.scalar(select(func.count()).select_from(Task)) == 0
            assert await session.scalar(select(func.count()).select_from(outbox)) == rows


async def test_calls_are_counted_as_before_and_tasks_by_channel(rig: Rig) -> None:
    q = await rig.queue(name="Members", ivr_digit="1", message_default=True, task_service_level_seconds=3600)
    agent = await rig.agent({q: 3})
    before = await kpi_report(
        rig.engine, TENANT, now=rig.clock.now(), start=None, end=None, queue_id=None, group_by="queue"
    )
    call, _ = await arrive(rig.engine, TENANT, CallCreate(cti_call_id="c1", ivr_digit="1"), Identification())
    await accept_offer(rig.engine, TENANT, call.offer_id or uuid.uuid4())
    rig.clock.advance(timedelta(seconds=1))  # the report's period ends before now
    only_calls = await kpi_report(
        rig.engine, TENANT, now=rig.clock.now(), start=None, end=None, queue_id=None, group_by="queue"
    )
    email = await message(rig)
    await accept_task(rig.engine, TENANT, email.id, as_agent=agent)
    late = await message(rig, channel="webform")
    rig.clock.advance(timedelta(hours=2))
    await complete_task(rig.engine, TENANT, email.id, as_agent=agent)
    report = await kpi_report(
        rig.engine, TENANT, now=rig.clock.now(), start=None, end=None, queue_id=None, group_by="queue"
    )
    # the calls' figures are what they were without the tasks
    assert (
        report.total == only_calls.total and report.rows == only_calls.rows and before.channels["email"].received == 0
    )
    assert report.total.offered == 1 and report.total.answered == 1
    e, w = report.channels["email"], report.channels["webform"]
    assert (e.received, e.completed, e.completed_within_target, e.service_level) == (1, 1, 0, 0.0)
    assert e.mean_answer_seconds == 7200 and e.mean_held_seconds == 7200 and e.mean_pickup_seconds == 0
    assert (w.received, w.open, w.open_past_target, w.service_level_incl_open) == (1, 1, 1, 0.0)
    assert {(r.channel, r.queue_id) for r in report.channel_rows} == {("email", q), ("webform", q)}
    assert late.state == "offered"  # holding one task, the agent had room for the next
