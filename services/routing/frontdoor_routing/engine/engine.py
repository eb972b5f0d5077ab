"""The routing engine: the one owner of the in-memory cores and their persistence.

Every change to routing state goes through `Engine.mutation(tenant)`: it takes the single
lock (its wait is measured), joins the open database transaction or opens one, lets the
caller drive the tenant's core, and writes what the core decided (call rows and their events,
through the notifier's outbox). Changes stay in the order the lock gives them.

Group commit (`ROUTING_GROUP_COMMIT`, off by default: with it on, one CI run found a routing app
that stopped answering, cause not yet found): a change that finds others waiting for the lock
leaves the transaction open for them and one commit, queued behind them, makes them all durable
(at most `MAX_BATCH`); a change nobody waits behind commits at once. Off, each change commits
alone (`_alone`, the engine as it was before). Every caller gets its answer only after the commit that
holds its change, and offers reach agents' event streams only after it too. A change after the
first of its transaction runs behind a savepoint: if it fails, it alone is undone, and its tenant
is rebuilt from what the transaction holds. If a commit fails, every tenant the transaction
changed is rebuilt from the database, so memory never runs ahead of what is stored.

Every transaction first checks this process still holds its shard's lease (`fencing.py`),
before the core moves: a process a newer one fenced changes nothing, memory included, and
refuses every later change (`ShardFenced`, 503) while `on_fenced` stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator, Callable

from prometheus_client import CollectorRegistry, Histogram
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction
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

# The most changes one commit makes durable (a steady stream of changes still commits).
MAX_BATCH = 64


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
        self._queued = 0  # changes waiting for the lock (a change that sees one leaves its commit to them)
        self._batch: _Batch | None = None  # the open transaction changes join (group commit)
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
        self.batch_changes = Histogram(
            "frontdoor_routing_commit_changes",
            "Changes made durable by one commit of the routing engine (group commit)",
            ["service"],
            registry=registry,
            buckets=(1, 2, 4, 8, 16, 32, 64),
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
        # The loaded cores (and the process's imports) out of the collector's walk: a full
        # collection no longer pauses a decision for the whole of the loaded state (bench/core.py).
        freeze = self.settings.gc_freeze
        if freeze or (freeze is None and self.settings.environment != "test"):
            gc.collect()
            gc.freeze()
        self.loaded.set()

    def served(self, tenant_id: str) -> bool:
        """Whether this instance owns the tenant (sharding by tenant)."""
        tenants = self.settings.tenants
        return not tenants or tenant_id in tenants

    # ------------------------------------------------------------ changes
    def mutation(self, tenant_id: str) -> contextlib.AbstractAsyncContextManager[Mutation]:
        """One change to the tenant's state: `async with engine.mutation(tenant) as m: ...`; it is
        durable, and its offers delivered, when the block has returned. With `ROUTING_GROUP_COMMIT`
        the changes that wait behind one another share one transaction and one commit
        (`_grouped`); without it each change commits alone (`_alone`)."""
        return self._grouped(tenant_id) if self.settings.group_commit else self._alone(tenant_id)

    @contextlib.asynccontextmanager
    async def _alone(self, tenant_id: str) -> AsyncIterator[Mutation]:
        """A change in a transaction of its own: lock, load the tenant if needed, one transaction,
        commit, then notify (without `group_commit`)."""
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

    @contextlib.asynccontextmanager
    async def _grouped(self, tenant_id: str) -> AsyncIterator[Mutation]:
        """Lock, load the tenant if needed, change it in the open batch's transaction; return once
        that transaction committed (the agents' notes are delivered by then)."""
        waited = time.perf_counter()
        self._queued += 1
        try:
            await self._lock.acquire()
        finally:
            self._queued -= 1
        batch: _Batch | None = None
        try:
            started = time.perf_counter()
            self.lock_wait.labels(service="routing").observe(started - waited)
            batch = await self._batch_for_change()
            mutation = await self._change(batch, tenant_id)
            try:
                yield mutation
                await mutation.flush_events()
            except BaseException as exc:
                await self._failed(batch, tenant_id, mutation, exc)
                batch = None if batch.done.done() else batch
                raise
            finally:
                self._current = None
            await self._kept(batch, tenant_id, mutation)
            if self._queued and batch.size < MAX_BATCH:
                # Others wait for the lock: their changes join this transaction, and one commit
                # makes them all durable (the committer queues behind them).
                self._commit_later(batch)
            else:
                await self._commit(batch)
        except ShardFenced:
            raise  # checked first: nothing moved, and a fenced process writes nothing more
        finally:
            self.decide_seconds.labels(service="routing").observe(time.perf_counter() - started)
            if batch is not None and batch.committing is None and not batch.done.done() and not self._queued:
                await self._commit(batch, quiet=True)  # nobody else would: this change failed last
            self._lock.release()
        await asyncio.shield(batch.done)  # raises the commit's failure; a cancelled caller leaves it be
        self.wake.set()

    async def _batch_for_change(self) -> _Batch:
        """The open transaction a change joins, or a new one (the fencing check first in it)."""
        if self.lease.fenced:  # a newer process owns the shard: attempt nothing
            raise self.lease.refusal()
        if self._batch is not None:
            return self._batch
        if self.lease.epoch is None:
            await self.start()
        batch = await _Batch.open(self.db)
        try:
            await self._still_ours(batch.session)  # before anything moves
        except BaseException as exc:
            await batch.close(exc)
            raise
        self._batch = batch
        return batch

    async def _change(self, batch: _Batch, tenant_id: str) -> Mutation:
        """One change in `batch`: behind a savepoint if the batch holds others' changes already."""
        prior = self.tenants.get(tenant_id)
        memory = Memory.of(prior) if prior is not None else None
        batch.before.setdefault(tenant_id, memory)  # as the tenant was before the batch changed it
        batch.savepoint = await batch.session.begin_nested() if batch.size else None
        try:
            notes: list[Note] = []
            tenant = prior
            if tenant is None:
                tenant, notes = await self._load(batch.session, tenant_id)
        except BaseException as exc:
            await self._failed(batch, tenant_id, None, exc)
            raise
        mutation = Mutation(batch.session, tenant, self.clock.time(), self.notifier)
        mutation.notes.extend(notes)
        mutation.loaded = prior is None
        mutation.memory = memory
        self._current = mutation
        return mutation

    async def _kept(self, batch: _Batch, tenant_id: str, mutation: Mutation) -> None:
        """The change succeeded: it stays in the batch (its notes wait for the commit)."""
        if batch.savepoint is not None:
            await batch.savepoint.commit()
            batch.savepoint = None
        batch.size += 1
        batch.notes.append((tenant_id, mutation.notes))

    async def _failed(self, batch: _Batch, tenant_id: str, mutation: Mutation | None, exc: BaseException) -> None:
        """A change failed: undo it alone (the batch's other changes stay), or the whole batch."""
        # A refusal (4xx) raised before anything moved leaves the tenant as it is; anything
        # else may have moved the core or the tenant's tables past what is stored: rebuild.
        moved = mutation is None or mutation.loaded or mutation.touched
        rebuild = moved or not isinstance(exc, ServiceError)
        memory = mutation.memory if mutation is not None else batch.before.get(tenant_id)
        if not batch.size:  # the first change of its transaction: roll it all back
            self._batch = None
            await batch.close(exc)
            batch.done.set_result(None)
            if rebuild:
                await self._rebuild(tenant_id, memory, exc)
            return
        if batch.savepoint is None:  # the savepoint itself failed: the connection is in trouble
            await self._abandon(batch, exc)
            return
        try:
            await batch.savepoint.rollback()
            batch.savepoint = None
            if rebuild:  # from what the batch's transaction holds, its earlier changes included
                await self._reload_in(batch, tenant_id, memory, exc)
        except BaseException as again:
            await self._abandon(batch, again)

    async def _reload_in(self, batch: _Batch, tenant_id: str, memory: Memory | None, exc: BaseException) -> None:
        log.warning("routing change failed; rebuilding the tenant", tenant=tenant_id, error_type=type(exc).__name__)
        if memory is not None:
            self._memory[tenant_id] = memory
        _tenant, notes = await self._load(batch.session, tenant_id)
        batch.notes.append((tenant_id, notes))

    def _commit_later(self, batch: _Batch) -> None:
        if batch.committing is None:
            batch.committing = asyncio.create_task(self._commit_behind_the_queue(batch))

    async def _commit_behind_the_queue(self, batch: _Batch) -> None:
        async with self._lock:
            if not batch.done.done():
                await self._commit(batch, quiet=True)

    async def _commit(self, batch: _Batch, *, quiet: bool = False) -> None:
        """Commit the batch (under the lock); then deliver its notes and answer its changes."""
        if self._batch is batch:
            self._batch = None
        try:
            await batch.close(None)
        except BaseException as exc:
            await self._abandoned(batch, exc)
            if not quiet:
                raise
            return
        self.batch_changes.labels(service="routing").observe(batch.size)
        for tenant_id, notes in batch.notes:
            self.hub.deliver(tenant_id, notes)
        batch.done.set_result(None)

    async def _abandon(self, batch: _Batch, exc: BaseException) -> None:
        """Roll the whole batch back (its changes all fail with `exc`'s story)."""
        if self._batch is batch:
            self._batch = None
        with contextlib.suppress(BaseException):
            await batch.close(exc)
        await self._abandoned(batch, exc)

    async def _abandoned(self, batch: _Batch, exc: BaseException) -> None:
        """Every tenant the rolled-back batch changed: back to what the database holds."""
        for tenant_id, memory in batch.before.items():
            await self._rebuild(tenant_id, memory, exc)
        failure = exc if isinstance(exc, Exception) else RuntimeError("the change's transaction was interrupted")
        if not batch.done.done():
            batch.done.set_exception(failure)
            batch.done.exception()  # retrieved: a caller that left is not an unhandled error

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
        change to the core and its commit the two can differ by the changes of the transaction
        in flight, which a status read may show. Nothing written through it is committed.
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


class _Batch:
    """One database transaction that the changes queued behind each other share (group commit).

    Each change after the first runs behind a savepoint, so a change that fails is undone alone.
    Its notes wait in `notes` for the commit; `done` answers every change once it committed."""

    def __init__(self, context: contextlib.AbstractAsyncContextManager[AsyncSession], session: AsyncSession) -> None:
        self._context = context
        self.session = session
        self.size = 0  # the changes kept in it
        self.savepoint: AsyncSessionTransaction | None = None  # the running change's
        self.notes: list[tuple[str, list[Note]]] = []
        self.before: dict[str, Memory | None] = {}  # each tenant as it was before the batch changed it
        self.committing: asyncio.Task[None] | None = None
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @classmethod
    async def open(cls, db: Database) -> _Batch:
        context = db.transaction()
        session = await context.__aenter__()
        return cls(context, session)

    async def close(self, exc: BaseException | None) -> None:
        """Commit (no `exc`), or roll back."""
        if exc is None:
            await self._context.__aexit__(None, None, None)
            return
        with contextlib.suppress(Exception):  # the rollback of a connection already gone
            await self._context.__aexit__(type(exc), exc, exc.__traceback__)


def _next_deadline(tenant: TenantState) -> float | None:
    """The earlier of the tenant's two channels' next deadlines."""
    calls, tasks = tenant.router.next_deadline(), tenant.tasks.next_deadline()
    if calls is None or tasks is None:
        return calls if tasks is None else tasks
    return min(calls, tasks)
