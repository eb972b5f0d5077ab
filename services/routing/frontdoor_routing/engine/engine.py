"""The routing engine: the one owner of the in-memory cores and their persistence.

Every change to routing state goes through `Engine.mutation(tenant)`: it takes the single
lock (its wait is measured), opens one database transaction, lets the caller drive the
tenant's core, writes what the core decided (call rows and their events, through the
notifier's outbox) and commits before releasing the lock. Offers reach agents' event
streams only after the commit. If the transaction fails after the core moved, the tenant's
core is rebuilt from the database, so memory never runs ahead of what is stored.

Every transaction first checks this process still holds its shard's lease (`fencing.py`),
before the core moves: a process a newer one fenced changes nothing, memory included, and
refuses every later change (`ShardFenced`, 503) while `on_fenced` stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from prometheus_client import CollectorRegistry, Histogram
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.errors import ServiceError
from frontdoor_common.logging import get_logger
from frontdoor_routing.core.model import RouterConfig
from frontdoor_routing.core.router import Router
from frontdoor_routing.core.tasks import TaskRouter
from frontdoor_routing.engine.fencing import Lease, ShardFenced
from frontdoor_routing.engine.loading import fill
from frontdoor_routing.engine.mutation import Mutation
from frontdoor_routing.engine.offer_hub import Note, OfferHub
from frontdoor_routing.engine.tenant import Memory, TenantState
from frontdoor_routing.models import Queue
from frontdoor_routing.notifier import RoutingNotifier
from frontdoor_routing.settings import Settings

log = get_logger(__name__)


class Engine:
    """Owns every tenant's core; the single writer of routing state."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        clock: Clock,
        notifier: RoutingNotifier,
        registry: CollectorRegistry,
        lease: Lease | None = None,
        on_fenced: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        # The shard's fencing lease (taken by `start`, or by the first change if nobody did).
        self.lease = lease or Lease(db, settings.shard)
        self.on_fenced = on_fenced  # the composition root stops the process
        self.settings = settings
        self.clock = clock
        self.notifier = notifier
        self.config = RouterConfig(
            seconds_per_priority=float(settings.seconds_per_priority),
            preference_window=float(settings.known_agent_preference_seconds),
        )
        self.tenants: dict[str, TenantState] = {}
        self._memory: dict[str, Memory] = {}  # kept from a failed change until the tenant is rebuilt
        self.hub = OfferHub()
        self._lock = asyncio.Lock()
        self._current: Mutation | None = None  # the change holding the lock
        # Set when a change may have moved a deadline (the timer worker looks again).
        self.wake = asyncio.Event()
        # Set once the served tenants are loaded (after the API listens).
        self.loaded = asyncio.Event()
        self.lock_wait = Histogram(
            "frontdoor_routing_lock_wait_seconds",
            "Time waiting for the routing engine's lock",
            ["service"],
            registry=registry,
            buckets=(0.00001, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1),
        )
        self.decide_seconds = Histogram(
            "frontdoor_routing_mutation_seconds",
            "Time inside one routing mutation (core + database)",
            ["service"],
            registry=registry,
        )

    # ------------------------------------------------------------ start
    async def start(self) -> int:
        """Take the shard's next fencing epoch: before any tenant is loaded or offered."""
        epoch = await self.lease.take(self.clock.now())
        log.info("shard lease taken", shard=self.lease.shard, epoch=epoch, holder=self.lease.holder)
        return epoch

    async def load_served(self) -> None:
        """Load every tenant this instance serves (its waiting calls are offered again)."""
        async with self.db.transaction() as session:
            tenants = {t for (t,) in (await session.execute(select(col(Queue.tenant_id)).distinct())).all()}
        for tenant_id in sorted(t for t in tenants if self.served(t)):
            async with self.mutation(tenant_id):
                pass  # loading happens on first use, including recovery of waiting calls
        self.loaded.set()

    def served(self, tenant_id: str) -> bool:
        """Whether this instance owns the tenant (sharding by tenant)."""
        tenants = self.settings.tenants
        return not tenants or tenant_id in tenants

    # ------------------------------------------------------------ changes
    @contextlib.asynccontextmanager
    async def mutation(self, tenant_id: str) -> AsyncIterator[Mutation]:
        """Lock, load the tenant if needed, one transaction, commit, then notify."""
        waited = time.perf_counter()
        async with self._lock:
            started = time.perf_counter()
            self.lock_wait.labels(service="routing").observe(started - waited)
            if self.lease.fenced:  # a newer process owns the shard: attempt nothing
                raise self.lease.refusal()
            if self.lease.epoch is None:
                await self.start()
            mutation: Mutation | None = None
            prior = self.tenants.get(tenant_id)
            memory = Memory.of(prior) if prior is not None else None
            try:
                async with self.db.transaction() as session:
                    await self._still_ours(session)  # before anything moves
                    tenant = self.tenants.get(tenant_id)
                    notes: list[Note] = []
                    if tenant is None:
                        tenant, notes = await self._load(session, tenant_id)
                    mutation = Mutation(session, tenant, self.clock.time(), self.notifier)
                    mutation.notes.extend(notes)
                    mutation.loaded = prior is None
                    self._current = mutation
                    yield mutation
                    await mutation.flush_events()
            except ShardFenced:
                raise  # checked first: nothing moved, and a fenced process writes nothing more
            except BaseException as exc:
                # A refusal (4xx) raised before anything moved leaves the tenant as it is;
                # anything else may have moved the core or the tenant's tables past what the
                # rolled-back transaction stored: rebuild them from the database now.
                moved = mutation is None or mutation.loaded or mutation.touched
                if moved or not isinstance(exc, ServiceError):
                    await self._rebuild(tenant_id, memory, exc)
                raise
            finally:
                self._current = None
                self.decide_seconds.labels(service="routing").observe(time.perf_counter() - started)
        assert mutation is not None  # the change committed
        self.hub.deliver(tenant_id, mutation.notes)
        self.wake.set()

    async def _still_ours(self, session: AsyncSession) -> None:
        """The fencing check, first in every transaction that writes routing state."""
        try:
            await self.lease.check(session)
        except ShardFenced:
            self._fenced()
            raise

    async def check_shard(self, session: AsyncSession) -> None:
        """The fencing check for a write outside a change (the erasure consumer, the retention
        job): first in `session`'s transaction, as every change does; ShardFenced once fenced."""
        if self.lease.fenced:
            raise self.lease.refusal()
        if self.lease.epoch is None:
            await self.start()
        await self._still_ours(session)

    def _fenced(self) -> None:
        """A newer process took the shard: say so loudly, once, and have the process stopped."""
        log.error(
            "routing shard fenced: a newer instance took the shard; refusing every change and stopping",
            shard=self.lease.shard,
            epoch=self.lease.epoch,
            newer_epoch=self.lease.newer,
            holder=self.lease.holder,
        )
        self.wake.set()  # the timer worker looks again and finds nothing to do
        if self.on_fenced is not None:
            self.on_fenced()

    def mutation_in(self, session: AsyncSession) -> Mutation:
        """The change running in `session` (a consumer handler is given the session only)."""
        current = self._current
        if current is None or current.session is not session:
            raise RuntimeError("no routing change runs in this session")
        return current

    async def _rebuild(self, tenant_id: str, memory: Memory | None, exc: BaseException) -> None:
        """After a failed change: the tenant's state again as the database has it (offers kept)."""
        log.warning("routing change failed; rebuilding the tenant", tenant=tenant_id, error_type=type(exc).__name__)
        # The state that failed stays visible to lock-free reads until the rebuilt one replaces it.
        if memory is not None:
            self._memory[tenant_id] = memory
        try:
            async with self.db.transaction() as session:
                await self._still_ours(session)  # loading writes (withdrawals, offers) too
                _tenant, notes = await self._load(session, tenant_id)
        except ShardFenced:
            self.tenants.pop(tenant_id, None)  # never used again: every change is refused
            return
        except Exception as again:  # the database is gone too: the next use loads the tenant
            self.tenants.pop(tenant_id, None)
            log.warning("rebuild deferred to the next use", tenant=tenant_id, error_type=type(again).__name__)
            return
        self.hub.deliver(tenant_id, notes)
        self.wake.set()

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
        async with self.db.snapshot() as session:
            yield Mutation(session, tenant, self.clock.time(), self.notifier)

    async def _load(self, session: AsyncSession, tenant_id: str) -> tuple[TenantState, list[Note]]:
        """Rebuild a tenant's core from the database; returns it and the notes to send after commit.

        After a failed change (memory kept), offers in flight stay with their agents and ids.
        """
        memory = self._memory.pop(tenant_id, None)
        tenant = TenantState(
            tenant_id,
            Router(self.config),
            aht_seconds=float(self.settings.default_aht_seconds),
            tasks=TaskRouter(
                seconds_per_priority=self.config.seconds_per_priority, default_capacity=self.settings.task_capacity
            ),
            task_offer_timeout=float(self.settings.task_offer_timeout_s),
        )
        if memory is not None:
            tenant.aht_seconds = memory.aht_seconds
            tenant.closed_offers = memory.closed_offers
        kept = {info.call_id: info for info in memory.offers.values()} if memory is not None else {}
        kept_tasks = {info.task_id: info for info in memory.task_offers.values()} if memory is not None else {}
        try:
            notes = await fill(session, tenant, self.clock.time(), self.notifier, kept, kept_tasks)
        except BaseException:
            if memory is not None:
                self._memory[tenant_id] = memory
            raise
        # Only a whole tenant is shown: reads take no lock and must never see one half built.
        self.tenants[tenant_id] = tenant
        return tenant, notes

    # ------------------------------------------------------------ timers
    def deadlines(self) -> list[tuple[float, str]]:
        """(next deadline, tenant) of every tenant whose core has a timer set (none once fenced)."""
        if self.lease.fenced:
            return []
        return [(d, t) for t, s in self.tenants.items() if (d := _next_deadline(s)) is not None]

    async def advance(self, tenant_id: str) -> None:
        """Apply the tenant's due timers (offer timeouts, overflow, wrap-up, maximum wait)."""
        async with self.mutation(tenant_id) as m:
            await m.advance()


def _next_deadline(tenant: TenantState) -> float | None:
    """The earlier of the tenant's two channels' next deadlines."""
    calls, tasks = tenant.router.next_deadline(), tenant.tasks.next_deadline()
    if calls is None or tasks is None:
        return calls if tasks is None else tasks
    return min(calls, tasks)
