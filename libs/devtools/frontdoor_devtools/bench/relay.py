"""`make bench-relay` (`python -m frontdoor_devtools.bench.relay`): the outbox relay's throughput
and publish latency on this machine.

Against a real local broker and a real database (a SQLite file; PostgreSQL too with
--postgres-url): (1) throughput: N events committed while the relay is stopped, then the
time the relay takes to publish them all; (2) latency: single-event transactions committed
one after another while the relay runs; (3) paced: --rate events per second for --seconds,
each committed in its own transaction by a committer process (one core commits, the other
relays, as a service's requests and its relay would share a busy machine), which wakes the
relay after each commit as `Outbox.on_commit` does in a service. In (2) and (3) each event is
timed from its commit (the clock read just before COMMIT, so the commit itself is in it) to
the broker's acknowledgement (the relay's `on_acked`), p50, p99, p99.9; both processes read
the same monotonic clock. Also printed, from the row's creation to the ack: that adds the
transaction's own time before its commit (its wait for SQLite's write lock behind the other
committer or the relay's marks), which the committer's own transaction figures show too. The
floor is measured in the same run: a bare producer with the relay's settings (`KafkaBus`)
sending one message at a time at the same rate to the same broker, each timed from send to
ack; the ratio is the relay's commit-to-ack figure over the floor's. Prints a line per engine
and, last, JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from frontdoor_common.bus.broker import LocalBroker
from frontdoor_common.bus.kafka import KafkaBus, ensure_topics
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


def _quantiles(prefix: str, ms: list[float]) -> dict[str, float]:
    if not ms:
        return {}
    return {f"{prefix}_{name}_ms": round(_q(ms, q), 2) for name, q in (("p50", 0.5), ("p99", 0.99), ("p999", 0.999))}


async def commit_paced(url: str, *, rate: float, seconds: float, committers: int) -> None:
    """The committer process: single-event transactions at `rate` for `seconds` (event i due at
    i/rate, taken by the first of `committers` tasks free); a line "c KEY T" on stdout after each
    commit, T the monotonic clock just before the commit (the relay's process wakes its relay on
    it), then a JSON summary."""
    db = Database(url)
    box = Outbox("bench")
    loop = asyncio.get_running_loop()
    n = int(rate * seconds)
    durations: list[float] = []
    out = sys.stdout
    start = loop.time()
    slots = iter(range(n))

    async def committer() -> None:
        for i in slots:
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            began = time.perf_counter()
            async with db.transaction() as s:
                await box.add(s, Deposit(account=f"p{i}"), tenant="bench")
                committing = time.monotonic()
            durations.append((time.perf_counter() - began) * 1000)
            out.write(f"c p{i} {committing!r}\n")
            out.flush()

    await asyncio.gather(*(committer() for _ in range(committers)))
    elapsed = loop.time() - start
    await db.dispose()
    out.write(json.dumps({"committed": n, "rate": round(n / elapsed), **_quantiles("txn", durations)}) + "\n")
    out.flush()


def _ack_clock(relay: OutboxRelay) -> dict[str, float]:
    """Record, by key, when the broker acked each row `relay` publishes (the monotonic clock)."""
    acked: dict[str, float] = {}

    def on_acked(rows: Any) -> None:
        now = time.monotonic()
        for row in rows:
            acked.setdefault(row.key, now)

    relay.on_acked = on_acked
    return acked


def _commit_to_ack_ms(committed: dict[str, float], acked: dict[str, float]) -> list[float]:
    return [(acked[key] - at) * 1000 for key, at in committed.items() if key in acked]


async def paced(relay: OutboxRelay, url: str, *, rate: float, seconds: float, committers: int) -> dict[str, Any]:
    """Commit at `rate` in a committer process while `relay` publishes; commit-to-ack figures."""
    relay.record_latencies = True
    relay.latencies.clear()
    acked = _ack_clock(relay)
    committed: dict[str, float] = {}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "frontdoor_devtools.bench.relay",
        "--commit-into",
        url,
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
        "--committers",
        str(committers),
        stdout=asyncio.subprocess.PIPE,
        env=os.environ.copy(),
    )
    assert proc.stdout is not None
    summary: dict[str, Any] = {}
    while line := await proc.stdout.readline():
        if line.startswith(b"c "):
            relay.wake()
            _, key, at = line.split()
            committed[key.decode()] = float(at)
        else:
            summary = json.loads(line)
    await proc.wait()
    deadline = time.monotonic() + 60
    while len(acked) < len(committed) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    ms = _commit_to_ack_ms(committed, acked)
    created_ms = [x * 1000 for x in relay.latencies]
    relay.record_latencies = False
    relay.on_acked = None
    return {
        "paced_events": len(ms),
        "paced_rate_events_per_s": summary.get("rate"),
        **_quantiles("paced_commit_to_ack", ms),
        **_quantiles("paced_created_to_ack", created_ms),
        "paced_txn_p50_ms": summary.get("txn_p50_ms"),
        "paced_txn_p99_ms": summary.get("txn_p99_ms"),
    }


async def floor(bootstrap: str, *, rate: float, seconds: float) -> dict[str, Any]:
    """The bound: a bare producer with the relay's settings, one message at a time at `rate`,
    each timed from send to the broker's ack."""
    topic = f"floor{uuid.uuid4().hex[:6]}"
    await ensure_topics(bootstrap, [topic], partitions=6)
    bus = KafkaBus(bootstrap, client_id="bench-floor")
    await bus.start()
    payload = Deposit(account="p0").model_dump_json().encode() * 4  # about an envelope's size
    ms: list[float] = []

    async def one(i: int) -> None:
        began = time.perf_counter()
        ack = await bus.producer.send(topic, value=payload, key=f"p{i % 100}".encode())
        await ack
        ms.append((time.perf_counter() - began) * 1000)

    await one(-1)
    ms.clear()
    loop = asyncio.get_running_loop()
    tasks = []
    start = loop.time()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    await bus.stop()
    return {"floor_events": len(ms), **_quantiles("floor_send_to_ack", ms)}


