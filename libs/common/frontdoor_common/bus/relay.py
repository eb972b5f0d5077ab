"""The outbox relay: publishes committed outbox rows in order and marks them sent.

At-least-once: a crash between the broker's ack and the `sent_at` update re-sends the
batch on restart, and consumers' inboxes make that harmless. Marking is off the publishing
path: acked rows wait in memory (`_unmarked`) while the next batch is read and sent, and a
marker task writes their `sent_at` together, one transaction for many batches. A row waiting
for its mark is never read as unsent again: each read leaves out the rows that waited when it
began (a row leaves `_unmarked` only once its mark has committed, so a read that began later
sees the mark). Batches still go out one after another, each only once the previous one is
acked, so the order per key is the order of the ids. Sent rows are kept for
`outbox_retention_hours` so that a broker that restarted empty (the local one keeps
nothing) can be refilled: the relay notices the broker's new cluster id and re-publishes
the window by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Select, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from frontdoor_common.bus import topics as topic_names
from frontdoor_common.bus.kafka import KafkaBus, ensure_topics
from frontdoor_common.bus.tables import outbox
from frontdoor_common.db import Database, release_driver_frames
from frontdoor_common.logging import get_logger, safe_error
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.telemetry import Metrics

log = get_logger(__name__)

# One relay per database publishes; on PostgreSQL the others wait on this advisory lock.
_RELAY_LOCK_KEY = 0x0F_D0_0B_0C
# The marker writes at most this often: under load many batches share one transaction (on SQLite
# each mark takes the write lock the services' own transactions wait for).
_MARK_INTERVAL_S = 0.02
# Rows per UPDATE of a mark (SQLite caps a statement's parameters).
_MARK_CHUNK = 1000


_UNSENT_COLUMNS = "id, topic, key, payload, headers, created_at"
# The relay's read, as the drivers take it (see OutboxRelay._read_unsent).
_UNSENT_SQL = {
    "sqlite": f"SELECT {_UNSENT_COLUMNS} FROM {outbox.name} WHERE sent_at IS NULL ORDER BY id LIMIT ?",
    "postgresql": f"SELECT {_UNSENT_COLUMNS} FROM {outbox.name} WHERE sent_at IS NULL ORDER BY id LIMIT $1",
}


class _Unsent(NamedTuple):
    id: int
    topic: str
    key: str
    payload: str
    headers: str
    created_at: datetime


def _unsent_select(limit: int) -> Select[Any]:
    return (
        select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.payload, outbox.c.headers, outbox.c.created_at)
        .where(outbox.c.sent_at.is_(None))
        .order_by(outbox.c.id)
        .limit(limit)
    )


def _sqlite_time(value: Any) -> datetime:
    """A DateTime column as SQLite keeps it (SQLAlchemy writes ISO text, in UTC here)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


