"""Tasks: members' emails and web-form messages in the queues, routed with the calls' core.

queued -> offered -> accepted -> completed (the reply queued: `answered`; or closed by the agent:
`done`); a task waits again after a declined or expired offer. Every change runs in one
`Engine.mutation` like the calls' (the lock, the shard's fencing check, one transaction).

Which queue takes a message (`choose_queue`), among the tenant's active queues:
1. the queue whose `message_mailboxes` names the message's mailbox (case-insensitive);
2. else the queue whose `message_reasons` names its reason;
3. else the queue marked `message_default`;
4. else the switchboard queue;
5. else the first queue by IVR digit, then name (the order `GET /v1/queues` lists them).
A tenant with no active queue at all keeps the task `unrouted` (nobody is offered it).
A mailbox, a reason and `message_default` each lead to at most one active queue (409 otherwise).
"""

from __future__ import annotations

import uuid
from datetime import UTC

from sqlalchemy import select
from sqlmodel import col

from frontdoor_common.errors import Conflict, NotFound
from frontdoor_common.events import tasks as tev
from frontdoor_common.events.members import MessageAnswered, MessageReceived
from frontdoor_routing.auth import not_holder
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.engine.mutation import Mutation
from frontdoor_routing.engine.tenant import TaskOfferInfo
from frontdoor_routing.models import Queue
from frontdoor_routing.tasks.models import LIVE_TASK_STATES, Task
from frontdoor_routing.tasks.notifier import task_event, task_snapshot
from frontdoor_routing.tasks.schemas import TaskList, TaskStateFilter, TaskView

DEFAULT_TASK_SERVICE_LEVEL_SECONDS = 86_400


def choose_queue(queues: list[Queue], mailbox: str | None, reason: str | None) -> Queue | None:
    """The queue that takes a message (the rules are in the module's docstring)."""
    active = sorted((q for q in queues if q.active), key=lambda q: (q.ivr_digit or "~", q.name, str(q.id)))
    if mailbox:
        wanted = mailbox.casefold()
        found = next((q for q in active if wanted in (b.casefold() for b in q.message_mailboxes)), None)
        if found is not None:
            return found
    if reason:
        found = next((q for q in active if reason in q.message_reasons), None)
        if found is not None:
            return found
    for rule in (lambda q: q.message_default, lambda q: q.is_switchboard, lambda q: True):
        found = next((q for q in active if rule(q)), None)
        if found is not None:
            return found
    return None


def view_of(m: Mutation, task: Task) -> TaskView:
    """The API view: snapshot, place in its queue, live offer."""
    info = m.lane.offer_of(task.id) if task.state == "offered" else None
    return TaskView(
        task=task_snapshot(task),
        position=m.tenant.tasks.position(task.id) if task.state == "queued" else None,
        offer_id=info.offer_id if info else None,
    )


async def _by_message(m: Mutation, message_id: uuid.UUID) -> Task | None:
    return await m.first(select(Task).where(col(Task.tenant_id) == m.tenant_id, col(Task.message_id) == message_id))


async def receive_message(m: Mutation, event: MessageReceived) -> Task:
    """A message arrived: one task per message (a second event for the same message changes nothing)."""
    existing = await _by_message(m, event.message_id)
    if existing is not None:
        return existing
    queue = choose_queue(m.queues(), event.mailbox, event.reason)
    # Never later than now (a sender's clock ahead of ours must not make negative answer times).
    at = event.received_at if event.received_at.tzinfo is not None else event.received_at.replace(tzinfo=UTC)
    received_at = min(at, m.at)
    m.touch()
    task = Task(
        tenant_id=m.tenant_id,
        message_id=event.message_id,
        channel=event.channel,
        member_id=event.member_id,
        department_id=event.department_id,
        reason=event.reason,
        mailbox=event.mailbox,
        queue_id=queue.id if queue else None,
        state="queued" if queue else "unrouted",
        received_at=received_at,
        queued_at=m.at if queue else None,
        service_level_seconds=queue.task_service_level_seconds if queue else DEFAULT_TASK_SERVICE_LEVEL_SECONDS,
        updated_at=m.at,
    )
    await m.insert(task)
    m.emit(task_event(tev.TaskQueued if queue else tev.TaskUnrouted, task))
    if queue is not None:
        await m.lane.apply(m.tenant.tasks.enqueue(task.id, queue.id, m.now, arrived_at=received_at.timestamp()))
    return task


async def route_unrouted(m: Mutation) -> None:
    """A queue was saved: the tenant's unrouted tasks go to the queue the rules now choose, oldest first."""
    waiting = await m.all(
        select(Task)
        .where(col(Task.tenant_id) == m.tenant_id, col(Task.state) == "unrouted")
        .order_by(col(Task.received_at), col(Task.id))
    )
    for task in waiting:
        queue = choose_queue(m.queues(), task.mailbox, task.reason)
        if queue is None:
            return
        m.touch()
        task.queue_id, task.state, task.queued_at, task.updated_at = queue.id, "queued", m.at, m.at
        task.service_level_seconds = queue.task_service_level_seconds
        m.emit(task_event(tev.TaskQueued, task))
        await m.lane.apply(m.tenant.tasks.enqueue(task.id, queue.id, m.now, arrived_at=task.received_at.timestamp()))


