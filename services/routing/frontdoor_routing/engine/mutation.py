"""One change to a tenant's routing state: the core's decisions become rows, events and notes.

A `Mutation` lives inside the engine's lock and one database transaction (or, for a
lock-free read, a snapshot session where nothing is committed). Callers say what they want
(`enqueue`, `finish`, `accept`, `set_queue` ...); the mutation drives the core, writes what
it decided (call rows, events staged for the outbox) and collects the notes for agents'
streams, which the engine delivers after the commit. Anything that moves the core or the
tenant's tables marks the mutation `touched`: if it then fails, the engine rebuilds the
tenant from the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from frontdoor_common.events import routing as ev
from frontdoor_routing.core.model import Decision, MaxWaitReached, Offer, Withdrawn, WrapUpEnded
from frontdoor_routing.engine.offer_hub import Note, offer_message, withdrawn_message
from frontdoor_routing.engine.task_lane import TaskLane
from frontdoor_routing.engine.tenant import (
    DEFAULT_COUNTRY,
    AgentInfo,
    Memory,
    OfferInfo,
    TenantState,
    as_uuid,
    detached,
    dt,
    offerable,
    queue_rules,
    task_queue_rules,
    ts,
)
from frontdoor_routing.models import AgentView, Call, Queue
from frontdoor_routing.notifier import CallEventT, RoutingNotifier, call_snapshot

RowT = TypeVar("RowT")
T = TypeVar("T")


class Mutation:
    """One locked, transactional change to a tenant's routing state."""

    def __init__(self, session: AsyncSession, tenant: TenantState, now: float, notifier: RoutingNotifier) -> None:
        self.session = session
        self.tenant = tenant
        self.now = now
        self.notifier = notifier
        self.router = tenant.router
        self.notes: list[Note] = []
        self.events: list[ev.RoutingEvent] = []
        self.touched = False  # the core or the tenant's state moved: a failure must rebuild it
        self.loaded = False  # the tenant was loaded in this transaction
        self.memory: Memory | None = None  # the tenant's in-memory-only state before this change
        self.lane = TaskLane(session, tenant, now, self.emit, self.notes)  # the task channel

    @property
    def at(self) -> datetime:
        """`now` as a datetime."""
        return dt(self.now)

    @property
    def tenant_id(self) -> str:
        """The tenant being changed."""
        return self.tenant.tenant_id

    def touch(self) -> None:
        """The tenant's in-memory state is about to change (a failure rebuilds it)."""
        self.touched = True

    # ------------------------------------------------------------ the rows
    async def get(self, model: type[RowT], key: Any) -> RowT | None:
        """A row by primary key (locked for this transaction where the database supports it)."""
        return await self.session.get(model, key)

    def add(self, row: object) -> None:
        """Add a new row to this change (written at the next flush, at the latest at the commit)."""
        self.session.add(row)

    async def flush(self) -> None:
        """Write the changed rows now (inside the transaction)."""
        await self.session.flush()

    async def insert(self, row: object) -> None:
        """Insert a row now (its defaults and id are set when this returns)."""
        self.session.add(row)
        await self.session.flush()

    async def first(self, statement: Select[tuple[T]]) -> T | None:
        """The first value a query returns, or None."""
        result: T | None = await self.session.scalar(statement)
        return result

    async def all(self, statement: Select[tuple[T]]) -> list[T]:
        """Every value a query returns."""
        return list((await self.session.execute(statement)).scalars())

    async def call(self, call_id: Any) -> Call:
        """The call row (locked for this transaction where the database supports it)."""
        row = await self.session.get(Call, call_id)
        if row is None:
            raise LookupError(call_id)
        return row

    # ------------------------------------------------------------ events
    def emit(self, event: ev.RoutingEvent) -> None:
        """Stage an event; all go to the outbox in one statement at the end."""
        self.events.append(event)

    def publish(self, kind: type[CallEventT], call: Call, **fields: Any) -> None:
        """Stage a call event of `kind` with the call's snapshot as of now."""
        self.emit(self.notifier.call_event(kind, call, **fields))

    async def flush_events(self) -> None:
        """Write the staged events into this transaction's outbox."""
        events, self.events = self.events, []
        await self.notifier.publish_all(self.session, events, tenant=self.tenant_id)

    # ------------------------------------------------------------ the tenant
    def queue(self, queue_id: uuid.UUID | None) -> Queue | None:
        """One of the tenant's queues (as held in memory)."""
        return self.tenant.queues.get(queue_id) if queue_id is not None else None

    def opening(self, q: Queue) -> tuple[bool, str | None, datetime | None]:
        """(open now, why closed, when it next opens): the tenant's and the queue's openings together."""
        return self.tenant.opening(q)

    def staffed(self, queue_id: uuid.UUID) -> int:
        """Agents logged in to the queue."""
        return self.tenant.staffed(queue_id)

    def queues(self) -> list[Queue]:
        """The tenant's queues (as held in memory)."""
        return list(self.tenant.queues.values())

    def wrapup_of(self, queue_id: uuid.UUID | None) -> float:
        """The wrap-up seconds of a call that leaves `queue_id`."""
        queue = self.queue(queue_id)
        return float(queue.wrapup_seconds) if queue else 0.0

    def set_queue(self, q: Queue) -> None:
        """A queue's settings changed: keep a copy, tell the core."""
        self.touch()
        self.tenant.queues[q.id] = detached(q)
        self.router.set_queue(queue_rules(q))
        self.tenant.tasks.set_queue(task_queue_rules(q, self.tenant.task_offer_timeout))

    def keep_queue(self, q: Queue) -> None:
        """A queue row changed in what only routing reads (its opening): keep a copy."""
        self.touch()
        self.tenant.queues[q.id] = detached(q)

    async def set_agent(self, view: AgentView) -> None:
        """An agent's replica row changed: the tenant's tables and the core follow it."""
        self.touch()
        info = self.tenant.learn_agent(view)
        await self.apply(self.router.set_agent(view.agent_id, info.memberships(), offerable(view), self.now))
        # The task channel learns the same facts; its decisions never wait for the call channel's.
        await self.lane.apply(self.tenant.tasks.set_agent(view.agent_id, info.memberships(), offerable(view), self.now))

    def set_opening(self, is_open: bool, reason: str | None, next_change_at: datetime | None) -> None:
        """The whole tenant opened or closed."""
        self.touch()
        self.tenant.open, self.tenant.open_reason, self.tenant.next_change_at = is_open, reason, next_change_at

    def set_zone(self, timezone: str, country: str | None) -> None:
        """The tenant's time zone and country (the default country when it has none)."""
        self.touch()
        self.tenant.timezone, self.tenant.country = timezone, country or DEFAULT_COUNTRY

    def set_reasons(self, reasons: list[str]) -> None:
        """The tenant's contact reasons (the whole list)."""
        self.touch()
        self.tenant.reasons = tuple(reasons)

    def zone(self) -> ZoneInfo:
        """The tenant's time zone (its days and hours)."""
        return self.tenant.zone()

    @property
    def country(self) -> str:
        """The tenant's country (the default region of caller numbers)."""
        return self.tenant.country

    def members(self, queue_id: uuid.UUID) -> list[tuple[uuid.UUID, AgentInfo | None, str | None]]:
        """The queue's agents: (id, what routing knows of them, their status in the core)."""
        out = []
        for member in self.router.agents_in(queue_id):
            agent_id = as_uuid(member)
            out.append((agent_id, self.tenant.agents.get(agent_id), self.router.agent_status(agent_id)))
        return out

    def waiting_count(self, queue_id: uuid.UUID) -> int:
        """Calls waiting in the queue now."""
        return self.router.waiting_count(queue_id)

    def knows_agent(self, agent_id: uuid.UUID) -> bool:
        """Whether the tenant has this agent."""
        return agent_id in self.tenant.agents

    def team_of(self, agent_id: uuid.UUID) -> uuid.UUID | None:
        """The agent's team, if routing knows it."""
        agent = self.tenant.agents.get(agent_id)
        return agent.team_id if agent else None

    # ------------------------------------------------------------ the core
    async def enqueue(
        self,
        call: Call,
        queue_id: uuid.UUID,
        *,
        arrived_at: float | None = None,
        preferred: uuid.UUID | None = None,
        preference_window: float | None = None,
        entered_at: float | None = None,
        offer_to: uuid.UUID | None = None,
    ) -> None:
        """The call waits in `queue_id` (its place from its arrival) and is offered when it can be.

        `entered_at` is when it entered the queue, if before now (a tenant loaded again);
        `offer_to` a colleague it was transferred to (offered to them first)."""
        await self.apply(
            self.router.enqueue(
                call.id,
                queue_id,
                self.now,
                arrived_at=arrived_at if arrived_at is not None else ts(call.arrived_at),
                priority=call.priority,
                preferred_agent=preferred,
                preference_window=preference_window,
                entered_at=entered_at,
                offer_to=offer_to,
            )
        )

    async def finish(self, agent_id: uuid.UUID, wrapup: float) -> None:
        """The agent's conversation ended: wrap-up, then they can take calls again."""
        await self.apply(self.router.finish(agent_id, self.now, wrapup))

    def remove_call(self, call_id: uuid.UUID) -> list[Decision]:
        """Take the call out of the core; the decisions are applied by the caller once the row says why."""
        self.touch()
        return self.router.remove_call(call_id, self.now)

    async def advance(self) -> None:
        """Apply the core's timers that are due (both channels)."""
        await self.apply(self.router.advance(self.now))
        await self.lane.apply(self.tenant.tasks.advance(self.now))

    def open_offer(self, offer_id: uuid.UUID) -> OfferInfo | None:
        """An offer in flight by its API id."""
        core_id = self.tenant.offers_by_uuid.get(offer_id)
        return self.tenant.offers.get(core_id) if core_id is not None else None

    def closed_offer(self, offer_id: uuid.UUID) -> str | None:
        """Why a recent offer ended (accepted, rejected, timeout ...), or None if unknown."""
        return self.tenant.closed_offers.get(offer_id)

    def offer_of(self, call_id: uuid.UUID) -> OfferInfo | None:
        """The offer in flight for a call."""
        core_id = self.router.offer_of(call_id)
        return self.tenant.offers.get(core_id) if core_id is not None else None

    def offers_to(self, agent_id: uuid.UUID) -> list[OfferInfo]:
        """The offers in flight to an agent."""
        return [info for info in self.tenant.offers.values() if info.agent_id == agent_id]

    def accept(self, offer: OfferInfo) -> None:
        """The offer is taken: the core makes the agent busy with the call."""
        self.touch()
        self.tenant.drop_offer(offer.core_id, "accepted")
        self.router.accept(offer.core_id, self.now)

    async def reject(self, offer: OfferInfo) -> None:
        """The agent declines: the call waits again."""
        await self.apply(self.router.reject(offer.core_id, self.now))

    def position(self, call_id: uuid.UUID) -> int | None:
        """The call's place in its queue (1 first), None when not waiting."""
        return self.router.position(call_id)

    # ------------------------------------------------------------ decisions
    async def apply(self, decisions: Sequence[Decision]) -> None:
        """Persist the core's decisions: call rows, events, notifications."""
        self.touch()
        for d in decisions:
            if isinstance(d, Offer):
                await self._offer(d)
            elif isinstance(d, Withdrawn):
                await self._withdrawn(d)
            elif isinstance(d, WrapUpEnded):
                await self._wrapup_ended(d)
            elif isinstance(d, MaxWaitReached):
                await self._max_wait(d)

    async def _offer(self, d: Offer) -> None:
        call = await self.call(d.call_id)
        info = OfferInfo(uuid.uuid4(), d.offer_id, call.id, as_uuid(d.agent_id), as_uuid(d.queue_id), d.expires_at)
        self.tenant.add_offer(info)
        call.state = "offered"
        call.offered_at = self.at
        call.agent_id = info.agent_id
        call.updated_at = self.at
        snap = call_snapshot(call)
        self.emit(
            ev.CallOffered(call=snap, offer_id=info.offer_id, agent_id=info.agent_id, expires_at=dt(d.expires_at))
        )
        self.notes.append((info.agent_id, offer_message(info, snap)))

    async def _withdrawn(self, d: Withdrawn) -> None:
        info = self.tenant.drop_offer(d.offer_id, d.reason)
        if info is None:
            return
        call = await self.call(d.call_id)
        if self.router.has_call(call.id) and call.state == "offered":
            call.state = "queued"
            call.agent_id = None
        call.updated_at = self.at
        self.publish(ev.OfferWithdrawn, call, offer_id=info.offer_id, agent_id=info.agent_id, reason=d.reason)
        if d.reason == "timeout":
            agent = self.tenant.agents.setdefault(info.agent_id, AgentInfo())
            agent.not_responding_since = self.at
            view = await self.session.get(AgentView, info.agent_id)
            if view is not None:
                view.not_responding_since = self.at
        self.notes.append((info.agent_id, withdrawn_message(info, d.reason)))

    async def _wrapup_ended(self, d: WrapUpEnded) -> None:
        if d.call_id is None:
            return
        call = await self.call(d.call_id)
        if call.state != "wrap_up" or call.agent_id != d.agent_id:
            return  # the agent's wrap-up after a transfer: the call went on elsewhere
        call.state = "completed"
        call.completed_at = self.at
        if call.talk_ended_at is not None:
            call.wrapup_seconds += max(0.0, (self.at - call.talk_ended_at).total_seconds())
        call.updated_at = self.at
        handle = call.talk_seconds + call.wrapup_seconds
        self.tenant.aht_seconds = 0.9 * self.tenant.aht_seconds + 0.1 * handle
        self.publish(ev.CallCompleted, call)

    async def _max_wait(self, d: MaxWaitReached) -> None:
        call = await self.call(d.call_id)
        call.state = "closed"
        call.outcome_reason = "max_wait"
        call.updated_at = self.at
        self.publish(ev.CallRejected, call, reason="max_wait")