class OutboxRelay:
    """Moves outbox rows to the broker, in id order, one batch at a time."""

    def __init__(
        self,
        db: Database,
        bus: KafkaBus,
        settings: ServiceSettings,
        metrics: Metrics,
        *,
        topics: list[str] | None = None,
    ) -> None:
        self.db = db
        self.bus = bus
        self.settings = settings
        self.metrics = metrics
        self.topics = topics or list(topic_names.ALL)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._leader_conn: AsyncConnection | None = None
        self._reader: AsyncConnection | None = None  # reads the unsent rows: see _read_unsent
        self._driver_conn: Any = None
        self._cluster_id: str | None = None
        self.latencies: list[float] = []  # row-creation-to-ack seconds, for benchmarks
        self.record_latencies = False
        # Called with each batch's rows (id, topic, key, ...) as soon as the broker acked them
        # (benchmarks time commit to ack with it).
        self.on_acked: Callable[[Sequence[Any]], None] | None = None
        self.healthy = False
        self.published_total = 0
        # True from a re-publish until the rows it marked have gone out again (/readyz: degraded).
        self.republishing = False
        self._republish_generation = 0
        # Marking rows sent and marking the window unsent (a re-publish) never interleave:
        # see _flush_marks and republish.
        self._marking = asyncio.Lock()
        # Acked rows whose `sent_at` is not written yet: id -> the broker's ack time.
        self._unmarked: dict[int, datetime] = {}
        self._marks_due = asyncio.Event()
        self._marker: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Publish soon: a transaction with events just committed."""
        self._wake.set()

    async def start(self) -> None:
        """Create topics, remember the broker's identity, start publishing and watching."""
        await self._ensure_topics()
        with contextlib.suppress(Exception):
            self._cluster_id = await self.bus.cluster_id()
        self._marker = asyncio.create_task(self._mark_loop(), name="outbox-marker")
        self._tasks = [
            asyncio.create_task(self._publish_loop(), name="outbox-relay"),
            asyncio.create_task(self._watch_loop(), name="outbox-broker-watch"),
            self._marker,
        ]
        self.healthy = True

    async def stop(self) -> None:
        """Stop the loops, write the marks still due (a clean stop re-sends nothing), and
        release leadership."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        self._marker = None
        with contextlib.suppress(Exception):  # unwritten marks only mean those rows go out again
            await asyncio.wait_for(self._flush_marks(), 5.0)
        await self._drop_reader()
        if self._leader_conn is not None:
            with contextlib.suppress(Exception):
                await self._leader_conn.close()
            self._leader_conn = None

    async def _ensure_topics(self) -> None:
        logical = list(self.topics)
        with contextlib.suppress(Exception):  # topics named by rows waiting to go out, too
            async with self.db.transaction() as session:
                pending = await session.execute(select(outbox.c.topic).where(outbox.c.sent_at.is_(None)).distinct())
                logical += [t for (t,) in pending.all() if t not in logical and not t.endswith(".dlq")]
        names = [self.settings.topic(t) for t in logical]
        names += [self.settings.topic(topic_names.dead_letter(t)) for t in logical]
        await ensure_topics(
            self.bus.bootstrap,
            names,
            partitions=self.settings.topic_partitions,
            replication=self.settings.topic_replication_factor,
        )

    async def _make_unknown_topics(self, names: set[str]) -> None:
        """Create the batch's topics the producer does not know (asking never creates them, see
        `bus.asking`): a topic named by a row added since start, or one a broker that restarted
        empty lacks and the watch has not noticed yet. Without this, sending waits out the
        request timeout on a topic nobody makes."""
        cluster = self.bus.producer.client.cluster
        unknown = sorted(name for name in names if not cluster.partitions_for_topic(name))
        if unknown:
            await ensure_topics(
                self.bus.bootstrap,
                unknown,
                partitions=self.settings.topic_partitions,
                replication=self.settings.topic_replication_factor,
            )

    async def _is_leader(self) -> bool:
        if self.db.dialect != "postgresql":
            return True
        if self._leader_conn is None or self._leader_conn.closed:
            self._leader_conn = await self.db.engine.connect()
            got = await self._leader_conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": _RELAY_LOCK_KEY})
            await self._leader_conn.commit()
            if not got:
                await self._leader_conn.close()
                self._leader_conn = None
                return False
        return True

    async def _publish_loop(self) -> None:
        purge_at = 0.0
        while True:
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.outbox_poll_interval_s)
                self._wake.clear()
                if not await self._is_leader():
                    await asyncio.sleep(2.0)
                    continue
                generation = self._republish_generation
                while await self.publish_batch() >= self.settings.outbox_batch_size:
                    if len(self._unmarked) >= 4 * self.settings.outbox_batch_size:
                        await self._flush_marks()  # the marker fell behind: each read would grow
                if self.republishing and generation == self._republish_generation:
                    # drained, and no re-publish came in since this drain began
                    self.republishing = False
                    log.info("outbox re-publish finished")
                if time.monotonic() > purge_at:
                    await self.purge()
                    purge_at = time.monotonic() + 60
                self.healthy = True
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep relaying after a broker or database hiccup
                self.healthy = False
                log.warning("outbox relay error", error=safe_error(exc), error_type=type(exc).__name__)
                await asyncio.sleep(0.5)

    async def publish_batch(self) -> int:
        """Publish up to one batch of unsent rows, in id order; return how many.

        The rows are marked sent by the marker task (or, with no marker running, before this
        returns)."""
        waiting = set(self._unmarked)  # taken before the read begins: see the module docstring
        limit = self.settings.outbox_batch_size
        rows = await self._read_unsent(limit + len(waiting))
        rows = [row for row in rows if row.id not in waiting][:limit]
        if not rows:
            if not waiting:
                self.metrics.labels(self.metrics.outbox_pending).set(0)
            return 0
        generation = self._republish_generation
        await self._make_unknown_topics({self.settings.topic(row.topic) for row in rows})
        futures = []
        for row in rows:
            headers = [(k, str(v).encode()) for k, v in json.loads(row.headers or "{}").items()]
            futures.append(
                await self.bus.producer.send(
                    self.settings.topic(row.topic),
                    value=row.payload.encode(),
                    key=row.key.encode(),
                    headers=headers,
                )
            )
        await asyncio.gather(*futures)
        acked = datetime.now(UTC)
        if generation != self._republish_generation:
            # A re-publish ran while this batch was in flight: the broker restarted empty
            # meanwhile, and part of the batch may have been acked by the one that died.
            # Marking it sent now would hide it from the re-publish (it only re-sends rows
            # already marked); left unsent, it goes out again on the next pass.
            log.info("batch in flight across a broker restart; sending it again", rows=len(rows))
            return len(rows)
        for row in rows:
            self._unmarked[row.id] = acked
        self._observe(rows, acked)
        if self._marker is None or self._marker.done():
            await self._flush_marks()
        else:
            self._marks_due.set()
        return len(rows)

    async def _read_unsent(self, limit: int) -> Sequence[Any]:
        """The first `limit` unsent rows in id order: one statement on the relay's own connection,
        sent by the driver itself (one round trip, where the ORM's BEGIN, SELECT and COMMIT made
        three or more; a single statement reads one consistent snapshot all the same, and on
        SQLite it never waits for the write lock)."""
        dialect = self.db.dialect
        if dialect not in _UNSENT_SQL:
            async with self.db.snapshot() as session:
                return (await session.execute(_unsent_select(limit))).all()
        try:
            driver = await self._driver()
            if dialect == "postgresql":
                records = [_Unsent(*record) for record in await driver.fetch(_UNSENT_SQL[dialect], limit)]
            else:
                records = [
                    _Unsent(i, t, k, p, h, _sqlite_time(c))
                    for i, t, k, p, h, c in await driver.execute_fetchall(_UNSENT_SQL[dialect], (limit,))
                ]
        except BaseException as exc:
            release_driver_frames(exc)
            await self._drop_reader()
            raise
        if self._marker is None:  # not started (a single pass): keep no connection
            await self._drop_reader()
        return records

    async def _driver(self) -> Any:
        """The driver's connection (aiosqlite's or asyncpg's) under the relay's own reader."""
        if self._reader is None or self._reader.closed:
            reader = await self.db.read_engine.connect()
            self._reader = reader
            driver: Any = (await reader.get_raw_connection()).driver_connection
            if self.db.dialect == "postgresql":
                # Every row marked sent leaves a dead entry under `sent_at IS NULL` in
                # ix_outbox_unsent until the table is vacuumed. The planner's bitmap scan visits
                # them all on every read (11 ms each with the 26,000 of a benchmark: most of the
                # relay's latency); an index scan flags them dead once and skips them from then on.
                # Set on this connection only; it is dropped, not pooled, when the relay lets it go.
                await driver.execute("SET enable_bitmapscan = off")
            self._driver_conn = driver
        return self._driver_conn

    async def _drop_reader(self) -> None:
        reader, self._reader, self._driver_conn = self._reader, None, None
        if reader is not None:
            with contextlib.suppress(Exception):
                await reader.invalidate()
            with contextlib.suppress(Exception):
                await reader.close()

    async def _mark_loop(self) -> None:
        while True:
            await self._marks_due.wait()
            await asyncio.sleep(_MARK_INTERVAL_S)  # let the next batches join this mark
            self._marks_due.clear()
            try:
                await self._flush_marks()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the rows stay waiting (never read as unsent): try again
                log.warning("outbox mark failed", error=safe_error(exc), error_type=type(exc).__name__)
                self._marks_due.set()
                await asyncio.sleep(0.5)

    async def _flush_marks(self) -> None:
        """Write `sent_at` for every acked row waiting for it, in one transaction. A row leaves
        `_unmarked` only once its mark has committed."""
        async with self._marking:
            if not self._unmarked:
                return
            marks = dict(self._unmarked)
            ids = list(marks)
            sent_at = max(marks.values())  # marks are shared: the latest ack among them
            async with self.db.transaction() as session:
                for start in range(0, len(ids), _MARK_CHUNK):
                    chunk = ids[start : start + _MARK_CHUNK]
                    await session.execute(update(outbox).where(outbox.c.id.in_(chunk)).values(sent_at=sent_at))
            for row_id in ids:
                self._unmarked.pop(row_id, None)

    def _observe(self, rows: Sequence[Any], acked: datetime) -> None:
        if self.on_acked is not None:
            self.on_acked(rows)
        hist = self.metrics.labels(self.metrics.outbox_publish_latency)
        for row in rows:
            created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
            seconds = max(0.0, (acked - created).total_seconds())
            hist.observe(seconds)
            if self.record_latencies:
                self.latencies.append(seconds)
        self.published_total += len(rows)
        self.metrics.labels(self.metrics.outbox_published).inc(len(rows))

    async def purge(self) -> int:
        """Delete sent rows older than the retention window."""
        cutoff = datetime.now(UTC) - timedelta(hours=self.settings.outbox_retention_hours)
        async with self.db.transaction() as session:
            result = await session.execute(
                delete(outbox).where(outbox.c.sent_at.is_not(None), outbox.c.created_at < cutoff)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def republish(self, since: datetime | None = None) -> int:
        """Mark rows inside the window (or since `since`) unsent, so they go out again."""
        cutoff = since or datetime.now(UTC) - timedelta(hours=self.settings.outbox_retention_hours)
        async with self._marking:
            async with self.db.transaction() as session:
                result = await session.execute(
                    update(outbox)
                    .where(outbox.c.sent_at.is_not(None), outbox.c.created_at >= cutoff)
                    .values(sent_at=None)
                )
            self._republish_generation += 1
            # Acked rows not marked yet are unsent in the table: they go out again too.
            self._unmarked.clear()
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            self.republishing = True
        self.metrics.labels(self.metrics.outbox_republished).inc(count)
        log.info("outbox re-published", rows=count, since=cutoff.isoformat())
        self.wake()
        return count

    async def pending(self) -> int:
        """Rows not yet published (acked rows are marked first)."""
        await self._flush_marks()
        async with self.db.transaction() as session:
            return int(await session.scalar(select(func.count()).where(outbox.c.sent_at.is_(None))) or 0)

    async def _watch_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.broker_watch_interval_s)
            try:
                await self.check_broker()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker is down or just starting: the next watch tries again
                log.info("broker watch failed", error=safe_error(exc), error_type=type(exc).__name__)

    async def check_broker(self) -> bool:
        """Re-publish the window if the broker is a new one (restarted empty). True if it was.

        The new broker's id is adopted only once its topics exist and the window is marked for
        re-publishing: a step that fails (a broker just started can refuse the topics' creation
        for a moment) leaves the old id, so the next watch tries the whole of it again. Adopting
        the id first made one failed attempt final: the window never went back on the broker.
        """
        cluster_id = await self.bus.cluster_id()
        if cluster_id is None or cluster_id == self._cluster_id:
            return False
        previous = self._cluster_id
        if previous is None:
            self._cluster_id = cluster_id
            return False
        log.warning("broker restarted empty; re-publishing the outbox window", old=previous, new=cluster_id)
        await self._ensure_topics()
        if await self._is_leader():
            await self.republish()
        self._cluster_id = cluster_id
        return True


async def run_standalone(settings: ServiceSettings) -> None:
    """Run only the relay for a database (a separate process in production or in tests)."""
    from frontdoor_common.bus.kafka import KafkaBus

    if not settings.kafka_bootstrap_servers:
        raise SystemExit("KAFKA_BOOTSTRAP_SERVERS (or --bootstrap) is required")
    db = Database(settings.effective_database_url)
    bus = KafkaBus(settings.kafka_bootstrap_servers, client_id=f"frontdoor-{settings.service_name}-relay")
    await bus.start()
    relay = OutboxRelay(db, bus, settings, Metrics(settings.service_name))
    await relay.start()
    try:
        await asyncio.Event().wait()
    finally:
        await relay.stop()
        await bus.stop()
        await db.dispose()


def main(argv: list[str] | None = None) -> None:
    """`python -m frontdoor_common.bus.relay --database-url URL --bootstrap HOST:PORT`."""
    import argparse

    parser = argparse.ArgumentParser(description="Publish a service database's outbox to Kafka.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--bootstrap", default=None)
    parser.add_argument("--service", default="relay")
    parser.add_argument("--topic-prefix", default="")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--partitions", type=int, default=6)
    args = parser.parse_args(argv)
    settings = ServiceSettings(
        service_name=args.service,
        database_url=args.database_url,
        kafka_bootstrap_servers=args.bootstrap or os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
        topic_prefix=args.topic_prefix,
        outbox_batch_size=args.batch_size,
        topic_partitions=args.partitions,
        outbox_poll_interval_s=0.05,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_standalone(settings))


if __name__ == "__main__":
    main()
