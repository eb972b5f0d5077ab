"""A tenant rebuilt from the database: queues, agents, waiting and busy calls, offers.

Used when a tenant is first used in this process (a restart included) and after a failed
change. Waiting calls keep their place and arrival time; an offer in flight when routing
stopped is withdrawn (reason `restart`) and its call waits again; calls on the phone keep
their agents busy. After a failed change (`kept` offers), the offers it found stand again,
same ids and deadlines.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_common.events import routing as ev
from frontdoor_common.events import tasks as tev
from frontdoor_common.logging import get_logger
from frontdoor_routing.engine.mutation import Mutation
from frontdoor_routing.engine.offer_hub import Note
from frontdoor_routing.engine.tenant import (
    DEFAULT_COUNTRY,
    OfferInfo,
    TaskOfferInfo,
    TenantState,
    as_uuid,
    detached,
    offerable,
    queue_rules,
    task_queue_rules,
    ts,
)
from frontdoor_routing.models import AgentView, Call, Queue, TenantOpening, TenantReasons, TenantSettings
from frontdoor_routing.notifier import RoutingNotifier
from frontdoor_routing.tasks.models import LIVE_TASK_STATES, Task
from frontdoor_routing.tasks.notifier import task_event

log = get_logger(__name__)

# The calls a tenant's core holds: waiting, offered, and on the phone (their agents are busy).
LIVE_STATES = ("queued", "offered", "answered", "wrap_up")


async def fill(
    session: AsyncSession,
    tenant: TenantState,
    now: float,
    notifier: RoutingNotifier,
    kept: dict[uuid.UUID, OfferInfo] | None = None,
    kept_tasks: dict[uuid.UUID, TaskOfferInfo] | None = None,
) -> list[Note]:
    """Fill an empty tenant (a new `Router`) from the database; returns the notes for agents' streams.

    The withdrawals and offers it makes are written in `session` (the caller commits).
    """
    kept = kept or {}
    tenant_id = tenant.tenant_id
    for q in (await session.execute(select(Queue).where(col(Queue.tenant_id) == tenant_id))).scalars():
        tenant.queues[q.id] = detached(q)
        tenant.router.set_queue(queue_rules(q))
        tenant.tasks.set_queue(task_queue_rules(q, tenant.task_offer_timeout))
    opening = await session.get(TenantOpening, tenant_id)
    tenant.open = opening.open if opening else True
    if opening is not None:
        tenant.open_reason, tenant.next_change_at = opening.reason, opening.next_change_at
    zone = await session.get(TenantSettings, tenant_id)
    if zone is not None:
        tenant.timezone, tenant.country = zone.timezone, zone.country or DEFAULT_COUNTRY
    reasons = await session.get(TenantReasons, tenant_id)
    if reasons is not None:
        tenant.reasons = tuple(reasons.reasons)
    views = list((await session.execute(select(AgentView).where(col(AgentView.tenant_id) == tenant_id))).scalars())
    for view in views:
        agent = tenant.learn_agent(view)
        tenant.router.set_agent(view.agent_id, agent.memberships(), False, now)
        tenant.tasks.set_agent(view.agent_id, agent.memberships(), False, now)
    calls = (
        await session.execute(
            select(Call)
            .where(col(Call.tenant_id) == tenant_id, col(Call.state).in_(LIVE_STATES))
            .order_by(col(Call.entered_queue_at))
        )
    ).scalars()
    m = Mutation(session, tenant, now, notifier)
    restore: list[tuple[Call, OfferInfo]] = []
    for call in calls:
        busy = call.agent_id
        if call.state in ("answered", "wrap_up") and busy is not None and busy in tenant.agents:
            tenant.router.occupy(busy, call.id)
            if call.state == "wrap_up":
                queue = m.queue(call.queue_id)
                remaining = (queue.wrapup_seconds if queue else 0) - (now - ts(call.talk_ended_at or call.arrived_at))
                await m.finish(busy, max(0.0, remaining))
            continue
        held = kept.get(call.id)
        queue_id = call.queue_id if call.queue_id in tenant.queues else None
        entered = ts(call.entered_queue_at or call.arrived_at)
        if (
            call.state == "offered"
            and held is not None
            and held.agent_id == call.agent_id
            and queue_id is not None
            and held.agent_id in tenant.agents
        ):
            # A failed change is undone: the offer it found stands, same id, same deadline.
            await m.enqueue(call, queue_id, entered_at=entered)
            restore.append((call, held))
            continue
        if call.state == "offered":
            # An offer in flight when routing stopped is void: the agent never got to
            # accept it here. The call keeps its place; the withdrawal is published.
            call.state = "queued"
            m.publish(
                ev.OfferWithdrawn,
                call,
                offer_id=uuid.uuid4(),
                agent_id=call.agent_id or uuid.UUID(int=0),
                reason="restart",
            )
            call.agent_id = None
        if queue_id is not None:
            await m.enqueue(call, queue_id, entered_at=entered)
    for call, held in restore:
        offer = tenant.router.restore_offer(call.id, held.agent_id, held.queue_id, held.expires_at, now)
        if offer is None:  # cannot stand (should not happen): the call waits, the agent is told
            call.state, call.agent_id = "queued", None
            m.publish(ev.OfferWithdrawn, call, offer_id=held.offer_id, agent_id=held.agent_id, reason="restart")
            continue
        info = OfferInfo(
            held.offer_id, offer.offer_id, call.id, held.agent_id, as_uuid(offer.queue_id), offer.expires_at
        )
        tenant.add_offer(info)
        tenant.closed_offers.pop(info.offer_id, None)
    await _fill_tasks(m, tenant, now, kept_tasks or {})
    for view in views:
        await m.apply(
            tenant.router.set_agent(view.agent_id, tenant.agents[view.agent_id].memberships(), offerable(view), now)
        )
        await m.lane.apply(
            tenant.tasks.set_agent(view.agent_id, tenant.agents[view.agent_id].memberships(), offerable(view), now)
        )
    await m.flush_events()
    counts = tenant.router.snapshot()
    log.info(
        "tenant loaded",
        tenant=tenant_id,
        queues=len(tenant.queues),
        agents=len(views),
        calls=counts["calls"],
        offers=counts["offers"],
        tasks=tenant.tasks.snapshot()["tasks"],
    )
    return m.notes


async def _fill_tasks(m: Mutation, tenant: TenantState, now: float, kept: dict[uuid.UUID, TaskOfferInfo]) -> None:
    """The live tasks into the task lane: held ones stay with their agents, waiting ones keep their place.

    A task offer in flight when routing stopped is withdrawn (reason `restart`) and the task waits
    again; after a failed change (`kept`), the task offers it found stand again, same ids and deadlines.
    """
    tasks = (
        await m.session.execute(
            select(Task)
            .where(col(Task.tenant_id) == tenant.tenant_id, col(Task.state).in_(LIVE_TASK_STATES))
            .order_by(col(Task.received_at), col(Task.id))
        )
    ).scalars()
    restore: list[tuple[Task, TaskOfferInfo]] = []
    for task in tasks:
        queue_id = task.queue_id if task.queue_id in tenant.queues else None
        if task.state == "accepted" and task.agent_id in tenant.agents and queue_id is not None:
            tenant.tasks.hold(task.agent_id, task.id, queue_id, ts(task.received_at))
            continue
        held = kept.get(task.id)
        if task.state == "offered" and held is not None and held.agent_id == task.agent_id and queue_id is not None:
            restore.append((task, held))
        elif task.state in ("offered", "accepted"):
            # Void: the offer's agent never got to accept it here (or the holder is gone).
            if task.state == "offered":
                m.emit(
                    task_event(
                        tev.TaskOfferWithdrawn,
                        task,
                        offer_id=uuid.uuid4(),
                        agent_id=task.agent_id or uuid.UUID(int=0),
                        reason="restart",
                    )
                )
            task.state, task.agent_id, task.updated_at = "queued", None, m.at
        if queue_id is not None:
            await m.lane.apply(tenant.tasks.enqueue(task.id, queue_id, now, arrived_at=ts(task.received_at)))
    for task, held in restore:
        offer = tenant.tasks.restore_offer(task.id, held.agent_id, held.queue_id, held.expires_at, now)
        if offer is None:
            task.state, task.agent_id = "queued", None
            m.emit(
                task_event(
                    tev.TaskOfferWithdrawn, task, offer_id=held.offer_id, agent_id=held.agent_id, reason="restart"
                )
            )
            continue
        m.lane.hold_offer(
            TaskOfferInfo(
                held.offer_id, offer.offer_id, task.id, held.agent_id, as_uuid(offer.queue_id), offer.expires_at
            )
        )