async def _complete(m: Mutation, task: Task, resolution: str, agent_id: uuid.UUID | None) -> None:
    m.touch()
    decisions = m.tenant.tasks.remove_task(task.id, m.now)
    task.state = "completed"
    task.resolution = resolution
    task.completed_at = m.at
    if task.accepted_at is None:
        task.agent_id = agent_id  # answered without being taken here: whoever members names (or nobody)
    task.updated_at = m.at
    # The withdrawal of an offer in flight (if any) is published before the completion.
    await m.lane.apply(decisions)
    m.emit(task_event(tev.TaskCompleted, task))


async def message_answered(m: Mutation, event: MessageAnswered) -> None:
    """The reply was queued: the task ends if still open (again: nothing changes)."""
    task = await _by_message(m, event.message_id)
    if task is None or task.state not in (*LIVE_TASK_STATES, "unrouted"):
        return
    await _complete(m, task, "answered", event.agent_id)


async def _tenant_task(m: Mutation, task_id: uuid.UUID) -> Task:
    task = await m.get(Task, task_id)
    if task is None or task.tenant_id != m.tenant_id:
        raise NotFound("No such task.", error_id="task_not_found")
    return task


def _open_offer(m: Mutation, task: Task, as_agent: uuid.UUID | None) -> TaskOfferInfo:
    info = m.lane.offer_of(task.id) if task.state == "offered" else None
    if info is None:
        raise Conflict(f"The task is not offered (it is {task.state}).", error_id="task_not_offered")
    if as_agent is not None and as_agent != info.agent_id:
        raise not_holder("offer")
    return info


async def accept_task(engine: Engine, tenant_id: str, task_id: uuid.UUID, *, as_agent: uuid.UUID | None) -> TaskView:
    """The agent takes the task offered to them: it is theirs until completed."""
    async with engine.mutation(tenant_id) as m:
        task = await _tenant_task(m, task_id)
        info = _open_offer(m, task, as_agent)
        m.touch()
        m.tenant.drop_task_offer(info.core_id, "accepted")
        _task_id, decisions = m.tenant.tasks.accept(info.core_id, m.now)
        task.state = "accepted"
        task.accepted_at = m.at
        task.agent_id = info.agent_id
        task.updated_at = m.at
        m.emit(task_event(tev.TaskAccepted, task))
        await m.lane.apply(decisions)  # with room left, the agent may be offered the next task
        return view_of(m, task)


async def decline_task(engine: Engine, tenant_id: str, task_id: uuid.UUID, *, as_agent: uuid.UUID | None) -> TaskView:
    """The agent declines the task offered to them: it waits again, never offered to them again."""
    async with engine.mutation(tenant_id) as m:
        task = await _tenant_task(m, task_id)
        info = _open_offer(m, task, as_agent)
        m.touch()
        await m.lane.apply(m.tenant.tasks.reject(info.core_id, m.now))
        return view_of(m, task)


async def complete_task(engine: Engine, tenant_id: str, task_id: uuid.UUID, *, as_agent: uuid.UUID | None) -> TaskView:
    """The agent closes a task they hold (replied elsewhere, or nothing to answer): `done`."""
    async with engine.mutation(tenant_id) as m:
        task = await _tenant_task(m, task_id)
        if task.state != "accepted":
            raise Conflict(f"Only an accepted task can be completed (it is {task.state}).", error_id="task_not_held")
        if as_agent is not None and as_agent != task.agent_id:
            raise not_holder("task")
        await _complete(m, task, "done", task.agent_id)
        return view_of(m, task)


async def get_task(engine: Engine, tenant_id: str, task_id: uuid.UUID) -> TaskView:
    """One task of the tenant."""
    async with engine.reading(tenant_id) as m:
        return view_of(m, await _tenant_task(m, task_id))


async def list_tasks(
    engine: Engine,
    tenant_id: str,
    *,
    state: TaskStateFilter | None,
    queue_id: uuid.UUID | None,
    agent_id: uuid.UUID | None,
    limit: int,
) -> TaskList:
    """The tenant's tasks, oldest first (`open`: queued, offered or accepted)."""
    async with engine.reading(tenant_id) as m:
        query = select(Task).where(col(Task.tenant_id) == tenant_id)
        if state == "open":
            query = query.where(col(Task.state).in_(LIVE_TASK_STATES))
        elif state is not None:
            query = query.where(col(Task.state) == state)
        if queue_id is not None:
            query = query.where(col(Task.queue_id) == queue_id)
        if agent_id is not None:
            query = query.where(col(Task.agent_id) == agent_id)
        rows = await m.all(query.order_by(col(Task.received_at), col(Task.id)).limit(limit))
        return TaskList(items=[view_of(m, t) for t in rows])
