"""The routing engine: the one owner of the in-memory cores and their persistence.

Every change to routing state goes through `Engine.mutation(tenant)`: it takes the single
lock (its wait is measured), opens one database transaction, lets the caller drive the
tenant's core, writes what the core decided (call rows and their events, through the
outbox) and commits before releasing the lock. Offers reach agents' event streams only
after the commit. If the transaction fails after the core moved, the tenant's core is
rebuilt from the database, so memory never runs ahead of what is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Histogram
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events import routing as ev
from frontdoor_common.logging import get_logger
from frontdoor_common.service import Runtime
from frontdoor_routing.core.model import (
    Decision,
    MaxWaitReached,
    Offer,
    OverflowStep,
    QueueRules,
    RouterConfig,
    Withdrawn,
    WrapUpEnded,
)
from frontdoor_routing.core.router import Router
from frontdoor_routing.models import AgentView, Call, Queue, TenantOpening

log = get_logger(__name__)

ACTIVE_STATES = ("queued", "offered")


def ts(value: datetime) -> float:
    """Datetime -> core time (epoch seconds)."""
    return value.timestamp()


def dt(value: float) -> datetime:
    """Core time -> aware UTC datetime."""
    return datetime.fromtimestamp(value, tz=UTC)


@dataclass(slots=True)
class OfferInfo:
    """A live offer: the core's int id mapped to the API's UUID."""

    offer_id: uuid.UUID
    core_id: int
    call_id: uuid.UUID
    agent_id: uuid.UUID
    queue_id: uuid.UUID
    expires_at: float


@dataclass(slots=True)
class AgentInfo:
    """What routing knows about an agent besides the core's view."""

    presence: str = "logged_out"
    team_id: uuid.UUID | None = None
    queues: dict[uuid.UUID, int] = field(default_factory=dict)
    not_responding_since: datetime | None = None


@dataclass
class TenantState:
    """One tenant's core and the lookup tables around it."""

    tenant_id: str
    router: Router
    queues: dict[uuid.UUID, Queue] = field(default_factory=dict)
    open: bool = True
    offers: dict[int, OfferInfo] = field(default_factory=dict)
    offers_by_uuid: dict[uuid.UUID, int] = field(default_factory=dict)
    closed_offers: OrderedDict[uuid.UUID, str] = field(default_factory=OrderedDict)
    agents: dict[uuid.UUID, AgentInfo] = field(default_factory=dict)
    logged_in: dict[uuid.UUID, set[uuid.UUID]] = field(default_factory=dict)
    aht_seconds: float = 180.0

    def queue_by_digit(self, digit: str) -> Queue | None:
        """The active queue for an IVR digit."""
        return next((q for q in self.queues.values() if q.active and q.ivr_digit == digit), None)

    def switchboard(self) -> Queue | None:
        """The switchboard queue (English callers)."""
        return next((q for q in self.queues.values() if q.active and q.is_switchboard), None)

    def staffed(self, queue_id: uuid.UUID) -> int:
        """Agents logged in to the queue."""
        return len(self.logged_in.get(queue_id, ()))

    def estimated_wait(self, queue_id: uuid.UUID, position: int | None) -> int | None:
        """Seconds until answer: rounds of the queue's staff at the recent handle time, in 5 s steps."""
        if position is None:
            return None
        staff = self.staffed(queue_id)
        if staff == 0:
            return None
        rounds = math.ceil(position / staff)
        seconds = rounds * self.aht_seconds if position > 0 else 0
        return int(5 * round(seconds / 5))

    def remember_closed_offer(self, offer_id: uuid.UUID, why: str) -> None:
        """Keep recent ended offers, so a second accept is a 409, not a 404."""
        self.closed_offers[offer_id] = why
        while len(self.closed_offers) > 10_000:
            self.closed_offers.popitem(last=False)


