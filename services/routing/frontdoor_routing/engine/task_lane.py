"""The task lane of one change: the core's task decisions become task rows, events and notes.

Part of a `Mutation` (it runs in the same lock and transaction, its events go to the same
outbox statement, its notes reach the agents' streams after the same commit). Task offers
travel on the agent's offer stream as `task_offer` and `task_withdrawn` (never `offer`, which
desks read as a ringing call), each with its `channel`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events import routing as ev
from frontdoor_common.events import tasks as tev
from frontdoor_routing.core.tasks import TaskDecision, TaskOffer, TaskRouter, TaskWithdrawn
from frontdoor_routing.engine.offer_hub import Message, Note
from frontdoor_routing.engine.tenant import TaskOfferInfo, TenantState, as_uuid, dt
from frontdoor_routing.tasks.models import Task
from frontdoor_routing.tasks.notifier import task_event, task_snapshot


def task_offer_message(info: TaskOfferInfo, task: Task | None) -> Message:
    """The `task_offer` message of an agent's stream."""
    snap = task_snapshot(task) if task is not None else None
    return {
        "event": "task_offer",
        "data": {
            "offer_id": str(info.offer_id),
            "task_id": str(info.task_id),
            "channel": snap.channel if snap is not None else None,
            "agent_id": str(info.agent_id),
            "queue_id": str(info.queue_id),
            "expires_at": dt(info.expires_at).isoformat(),
            "task": snap.model_dump(mode="json") if snap is not None else None,
        },
    }


def task_withdrawn_message(info: TaskOfferInfo, channel: str | None, reason: str) -> Message:
    """The `task_withdrawn` message of an agent's stream."""
    return {
        "event": "task_withdrawn",
        "data": {"offer_id": str(info.offer_id), "task_id": str(info.task_id), "channel": channel, "reason": reason},
    }


class TaskLane:
    """Task decisions of one change, written into its transaction."""

    def __init__(
        self,
        session: AsyncSession,
        tenant: TenantState,
        now: float,
        emit: Callable[[ev.RoutingEvent], None],
        notes: list[Note],
    ) -> None:
        self.session = session
        self.tenant = tenant
        self.core: TaskRouter = tenant.tasks
        self.now = now
        self.emit = emit
        self.notes = notes

    @property
    def at(self) -> datetime:
        """`now` as a datetime."""
        return dt(self.now)

    async def task(self, task_id: uuid.UUID) -> Task:
        """The task row (locked for this transaction where the database supports it)."""
        row = await self.session.get(Task, task_id)
        if row is None:
            raise LookupError(task_id)
        return row

    def offer_of(self, task_id: uuid.UUID) -> TaskOfferInfo | None:
        """The task offer in flight for a task."""
        core_id = self.core.offer_of(task_id)
        return self.tenant.task_offers.get(core_id) if core_id is not None else None

    def offers_to(self, agent_id: uuid.UUID) -> list[TaskOfferInfo]:
        """The task offers in flight to an agent."""
        return [info for info in self.tenant.task_offers.values() if info.agent_id == agent_id]

    async def apply(self, decisions: Sequence[TaskDecision]) -> None:
        """Persist the task lane's decisions: task rows, events, notes."""
        for d in decisions:
            if isinstance(d, TaskOffer):
                await self._offer(d)
            elif isinstance(d, TaskWithdrawn):
                await self._withdrawn(d)

    def hold_offer(self, info: TaskOfferInfo) -> None:
        """Keep a task offer in flight (its API id under the core's id)."""
        self.tenant.task_offers[info.core_id] = info
        self.tenant.closed_offers.pop(info.offer_id, None)

    async def _offer(self, d: TaskOffer) -> None:
        task = await self.task(as_uuid(d.task_id))
        info = TaskOfferInfo(uuid.uuid4(), d.offer_id, task.id, as_uuid(d.agent_id), as_uuid(d.queue_id), d.expires_at)
        self.tenant.task_offers[info.core_id] = info
        task.state = "offered"
        task.offered_at = self.at
        task.agent_id = info.agent_id
        task.updated_at = self.at
        self.emit(
            task_event(
                tev.TaskOffered, task, offer_id=info.offer_id, agent_id=info.agent_id, expires_at=dt(d.expires_at)
            )
        )
        self.notes.append((info.agent_id, task_offer_message(info, task)))

    async def _withdrawn(self, d: TaskWithdrawn) -> None:
        info = self.tenant.drop_task_offer(d.offer_id, d.reason)
        if info is None:
            return
        task = await self.task(info.task_id)
        if self.core.has_task(task.id) and task.state == "offered" and self.core.offer_of(task.id) is None:
            task.state = "queued"
            task.agent_id = None
        task.updated_at = self.at
        self.emit(
            task_event(tev.TaskOfferWithdrawn, task, offer_id=info.offer_id, agent_id=info.agent_id, reason=d.reason)
        )
        self.notes.append((info.agent_id, task_withdrawn_message(info, task.channel, d.reason)))
