"""Consumers: consumer groups, an inbox per consumer, retries with backoff, dead letters.

Each event is handled in its own database transaction that also records
(consumer, event id) in the inbox; a redelivered event finds its inbox row and changes
nothing. Offsets are committed only after the events before them are handled, so a crash
re-delivers and never skips. An event that keeps failing goes, with the error, to the
dead-letter topic through the outbox (in the transaction that marks it dead), and the
consumer moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.client import CoordinationType
from aiokafka.errors import IllegalStateError
from aiokafka.protocol.group import LeaveGroupRequest
from opentelemetry import context as otel_context
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus import topics as topic_names
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.kafka import KafkaBus, ensure_topics
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.tables import inbox
from frontdoor_common.db import Database
from frontdoor_common.logging import get_logger, safe_error
from frontdoor_common.privacy.seal import UnsealUnavailable
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.telemetry import Metrics, context_from_headers, tracer

log = get_logger(__name__)

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
Claim = Callable[[AsyncSession], Awaitable[bool]]


class OwnTransactionHandler:
    """A handler that opens its own transaction (e.g. under a lock it must hold until commit).

    It must call `claim(session)` inside that transaction first and return False, changing
    nothing, when the claim says the event was already handled.
    """

    async def run(self, envelope: Envelope, claim: Claim) -> bool:
        """Handle the event in a transaction of the handler's own; False if it was a duplicate."""
        raise NotImplementedError

    def handles(self, event_type: str) -> bool:
        """Whether this handler wants the type."""
        return True


class PoisonEvent(Exception):
    """An event that can never be handled (malformed); it goes to dead letters at once."""


async def claim(
    session: AsyncSession, consumer: str, envelope_id: str, event_type: str, status: str = "processed"
) -> bool:
    """Record (consumer, event id) in the inbox; False if it was already there."""
    values: dict[str, Any] = {
        "consumer": consumer,
        "event_id": envelope_id,
        "event_type": event_type,
        "status": status,
        "processed_at": datetime.now(UTC),
    }
    dialect = session.bind.dialect.name if session.bind is not None else ""
    if dialect == "postgresql":
        stmt: Any = pg_insert(inbox).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite_insert(inbox).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - other engines: plain insert, IntegrityError means duplicate
        stmt = insert(inbox).values(**values)
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


class EventRouter:
    """Maps event types to handlers; types nobody handles are skipped without a write."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}

    def on(self, event_type: str) -> Callable[[Handler], Handler]:
        """Decorator: handle events of `event_type`."""

        def register(fn: Handler) -> Handler:
            self.handlers[event_type] = fn
            return fn

        return register

    async def __call__(self, session: AsyncSession, envelope: Envelope) -> None:
        handler = self.handlers.get(envelope.type)
        if handler is not None:
            await handler(session, envelope)

    def handles(self, event_type: str) -> bool:
        """Whether some handler wants this type."""
        return event_type in self.handlers


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """After a broker restart, partitions assigned before our first commit there start at 0."""

    def __init__(self, runner: ConsumerRunner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: Any) -> None:
        """Nothing to do: offsets are committed after each batch."""

    async def on_partitions_assigned(self, assigned: Any) -> None:
        """Note the member id (each join may bring a new one: after a broker restart it does), and
        start at offset 0 if the broker is new and its committed offsets may be stale.

        `seek` only sets the position. `seek_to_beginning` (used before) waits for the fetcher
        to ask the broker, up to the request timeout (40 s), inside the group coordinator's
        task: no heartbeats meanwhile, and on a new broker whose topics are not re-created
        yet it blocked the group's rejoin."""
        runner = self.runner
        runner._remember_member()
        if runner._new_broker and assigned and runner.consumer is not None:
            # Per partition: one committed on the new broker since we noticed it is trusted; any
            # other may carry an offset of the old broker's numbering (a commit in flight when it
            # died) and starts at 0.
            stale = [tp for tp in assigned if tp not in runner._committed_on_new_broker]
            if stale:
                log.info("assigned on a new broker; consuming from the beginning", consumer=runner.name)
            for tp in stale:
                runner.consumer.seek(tp, 0)  # a new broker numbers from 0; out of range -> earliest
                runner._position.pop(tp, None)
                runner._fetching_from.pop(tp, None)