def queue_rules(q: Queue) -> QueueRules:
    """The core's view of a queue row."""
    return QueueRules(
        q.id,
        strategy=q.strategy,  # type: ignore[arg-type]
        priority=q.priority,
        overflow=tuple(
            OverflowStep(float(s["after_seconds"]), tuple(uuid.UUID(str(x)) for x in s["queue_ids"]))
            for s in q.overflow
        ),
        offer_timeout=float(q.offer_timeout_seconds),
        wrapup=float(q.wrapup_seconds),
        max_wait=float(q.max_wait_seconds) if q.max_wait_seconds else None,
    )


def snapshot(call: Call) -> ev.CallSnapshot:
    """The event/API snapshot of a call row."""
    wait = None
    if call.answered_at is not None:
        wait = (call.answered_at - call.arrived_at).total_seconds()
    elif call.abandoned_at is not None:
        wait = (call.abandoned_at - call.arrived_at).total_seconds()
    target = call.service_level_seconds
    within = None
    if call.answered_at is not None and target is not None and wait is not None:
        within = wait <= target
    return ev.CallSnapshot(
        call_id=call.id,
        tenant_id=call.tenant_id,
        cti_call_id=call.cti_call_id,
        kind=call.kind,  # type: ignore[arg-type]
        caller_number=call.caller_number,
        language=call.language,
        ivr_digit=call.ivr_digit,
        queue_id=call.queue_id,
        original_queue_id=call.original_queue_id,
        member_id=call.member_id,
        member_candidates=call.member_candidates,
        state=call.state,  # type: ignore[arg-type]
        priority=call.priority,
        arrived_at=call.arrived_at,
        queued_at=call.queued_at,
        offered_at=call.offered_at,
        answered_at=call.answered_at,
        talk_ended_at=call.talk_ended_at,
        completed_at=call.completed_at,
        abandoned_at=call.abandoned_at,
        agent_id=call.agent_id,
        agent_team_id=call.agent_team_id,
        wait_seconds=wait,
        talk_seconds=call.talk_seconds if call.answered_at else None,
        wrapup_seconds=call.wrapup_seconds if call.completed_at else None,
        transfers=call.transfers,
        transferred=call.transfers > 0 or call.transferred_out,
        resolution=call.resolution,  # type: ignore[arg-type]
        contact_reason=call.contact_reason,
        callback_id=call.callback_id,
        within_service_level=within,
        service_level_seconds=target,
    )


class OfferHub:
    """In-process fan-out of offer notifications to agents' event streams."""

    def __init__(self) -> None:
        self._subscribers: dict[tuple[str, uuid.UUID], set[asyncio.Queue[dict[str, Any]]]] = {}

    def subscribe(self, tenant: str, agent_id: uuid.UUID) -> asyncio.Queue[dict[str, Any]]:
        """A queue that receives this agent's notifications."""
        q: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)
        self._subscribers.setdefault((tenant, agent_id), set()).add(q)
        return q

    def unsubscribe(self, tenant: str, agent_id: uuid.UUID, q: asyncio.Queue[dict[str, Any]]) -> None:
        """Stop delivering to `q`."""
        subs = self._subscribers.get((tenant, agent_id))
        if subs is not None:
            subs.discard(q)
            if not subs:
                del self._subscribers[(tenant, agent_id)]

    def publish(self, tenant: str, agent_id: uuid.UUID, message: dict[str, Any]) -> None:
        """Deliver to every stream of the agent (dropping for a stream that stopped reading)."""
        for q in self._subscribers.get((tenant, agent_id), ()):
            with contextlib.suppress(asyncio.QueueFull):
                q.put_nowait(message)