async def run(
    url: str,
    bootstrap: str,
    *,
    events: int,
    latency_events: int,
    rate: float = 0,
    seconds: float = 0,
    committers: int = 1,
) -> dict[str, Any]:
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
    acked = _ack_clock(relay)
    committed: dict[str, float] = {}
    for i in range(latency_events):
        async with db.transaction() as s:
            await box.add(s, Deposit(account=f"l{i}"), tenant="bench")
            committed[f"l{i}"] = time.monotonic()  # just before the commit
        await asyncio.sleep(0.002)
    while len(acked) < latency_events:
        await asyncio.sleep(0.01)
    ms = _commit_to_ack_ms(committed, acked)
    created_ms = [x * 1000 for x in relay.latencies]
    paced_figures = await paced(relay, url, rate=rate, seconds=seconds, committers=committers) if rate > 0 else {}
    await relay.stop()
    await bus.stop()
    await db.dispose()
    return {
        "engine": db.dialect,
        "events": events,
        "throughput_events_per_s": round(throughput),
        "latency_events": latency_events,
        "publish_p50_ms": round(_q(ms, 0.5), 2),
        "publish_p99_ms": round(_q(ms, 0.99), 2),
        "publish_created_to_ack_p50_ms": round(_q(created_ms, 0.5), 2),
        "publish_created_to_ack_p99_ms": round(_q(created_ms, 0.99), 2),
        **paced_figures,
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
                r = await run(
                    url,
                    broker.bootstrap,
                    events=args.events,
                    latency_events=args.latency_events,
                    rate=args.rate,
                    seconds=args.seconds,
                    committers=args.committers,
                )
                results.append(r)
                print(
                    f"{r['engine']:<10} throughput {r['throughput_events_per_s']:>7} events/s | commit->ack "
                    f"p50 {r['publish_p50_ms']} ms p99 {r['publish_p99_ms']} ms ({r['latency_events']} events; "
                    f"row creation->ack p50 {r['publish_created_to_ack_p50_ms']} ms "
                    f"p99 {r['publish_created_to_ack_p99_ms']} ms)",
                    flush=True,
                )
            if args.rate > 0:
                bound = await floor(broker.bootstrap, rate=args.rate, seconds=args.seconds)
                print(
                    f"{'floor':<10} bare producer send->ack at {args.rate:g}/s: p50 {bound['floor_send_to_ack_p50_ms']}"
                    f" ms p99 {bound['floor_send_to_ack_p99_ms']} ms p99.9 {bound['floor_send_to_ack_p999_ms']} ms",
                    flush=True,
                )
                for r in results:
                    r.update(bound)
                    for q in ("p50", "p99", "p999"):
                        relay_ms = r.get(f"paced_commit_to_ack_{q}_ms")
                        floor_ms = bound.get(f"floor_send_to_ack_{q}_ms")
                        if relay_ms is not None and floor_ms:
                            r[f"paced_ratio_{q}"] = round(relay_ms / floor_ms, 1)
                    print(
                        f"{r['engine']:<10} paced {args.rate:g}/s for {args.seconds:g} s (committed at "
                        f"{r.get('paced_rate_events_per_s')}/s, txn p99 {r.get('paced_txn_p99_ms')} ms): commit->ack "
                        f"p50 {r.get('paced_commit_to_ack_p50_ms')} ms p99 {r.get('paced_commit_to_ack_p99_ms')} ms "
                        f"p99.9 {r.get('paced_commit_to_ack_p999_ms')} ms | ratio to the floor "
                        f"p50 {r.get('paced_ratio_p50')}x p99 {r.get('paced_ratio_p99')}x | row creation->ack "
                        f"p50 {r.get('paced_created_to_ack_p50_ms')} ms p99 {r.get('paced_created_to_ack_p99_ms')} ms",
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
    parser.add_argument("--rate", type=float, default=500, help="paced events per second (0: no paced run)")
    parser.add_argument("--seconds", type=float, default=10, help="how long the paced run commits")
    parser.add_argument("--committers", type=int, default=2, help="concurrent committing tasks (paced run)")
    parser.add_argument("--commit-into", default=None, help=argparse.SUPPRESS)  # the paced committer process
    args = parser.parse_args(argv)
    if args.commit_into:
        asyncio.run(commit_paced(args.commit_into, rate=args.rate, seconds=args.seconds, committers=args.committers))
        return 0
    results = asyncio.run(main_async(args))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
