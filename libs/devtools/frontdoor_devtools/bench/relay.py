"""`make bench-relay` (`python -m frontdoor_devtools.bench.relay`): the outbox relay's throughput
and publish latency on this machine.

Against a real local broker and a real database (a SQLite file; PostgreSQL too with
--postgres-url): (1) throughput: N events committed while the relay is stopped, then the
time the relay takes to publish them all; (2) latency: single-event transactions committed
one after another while the relay runs, each timed from the row's creation (just before
its commit) to the broker's acknowledgement. Prints a line per engine and, last, JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from frontdoor_common.bus.broker import LocalBroker
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.relay import OutboxRelay
from frontdoor_common.bus.tables import BUS_METADATA
from frontdoor_common.db import Database
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.telemetry import Metrics
from frontdoor_common.testing.ledger import TOPICS, Deposit


def _q(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(url: str, bootstrap: str, *, events: int, latency_events: int) -> dict[str, Any]:
    """Measure one database engine."""
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(BUS_METADATA.drop_all)
        await conn.run_sync(BUS_METADATA.create_all)
    settings = ServiceSettings(
        service_name="bench",
        topic_prefix=f"bench{uuid.uuid4().hex[:6]}.",
        topic_partitions=6,
        outbox_batch_size=1000,
        outbox_poll_interval_s=0.05,
    )
    bus = KafkaBus(bootstrap, client_id="bench")
    await bus.start()
    box = Outbox("bench")
    async with db.transaction() as s:
        for start in range(0, events, 1000):
            await box.add_many(
                s, [Deposit(account=f"a{i % 100}") for i in range(start, min(events, start + 1000))], tenant="bench"
            )
    relay = OutboxRelay(db, bus, settings, Metrics("bench"), topics=TOPICS)
    started = time.perf_counter()
    await relay.start()
    while relay.published_total < events:
        await asyncio.sleep(0.01)
    throughput = events / (time.perf_counter() - started)

    box.on_commit(relay.wake)
    relay.record_latencies = True
    relay.latencies.clear()
    for i in range(latency_events):
        async with db.transaction() as s:
            await box.add(s, Deposit(account=f"l{i % 10}"), tenant="bench")
        await asyncio.sleep(0.002)
    while len(relay.latencies) < latency_events:
        await asyncio.sleep(0.01)
    await relay.stop()
    await bus.stop()
    await db.dispose()
    ms = [x * 1000 for x in relay.latencies]
    return {
        "engine": db.dialect,
        "events": events,
        "throughput_events_per_s": round(throughput),
        "latency_events": latency_events,
        "publish_p50_ms": round(_q(ms, 0.5), 2),
        "publish_p99_ms": round(_q(ms, 0.99), 2),
    }


async def main_async(args: argparse.Namespace) -> list[dict[str, Any]]:
    broker = LocalBroker().start()
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            urls = [f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"]
            if args.postgres_url:
                urls.append(args.postgres_url)
            for url in urls:
                r = await run(url, broker.bootstrap, events=args.events, latency_events=args.latency_events)
                results.append(r)
                print(
                    f"{r['engine']:<10} throughput {r['throughput_events_per_s']:>7} events/s | commit->ack "
                    f"p50 {r['publish_p50_ms']} ms p99 {r['publish_p99_ms']} ms ({r['latency_events']} events)",
                    flush=True,
                )
    finally:
        broker.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the relay benchmark."""
    parser = argparse.ArgumentParser(description="Outbox relay throughput and latency.")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--latency-events", type=int, default=1_000)
    parser.add_argument("--postgres-url", default=None, help="also measure on this PostgreSQL database")
    results = asyncio.run(main_async(parser.parse_args(argv)))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