class Mutation:
    """One locked, transactional change to a tenant's routing state."""

    def __init__(self, engine: Engine, session: AsyncSession, tenant: TenantState, now: float) -> None:
        self.engine = engine
        self.session = session
        self.tenant = tenant
        self.now = now
        self.router = tenant.router
        self.notes: list[tuple[uuid.UUID, dict[str, Any]]] = []
        self.events: list[ev.RoutingEvent] = []
        self.touched = False

    @property
    def at(self) -> datetime:
        """`now` as a datetime."""
        return dt(self.now)

    async def emit(self, event: ev.RoutingEvent) -> None:
        """Stage an event (its snapshot taken now); all go to the outbox in one statement at the end."""
        self.events.append(event)

    async def flush_events(self) -> None:
        """Write the staged events into this transaction's outbox."""
        if self.events:
            events, self.events = self.events, []
            await self.engine.runtime.outbox.add_many(self.session, events, tenant=self.tenant.tenant_id)

    async def call(self, call_id: Any) -> Call:
        """The call row (locked for this transaction where the database supports it)."""
        row = await self.session.get(Call, call_id)
        if row is None:
            raise LookupError(call_id)
        return row

    async def apply(self, decisions: list[Decision]) -> None:
        """Persist the core's decisions: call rows, events, notifications."""
        self.touched = True
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
        info = OfferInfo(uuid.uuid4(), d.offer_id, call.id, d.agent_id, d.queue_id, d.expires_at)  # type: ignore[arg-type]
        self.tenant.offers[d.offer_id] = info
        self.tenant.offers_by_uuid[info.offer_id] = d.offer_id
        call.state = "offered"
        call.offered_at = self.at
        call.agent_id = info.agent_id
        call.updated_at = self.at
        snap = snapshot(call)
        await self.emit(
            ev.CallOffered(call=snap, offer_id=info.offer_id, agent_id=info.agent_id, expires_at=dt(d.expires_at))
        )
        self.notes.append(
            (
                info.agent_id,
                {
                    "event": "offer",
                    "data": {
                        "offer_id": str(info.offer_id),
                        "call_id": str(call.id),
                        "agent_id": str(info.agent_id),
                        "queue_id": str(info.queue_id),
                        "expires_at": dt(d.expires_at).isoformat(),
                        "call": snap.model_dump(mode="json"),
                    },
                },
            )
        )

    async def _withdrawn(self, d: Withdrawn) -> None:
        info = self.tenant.offers.pop(d.offer_id, None)
        if info is None:
            return
        self.tenant.offers_by_uuid.pop(info.offer_id, None)
        self.tenant.remember_closed_offer(info.offer_id, d.reason)
        call = await self.call(d.call_id)
        if self.router.has_call(call.id) and call.state == "offered":
            call.state = "queued"
            call.agent_id = None
        call.updated_at = self.at
        await self.emit(
            ev.OfferWithdrawn(call=snapshot(call), offer_id=info.offer_id, agent_id=info.agent_id, reason=d.reason)
        )
        if d.reason == "timeout":
            agent = self.tenant.agents.setdefault(info.agent_id, AgentInfo())
            agent.not_responding_since = self.at
            view = await self.session.get(AgentView, info.agent_id)
            if view is not None:
                view.not_responding_since = self.at
        self.notes.append(
            (
                info.agent_id,
                {
                    "event": "withdrawn",
                    "data": {"offer_id": str(info.offer_id), "call_id": str(call.id), "reason": d.reason},
                },
            )
        )

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
        await self.emit(ev.CallCompleted(call=snapshot(call)))

    async def _max_wait(self, d: MaxWaitReached) -> None:
        call = await self.call(d.call_id)
        call.state = "closed"
        call.outcome_reason = "max_wait"
        call.updated_at = self.at
        await self.emit(ev.CallRejected(call=snapshot(call), reason="max_wait"))