class ConsumerRunner:
    """Runs one named consumer (its own group and inbox) over some topics."""

    def __init__(
        self,
        name: str,
        topics: list[str],
        handler: Handler | EventRouter | OwnTransactionHandler,
        *,
        db: Database,
        settings: ServiceSettings,
        bus: KafkaBus,
        metrics: Metrics,
        outbox: Outbox,
        group_id: str | None = None,
        stall_after_s: float | None = None,
    ) -> None:
        self.name = name
        self.topics = topics
        self.handler = handler
        self.db = db
        self.settings = settings
        self.bus = bus
        self.metrics = metrics
        self.outbox = outbox
        shard = f".shard-{settings.shard}" if settings.shard else ""
        self.group_id = group_id or f"{settings.topic_prefix}{settings.service_name}.{name}{shard}"
        self.consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._cluster_id: str | None = None
        self._running = False
        # "starting" (joining the group), "running", "failing" (broker trouble), "restarting"
        # (the consumer is being replaced: stalled, its loop ended, or the broker restarted
        # empty), "stopped"
        self._state = "stopped"
        self._state_since = time.monotonic()
        # No poll returning (or no progress while there is lag) for this long: stalled.
        # A rebalance on the local broker takes up to session timeout + 5 s; leave room.
        self.stall_after_s = stall_after_s or max(30.0, 3 * settings.consumer_session_timeout_ms / 1000)
        self._consume_task: asyncio.Task[None] | None = None
        self._last_poll = 0.0  # monotonic: the last time getmany returned or a handler got going
        self._last_progress = 0.0  # monotonic: the last time records were handled or lag was 0
        self.restarts = 0
        self.handled = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self._position: dict[TopicPartition, int] = {}
        # The log end of each assigned partition as the broker states it (ListOffsets), refreshed
        # every watch interval: the fetcher's own high watermark stops moving when the fetcher does,
        # and a lag computed from it alone said 0 while new events went unread.
        self._ends: dict[TopicPartition, int] = {}
        # Where the fetcher stood on a partition nothing was handled from yet (its committed
        # offset, usually): the lag of a quiet partition counts from there, not from 0.
        self._fetching_from: dict[TopicPartition, int] = {}
        # After the broker restarted empty: the partitions committed on the new one since (their
        # committed offsets are trusted at the next assignment; the others start at 0).
        self._new_broker = False
        self._committed_on_new_broker: set[TopicPartition] = set()
        self._unsure_since: float | None = None  # monotonic: since when the broker check fails

    @property
    def state(self) -> str:
        """What the consumer is doing (see __init__)."""
        return self._state

    @state.setter
    def state(self, value: str) -> None:
        if value != self._state:
            self._state, self._state_since = value, time.monotonic()

    def catching_up(self) -> bool:
        """Joining (or re-joining) its group, for no longer than a join can take.

        The API works meanwhile and nothing is lost (the group resumes from its committed
        offsets), so readiness says "degraded", not 503: a single routing pod whose consumer
        waits out a dead member's session would otherwise be deaf to its CTI for that long.
        A join that takes longer than `stall_after_s` is a failure.
        """
        return self._state in ("starting", "restarting") and time.monotonic() - self._state_since <= self.stall_after_s

    @property
    def running(self) -> bool:
        """True only while the consume loop is alive and consuming (readiness reads this)."""
        return self._running and self.stalled() is None

    def stalled(self) -> str | None:
        """Why the consumer does not consume although it should, or None."""
        if not self._running:
            return None
        task = self._consume_task
        if task is None or task.done():
            return "consume loop ended"
        now = time.monotonic()
        if now - self._last_poll > self.stall_after_s:
            return f"no poll for {now - self._last_poll:.0f} s"
        if now - self._last_progress > self.stall_after_s and self.lag() > 0:
            return f"lag {self.lag()} not shrinking for {now - self._last_progress:.0f} s"
        return None

    async def start(self) -> None:
        """Start consuming in the background; joining the group happens there too.

        Joining can take a while: after a crash the broker waits for the killed instance's
        session to expire before it hands out the partitions again. Nothing waits for that
        (the API is open meanwhile); `state` says "starting" until the consumer runs.
        """
        self.state = "starting"
        self._task = asyncio.create_task(self._main(), name=f"consumer-{self.name}")

    async def _ensure_topics(self) -> bool:
        """Create the topics this consumer reads if the broker lacks them, with the configured
        partitions: asking about a topic never creates it (`bus.asking`), so a consumer that
        starts before the publishing service, or notices a broker that restarted empty before
        that service's relay does, makes them itself. False if the broker did not answer."""
        try:
            await asyncio.wait_for(
                ensure_topics(
                    self.bus.bootstrap,
                    [self.settings.topic(t) for t in self.topics],
                    partitions=self.settings.topic_partitions,
                    replication=self.settings.topic_replication_factor,
                ),
                10.0,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info("consumer could not ensure its topics", consumer=self.name, error=safe_error(exc))
            return False
        return True

    async def _see_every_topic(self, consumer: AIOKafkaConsumer) -> None:
        """If the client's metadata lacks a subscribed topic (the broker restarted empty and the
        topic is not made yet), make it and refresh the metadata now: aiokafka alone refreshes
        every `metadata_max_age_ms` (5 min), and until then the group is assigned nothing of it.
        A changed partition list makes the group rebalance (aiokafka watches the metadata)."""
        cluster = consumer._client.cluster  # no public way to the consumer's own metadata
        names = [self.settings.topic(t) for t in self.topics]
        if all(cluster.partitions_for_topic(name) for name in names):
            return
        if await self._ensure_topics():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(consumer._client.force_metadata_update(), 5.0)

    async def _join(self) -> None:
        delay = 0.5
        while True:
            await self._ensure_topics()  # else start() waits for them (40 s), then fails
            self.consumer = consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bus.bootstrap,
                group_id=self.group_id,
                client_id=f"{self.settings.service_name}-{self.name}",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=500,
                session_timeout_ms=self.settings.consumer_session_timeout_ms,
                heartbeat_interval_ms=self.settings.consumer_heartbeat_interval_ms,
            )
            self.consumer.subscribe([self.settings.topic(t) for t in self.topics], listener=_Rebalance(self))
            try:
                await asyncio.wait_for(consumer.start(), max(60.0, 2 * self.stall_after_s))
                return
            except asyncio.CancelledError:
                await self._close(consumer)
                raise
            except Exception as exc:  # the broker is not there yet: keep trying
                log.warning("consumer could not join; retrying", consumer=self.name, error=safe_error(exc))
                await self._close(consumer)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    @property
    def _member_file(self) -> Path:
        # One per instance: the group, the host and the port (two instances never share both).
        host = socket.gethostname()
        return self.settings.var_dir / "consumers" / f"{self.group_id}.{host}.{self.settings.port}.member"

    async def _leave_for_the_dead(self) -> None:
        """Take the member id this instance had before a crash out of the group.

        A killed instance never says goodbye; the broker keeps its member until its session
        expires and holds the group's rebalance for it (on the local broker: session timeout
        plus the time to form the group, 18 s of a 10 s timeout). The id was written down at
        the last join, so the new process says goodbye for it and joins at once.
        """
        path = self._member_file
        try:
            member_id = path.read_text().strip()
        except OSError:
            return
        if not member_id:
            return
        try:
            client = self.bus.producer.client
            node = await asyncio.wait_for(client.coordinator_lookup(CoordinationType.GROUP, self.group_id), 5)
            response = await asyncio.wait_for(client.send(node, LeaveGroupRequest(self.group_id, member_id)), 5)
            log.info("left the group for the previous instance", consumer=self.name, error_code=response.error_code)
        except Exception as exc:  # best effort: without it, the join only takes longer
            log.info("could not leave for the previous instance", consumer=self.name, error=safe_error(exc))

    def _remember_member(self) -> None:
        member_id = getattr(getattr(self.consumer, "_coordinator", None), "member_id", None)
        if not isinstance(member_id, str) or not member_id:
            return
        with contextlib.suppress(OSError):
            self._member_file.parent.mkdir(parents=True, exist_ok=True)
            self._member_file.write_text(member_id)

    async def _main(self) -> None:
        """Join, consume, and replace the aiokafka consumer whenever it stops consuming.

        The consume loop runs as a task of its own, watched here: if it ends (an error it
        did not survive) or stalls (no poll returning, or
        lag not shrinking, for `stall_after_s`), the consumer is closed (it leaves the group)
        and a new one joins. Meanwhile `running` is False, so readiness says 503.
        """
        started = time.monotonic()
        await self._leave_for_the_dead()
        while True:
            await self._join()
            self._remember_member()
            if self._cluster_id is None:
                with contextlib.suppress(Exception):
                    self._cluster_id = await self.bus.cluster_id()
            self._last_poll = self._last_progress = time.monotonic()
            self._consume_task = asyncio.create_task(self._run(), name=f"consumer-{self.name}-loop")
            self._running = True
            self.state = "running"
            log.info("consumer joined", consumer=self.name, seconds=round(time.monotonic() - started, 2))
            try:
                reason = await self._watch(self._consume_task)
            finally:
                self._running = False
                await self._end_loop()
            self.state = "restarting"
            self.restarts += 1
            log.warning("consumer replaced", consumer=self.name, reason=reason)
            consumer, self.consumer = self.consumer, None
            if consumer is not None:
                await self._close(consumer)  # leaves the group (on a new broker: a member it may not know)
            started = time.monotonic()

    async def _watch(self, task: asyncio.Task[None]) -> str:
        """Wait until the consume loop ends or stalls; say why."""
        while True:
            done, _ = await asyncio.wait({task}, timeout=1.0)
            if done:
                if task.cancelled():
                    return "consume loop cancelled"
                exc = task.exception()
                return f"consume loop ended: {safe_error(exc) if exc else 'returned'}"
            reason = self.stalled()
            if reason is not None:
                return reason

    async def _end_loop(self) -> None:
        task, self._consume_task = self._consume_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)

    @staticmethod
    async def _close(consumer: AIOKafkaConsumer) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(consumer.stop(), 10)

    async def stop(self) -> None:
        """Leave the group."""
        self._running = False
        self.state = "stopped"
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._end_loop()
        if self.consumer is not None:
            await self._close(self.consumer)  # leaves the group: nothing to leave for next time
            with contextlib.suppress(OSError):
                self._member_file.unlink(missing_ok=True)

    def lag(self) -> int:
        """Messages on assigned partitions not yet handled: the larger of the fetcher's high
        watermark and the log end the broker last stated (see `_refresh_ends`)."""
        if self.consumer is None:
            return 0
        total = 0
        for tp in self.consumer.assignment():
            high = None
            with contextlib.suppress(Exception):
                high = self.consumer.highwater(tp)
            high = max(high or 0, self._ends.get(tp, 0))
            total += max(0, high - self._position.get(tp, self._fetching_from.get(tp, 0)))
        return total

    async def _refresh_ends(self, consumer: AIOKafkaConsumer) -> None:
        """Ask the broker where each assigned partition's log ends (one ListOffsets request).

        The stall watch reads `lag()`: from the fetcher's high watermark alone, a fetcher that
        stopped fetching (it happened after a broker restart: the consumer said running, lag 0,
        with hundreds of events unread) froze the lag at 0 and the watch saw nothing wrong.
        With the broker's own figure the lag shows, and a consumer that does not shrink it is
        replaced. A failed request leaves no figure (the broker may be gone for a moment).
        """
        assigned = list(consumer.assignment())
        ends: dict[TopicPartition, int] = {}
        starts: dict[TopicPartition, int] = {}
        if assigned:
            try:
                ends = await asyncio.wait_for(consumer.end_offsets(assigned), 5.0)
                for tp in assigned:
                    if tp not in self._position:
                        starts[tp] = await asyncio.wait_for(consumer.position(tp), 1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                ends, starts = {}, {}
        self._ends, self._fetching_from = ends, starts

    async def _run(self) -> None:
        consumer = self.consumer
        assert consumer is not None
        self._position, self._ends, self._fetching_from = {}, {}, {}
        watch_at = time.monotonic() + self.settings.broker_watch_interval_s
        while True:
            try:
                batches = await consumer.getmany(timeout_ms=200, max_records=500)
                self._last_poll = time.monotonic()
                # Before handling (and committing) anything fetched: is this still the broker we
                # had? A new one numbers its records afresh, and positions carried over from the
                # old one would skip what it holds below them.
                if batches or time.monotonic() > watch_at:
                    watched = time.monotonic() > watch_at
                    watch_at = time.monotonic() + self.settings.broker_watch_interval_s
                    changed = await self._check_broker()
                    if changed is not None:
                        await self._see_every_topic(consumer)
                    if changed:
                        continue  # positions reset; what was fetched comes again
                    if watched and changed is False:
                        await self._refresh_ends(consumer)
                    if changed is None and batches and self._unsure():
                        # Not knowing which broker fetched this (right after a restart the check
                        # can fail for a few seconds), handling and committing it could commit
                        # the old broker's numbering on a new one: fetch it again shortly.
                        for tp, records in batches.items():
                            if records:
                                consumer.seek(tp, records[0].offset)
                        await asyncio.sleep(0.2)
                        continue
                for tp, records in batches.items():
                    for record in records:
                        await self._process(record)
                        self._position[tp] = record.offset + 1
                        self._last_poll = self._last_progress = time.monotonic()
                    if records:
                        await consumer.commit({tp: records[-1].offset + 1})
                        if self._new_broker:
                            self._committed_on_new_broker.add(tp)
                lag = self.lag()
                if lag == 0:
                    self._last_progress = time.monotonic()
                self.metrics.labels(self.metrics.consumer_lag, consumer=self.name).set(lag)
                self.state = "running"
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker gone for a moment: keep trying
                self.state = "failing"
                log.warning("consumer error", consumer=self.name, error=safe_error(exc), error_type=type(exc).__name__)
                await asyncio.sleep(0.5)
                self._last_poll = time.monotonic()  # failing is not stalled: the watch sees the lag

    def _unsure(self) -> bool:
        """Whether to hold a fetched batch back because the broker check failed: for at most
        five watch intervals, then handle it regardless (a check that keeps failing while
        fetching works must not stop consumption)."""
        assert self._unsure_since is not None
        return time.monotonic() - self._unsure_since < 5 * max(self.settings.broker_watch_interval_s, 1.0)

    async def _check_broker(self) -> bool | None:
        """Start over if the broker restarted empty (a new cluster id); True if it did, None if
        the check failed (the broker's identity is unknown for now).

        A broker that restarted empty has new, lower offsets: positions carried over would
        skip the re-published events and the new ones below them, so every assigned
        partition goes back to offset 0, and a partition assigned later starts at 0 too unless
        it was committed on the new broker since (see `_Rebalance`); the inbox absorbs the
        replay. That also covers a commit in flight when the old broker died (aiokafka
        retries it): it lands on the new one with the old numbering. While the check fails
        (None), fetched batches are held back for a while rather than committed blind.

        A plain `seek`, which only sets the position: `seek_to_beginning` (used before)
        waits for the fetcher to ask the broker, up to the request timeout, and did so
        while the group re-formed on the new broker. Replacing the consumer instead costs
        a second group join (18 s on the local broker, the rejoined old member has to
        expire); the watch in `_main` replaces it only if it stops consuming.
        """
        try:
            cluster_id = await self.bus.cluster_id()
        except Exception:
            cluster_id = None
        if not cluster_id:
            if self._unsure_since is None:
                self._unsure_since = time.monotonic()
            return None
        self._unsure_since = None
        changed = bool(self._cluster_id and cluster_id != self._cluster_id)
        self._cluster_id = cluster_id
        if changed:
            log.warning("broker restarted empty; consuming from the beginning", consumer=self.name)
            self._new_broker = True
            self._committed_on_new_broker = set()
            self._position, self._ends, self._fetching_from = {}, {}, {}
            consumer = self.consumer
            assert consumer is not None
            for tp in consumer.assignment():
                # not assigned any more (a rebalance under way): the listener starts it at 0
                with contextlib.suppress(IllegalStateError):
                    consumer.seek(tp, 0)
        return changed

    async def _process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        headers = {k: v.decode(errors="replace") for k, v in (record.headers or ())}
        try:
            envelope = Envelope.model_validate_json(record.value or b"")
        except (ValidationError, ValueError) as exc:
            await self._dead_letter(record, None, exc, attempts=0)
            return
        if isinstance(self.handler, EventRouter | OwnTransactionHandler) and not self.handler.handles(envelope.type):
            return
        token = otel_context.attach(context_from_headers(headers))
        try:
            with tracer().start_as_current_span(
                f"consume {envelope.type}", kind=trace.SpanKind.CONSUMER, attributes={"messaging.consumer": self.name}
            ):
                await self._handle_with_retries(record, envelope)
        finally:
            otel_context.detach(token)

    async def _handle_with_retries(self, record: ConsumerRecord[bytes, bytes], envelope: Envelope) -> None:
        attempt = 0
        delay = self.settings.consumer_retry_backoff_s
        while True:
            try:
                if isinstance(self.handler, OwnTransactionHandler):

                    async def _claim(session: AsyncSession, e: Envelope = envelope) -> bool:
                        return await claim(session, self.name, e.id, e.type)

                    if not await self.handler.run(envelope, _claim):
                        self.duplicates += 1
                        self.metrics.labels(self.metrics.consumed, consumer=self.name, outcome="duplicate").inc()
                        return
                else:
                    async with self.db.transaction() as session:
                        if not await claim(session, self.name, envelope.id, envelope.type):
                            self.duplicates += 1
                            self.metrics.labels(self.metrics.consumed, consumer=self.name, outcome="duplicate").inc()
                            return
                        await self.handler(session, envelope)
                self.handled += 1
                self.metrics.labels(self.metrics.consumed, consumer=self.name, outcome="handled").inc()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                attempt += 1
                # A service holding a sealed field's key is down (issue 17): wait for it, never dead-letter
                # (the event needs the key; its partition waits, nothing is lost).
                waiting = isinstance(exc, UnsealUnavailable)
                if isinstance(exc, PoisonEvent) or (attempt > self.settings.consumer_max_retries and not waiting):
                    await self._dead_letter(record, envelope, exc, attempts=attempt)
                    return
                log.info(
                    "handler failed; retrying",
                    consumer=self.name,
                    event_id=envelope.id,
                    attempt=attempt,
                    error=safe_error(exc),
                )
                await asyncio.sleep(delay)
                self._last_poll = time.monotonic()  # retrying is not stalled
                if waiting:
                    self._last_progress = time.monotonic()  # waiting on a peer is not a stall
                cap = self.settings.consumer_retry_backoff_max_s
                delay = min(delay * 2, cap * 15 if waiting else cap)  # waiting: up to 30 s by default

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], envelope: Envelope | None, exc: Exception, *, attempts: int
    ) -> None:
        logical = record.topic.removeprefix(self.settings.topic_prefix)
        event_id = (
            envelope.id
            if envelope
            else str(uuid.uuid5(uuid.NAMESPACE_URL, f"{record.topic}/{record.partition}/{record.offset}"))
        )
        async with self.db.transaction() as session:
            if not await claim(session, self.name, event_id, envelope.type if envelope else "unparseable", "dead"):
                return
            await self.outbox.add_raw(
                session,
                event_id=str(uuid.uuid4()),
                topic=topic_names.dead_letter(logical),
                key=(record.key or b"").decode(errors="replace") or event_id,
                type_=envelope.type if envelope else "unparseable",
                tenant=envelope.tenant if envelope else "",
                payload=(record.value or b"").decode(errors="replace"),
                headers={
                    "x-dead-letter-consumer": self.name,
                    "x-dead-letter-error": f"{type(exc).__name__}: {exc}"[:1000],
                    "x-dead-letter-attempts": str(attempts),
                    "x-original-topic": record.topic,
                    "x-original-partition": str(record.partition),
                    "x-original-offset": str(record.offset),
                },
            )
        self.dead_lettered += 1
        self.metrics.labels(self.metrics.consumed, consumer=self.name, outcome="dead_letter").inc()
        log.error(
            "event dead-lettered",
            consumer=self.name,
            event_id=event_id,
            error=safe_error(exc),
            attempts=attempts,
            detail=json.dumps({"topic": record.topic, "offset": record.offset}),
        )
