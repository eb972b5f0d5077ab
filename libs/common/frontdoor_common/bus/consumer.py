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
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from opentelemetry import context as otel_context
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus import topics as topic_names
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.tables import inbox
from frontdoor_common.db import Database
from frontdoor_common.logging import get_logger
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
        self.running = False
        self.handled = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self._position: dict[TopicPartition, int] = {}

    async def start(self) -> None:
        """Join the group and start consuming in the background."""
        self.consumer = AIOKafkaConsumer(
            *[self.settings.topic(t) for t in self.topics],
            bootstrap_servers=self.bus.bootstrap,
            group_id=self.group_id,
            client_id=f"{self.settings.service_name}-{self.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=500,
            session_timeout_ms=self.settings.consumer_session_timeout_ms,
            heartbeat_interval_ms=self.settings.consumer_heartbeat_interval_ms,
        )
        await self.consumer.start()
        with contextlib.suppress(Exception):
            self._cluster_id = await self.bus.cluster_id()
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.name}")
        self.running = True

    async def stop(self) -> None:
        """Leave the group."""
        self.running = False
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.consumer is not None:
            with contextlib.suppress(Exception):
                await self.consumer.stop()

    def lag(self) -> int:
        """Messages on assigned partitions not yet handled."""
        if self.consumer is None:
            return 0
        total = 0
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            with contextlib.suppress(Exception):
                if high is not None:
                    total += max(0, high - self._position.get(tp, 0))
        return total

    async def _run(self) -> None:
        assert self.consumer is not None
        self._position = {}
        watch_at = time.monotonic() + self.settings.broker_watch_interval_s
        while True:
            try:
                batches = await self.consumer.getmany(timeout_ms=200, max_records=500)
                for tp, records in batches.items():
                    for record in records:
                        await self._process(record)
                        self._position[tp] = record.offset + 1
                    if records:
                        await self.consumer.commit({tp: records[-1].offset + 1})
                self.metrics.labels(self.metrics.consumer_lag, consumer=self.name).set(self.lag())
                if time.monotonic() > watch_at:
                    watch_at = time.monotonic() + self.settings.broker_watch_interval_s
                    await self._check_broker()
                self.running = True
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker gone for a moment: keep trying
                self.running = False
                log.warning("consumer error", consumer=self.name, error=str(exc), error_type=type(exc).__name__)
                await asyncio.sleep(0.5)

    async def _check_broker(self) -> None:
        # A broker that restarted empty has new, lower offsets: our positions would skip
        # the re-published events, so start over; the inbox absorbs the replay.
        try:
            cluster_id = await self.bus.cluster_id()
        except Exception:
            return
        if cluster_id and self._cluster_id and cluster_id != self._cluster_id:
            log.warning("broker restarted empty; consuming from the beginning", consumer=self.name)
            assert self.consumer is not None
            partitions = list(self.consumer.assignment())
            if partitions:
                await self.consumer.seek_to_beginning(*partitions)
            self._position = {}
        if cluster_id:
            self._cluster_id = cluster_id

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
                if isinstance(exc, PoisonEvent) or attempt > self.settings.consumer_max_retries:
                    await self._dead_letter(record, envelope, exc, attempts=attempt)
                    return
                log.info(
                    "handler failed; retrying",
                    consumer=self.name,
                    event_id=envelope.id,
                    attempt=attempt,
                    error=str(exc),
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.consumer_retry_backoff_max_s)

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
            error=str(exc),
            attempts=attempts,
            detail=json.dumps({"topic": record.topic, "offset": record.offset}),
        )