class Engine:
    """Owns every tenant's core; the single writer of routing state."""

    def __init__(self, runtime: Runtime, *, clock: Callable[[], float] = time.time) -> None:
        self.runtime = runtime
        self.settings: Any = runtime.settings
        self.clock = clock
        self.config = RouterConfig(
            seconds_per_priority=float(self.settings.seconds_per_priority),
            preference_window=float(self.settings.known_agent_preference_seconds),
        )
        self.tenants: dict[str, TenantState] = {}
        self.hub = OfferHub()
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None  # the timer loop
        self.lock_wait = Histogram(
            "frontdoor_routing_lock_wait_seconds",
            "Time waiting for the routing engine's lock",
            ["service"],
            registry=runtime.metrics.registry,
            buckets=(0.00001, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1),
        )
        self.decide_seconds = Histogram(
            "frontdoor_routing_mutation_seconds",
            "Time inside one routing mutation (core + database)",
            ["service"],
            registry=runtime.metrics.registry,
        )

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Load every tenant from the database and start the timer loop."""
        async with self.runtime.db.transaction() as session:
            tenants = {t for (t,) in (await session.execute(select(Queue.tenant_id).distinct())).all()}
        for tenant_id in sorted(t for t in tenants if self.served(t)):
            async with self.mutation(tenant_id):
                pass  # loading happens on first use, including recovery of waiting calls
        self._task = asyncio.create_task(self._timer_loop(), name="routing-timers")

    async def stop(self) -> None:
        """Stop the timer loop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def served(self, tenant_id: str) -> bool:
        """Whether this instance owns the tenant (sharding by tenant)."""
        tenants = self.settings.tenants
        return not tenants or tenant_id in tenants

    @contextlib.asynccontextmanager
    async def mutation(self, tenant_id: str) -> AsyncIterator[Mutation]:
        """Lock, load the tenant if needed, one transaction, commit, then notify."""
        waited = time.perf_counter()
        async with self._lock:
            started = time.perf_counter()
            self.lock_wait.labels(service="routing").observe(started - waited)
            mutation: Mutation | None = None
            try:
                async with self.runtime.db.transaction() as session:
                    tenant = self.tenants.get(tenant_id)
                    if tenant is None:
                        tenant = await self._load(session, tenant_id)
                    mutation = Mutation(self, session, tenant, self.clock())
                    yield mutation
                    await mutation.flush_events()
            except BaseException:
                if mutation is not None and mutation.touched:
                    log.warning("routing mutation failed after the core moved; rebuilding tenant", tenant=tenant_id)
                    self.tenants.pop(tenant_id, None)
                raise
            finally:
                self.decide_seconds.labels(service="routing").observe(time.perf_counter() - started)
        for agent_id, message in mutation.notes:
            self.hub.publish(tenant_id, agent_id, message)
        self._wake.set()

    @contextlib.asynccontextmanager
    async def reading(self, tenant_id: str) -> AsyncIterator[Mutation]:
        """A read that neither waits for the lock nor takes SQLite's write lock.

        It sees the core as of now and the database as of its last commit; between a
        change to the core and its commit the two can differ by that one change, which a
        status read may show. Nothing written through it is committed.
        """
        tenant = self.tenants.get(tenant_id)
        if tenant is None:  # first use of the tenant: load it under the lock
            async with self.mutation(tenant_id) as m:
                yield m
            return
        async with self.runtime.db.snapshot() as session:
            yield Mutation(self, session, tenant, self.clock())

    # -------------------------------------------------------------- loading
    async def _load(self, session: AsyncSession, tenant_id: str) -> TenantState:
        """Rebuild a tenant's core from the database: queues, agents, waiting and busy calls."""
        tenant = TenantState(tenant_id, Router(self.config), aht_seconds=float(self.settings.default_aht_seconds))
        self.tenants[tenant_id] = tenant
        now = self.clock()
        for q in (await session.execute(select(Queue).where(Queue.tenant_id == tenant_id))).scalars():
            tenant.queues[q.id] = q
            tenant.router.set_queue(queue_rules(q))
        opening = await session.get(TenantOpening, tenant_id)
        tenant.open = opening.open if opening else True
        views = list((await session.execute(select(AgentView).where(AgentView.tenant_id == tenant_id))).scalars())
        for view in views:
            info = self._agent_info(tenant, view)
            tenant.router.set_agent(view.agent_id, info.queues, False, now)
        calls = (
            await session.execute(
                select(Call)
                .where(Call.tenant_id == tenant_id, Call.state.in_(("queued", "offered", "answered", "wrap_up")))
                .order_by(Call.entered_queue_at)
            )
        ).scalars()
        mutation = Mutation(self, session, tenant, now)
        for call in calls:
            if call.state in ("answered", "wrap_up") and call.agent_id in tenant.agents:
                tenant.router.occupy(call.agent_id, call.id)
                if call.state == "wrap_up":
                    queue = tenant.queues.get(call.queue_id) if call.queue_id else None
                    remaining = (queue.wrapup_seconds if queue else 0) - (
                        now - ts(call.talk_ended_at or call.arrived_at)
                    )
                    await mutation.apply(tenant.router.finish(call.agent_id, now, max(0.0, remaining)))
                continue
            if call.state == "offered":
                # An offer in flight when routing stopped is void: the agent never got to
                # accept it here. The call keeps its place; the withdrawal is published.
                call.state = "queued"
                await mutation.emit(
                    ev.OfferWithdrawn(
                        call=snapshot(call),
                        offer_id=uuid.uuid4(),
                        agent_id=call.agent_id or uuid.UUID(int=0),
                        reason="restart",
                    )
                )
                call.agent_id = None
            if call.queue_id in tenant.queues:
                await mutation.apply(
                    tenant.router.enqueue(
                        call.id,
                        call.queue_id,
                        now,
                        arrived_at=ts(call.arrived_at),
                        priority=call.priority,
                        entered_at=ts(call.entered_queue_at or call.arrived_at),
                    )
                )
        for view in views:
            info = tenant.agents[view.agent_id]
            await mutation.apply(tenant.router.set_agent(view.agent_id, info.queues, self._offerable(view), now))
        await mutation.flush_events()
        for agent_id, message in mutation.notes:
            self.hub.publish(tenant_id, agent_id, message)
        counts = tenant.router.snapshot()
        log.info(
            "tenant loaded",
            tenant=tenant_id,
            queues=len(tenant.queues),
            agents=len(views),
            calls=counts["calls"],
            offers=counts["offers"],
        )
        return tenant

    def _agent_info(self, tenant: TenantState, view: AgentView) -> AgentInfo:
        info = tenant.agents.setdefault(view.agent_id, AgentInfo())
        for queue_id in info.queues:
            tenant.logged_in.get(queue_id, set()).discard(view.agent_id)
        info.presence = view.presence
        info.team_id = view.team_id
        info.queues = (
            {
                uuid.UUID(str(m["queue_id"])): int(m.get("proficiency", 3))
                for m in view.queues
                if uuid.UUID(str(m["queue_id"])) in tenant.queues
            }
            if view.active
            else {}
        )
        info.not_responding_since = view.not_responding_since
        if view.presence != "logged_out" and view.active:
            for queue_id in info.queues:
                tenant.logged_in.setdefault(queue_id, set()).add(view.agent_id)
        return info

    @staticmethod
    def _offerable(view: AgentView) -> bool:
        # Routing itself knows when an agent is on a call or in wrap-up; from the agents
        # service it needs: present (not away or logged out), not blocked by the calendar,
        # and not marked not-responding by routing after their last presence change.
        if not view.active or view.blocked or view.presence not in ("available", "on_call", "wrap_up"):
            return False
        if view.not_responding_since is not None:
            since = view.presence_since
            if since is None or since <= view.not_responding_since:
                return False
        return True

    async def apply_agent_view(self, m: Mutation, view: AgentView) -> None:
        """An agent's replica row changed: update the core (in the caller's mutation)."""
        info = self._agent_info(m.tenant, view)
        await m.apply(m.router.set_agent(view.agent_id, info.queues, self._offerable(view), m.now))

    # --------------------------------------------------------------- timers
    async def _timer_loop(self) -> None:
        while True:
            try:
                deadlines = [(d, t) for t, s in self.tenants.items() if (d := s.router.next_deadline()) is not None]
                timeout = None
                if deadlines:
                    timeout = max(0.0, min(deadlines)[0] - self.clock())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
                self._wake.clear()
                now = self.clock()
                for deadline, tenant_id in sorted(deadlines):
                    if deadline <= now:
                        async with self.mutation(tenant_id) as m:
                            await m.apply(m.router.advance(m.now))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("routing timer loop error", error=str(exc), error_type=type(exc).__name__)
                await asyncio.sleep(0.2)
