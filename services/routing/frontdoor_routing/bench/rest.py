"""`make bench-routing-rest`: call post to offer received on the agent's event stream, over REST.

Starts a broker and the routing service as real processes on loopback (SQLite), announces
agents through the agents topic as the agents service would, opens one server-sent-event
stream per agent, then CTI workers (1, then 16 concurrent connections) post calls; each
call's latency is from just before its POST to the moment its offer arrives on the
agent's stream. Agents accept and complete at once, so the run measures routing, not
queueing. The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from frontdoor_common.auth import mint_token
from frontdoor_common.bus.broker import LocalBroker, free_port
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.events.agents import AgentPresenceChanged, AgentSnapshot, QueueMembership

TENANT = "bbbbbbbb-0000-4000-8000-000000000001"


def _q(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _stream(
    client: httpx.AsyncClient,
    agent: uuid.UUID,
    waiters: dict[str, asyncio.Future[dict[str, Any]]],
    ready: asyncio.Event,
) -> None:
    async with client.stream("GET", f"/v1/agents/{agent}/offers", timeout=None) as r:
        event = None
        async for line in r.aiter_lines():
            if line.startswith(": connected"):
                ready.set()
            elif line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "offer":
                data = json.loads(line[6:])
                data["received"] = time.perf_counter()
                # The offer can arrive before the POST's response: park it for the worker.
                fut = waiters.setdefault(data["call_id"], asyncio.get_running_loop().create_future())
                if not fut.done():
                    fut.set_result(data)


async def _worker(
    client: httpx.AsyncClient,
    calls: int,
    waiters: dict[str, asyncio.Future[dict[str, Any]]],
    out: list[float],
    post_ms: list[float],
) -> None:
    for _ in range(calls):
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()
        r = await client.post("/v1/calls", json={"cti_call_id": uuid.uuid4().hex, "ivr_digit": "1"})
        post_ms.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
        call_id = r.json()["call"]["call_id"]
        fut = waiters.setdefault(call_id, loop.create_future())
        offer = await asyncio.wait_for(fut, 10)
        out.append((offer["received"] - t0) * 1000)
        waiters.pop(call_id, None)
        (await client.post(f"/v1/offers/{offer['offer_id']}/accept")).raise_for_status()
        (await client.post(f"/v1/calls/{call_id}/complete")).raise_for_status()


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    broker = LocalBroker().start()
    port = free_port()
    tmp = tempfile.mkdtemp()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "ROUTING_DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'routing.db'}",
        "ROUTING_PORT": str(port),
        "ROUTING_LOG_LEVEL": "WARNING",
        "ROUTING_OTEL_ENABLED": "false",
        "ROUTING_KNOWN_AGENT_PREFERENCE_SECONDS": "0",
        "FRONTDOOR_ENV": "test",
        "ROUTING_TOPIC_PARTITIONS": "2",
        "ROUTING_CONSUMER_SESSION_TIMEOUT_MS": "2000",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "frontdoor_routing", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    token = mint_token(tenant_id=TENANT)
    base = f"http://127.0.0.1:{port}"
    results = []
    tasks: list[asyncio.Task[None]] = []
    bus = KafkaBus(broker.bootstrap, client_id="bench")
    try:
        async with httpx.AsyncClient(
            base_url=base,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            limits=httpx.Limits(max_connections=200),
        ) as client:
            for _ in range(200):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            q = (await client.post("/v1/queues", json={"name": "Bench", "ivr_digit": "1"})).json()["id"]
            await bus.start()
            agents = [uuid.uuid4() for _ in range(args.agents)]
            now = datetime.now(UTC)
            for a in agents:
                snap = AgentSnapshot(
                    agent_id=a,
                    tenant_id=TENANT,
                    name="bench",
                    presence="available",
                    presence_since=now,
                    available=True,
                    queues=[QueueMembership(queue_id=uuid.UUID(q))],
                )
                env_ = Envelope.wrap(AgentPresenceChanged(current=snap, at=now), tenant=TENANT, source="bench")
                await bus.producer.send_and_wait(
                    "frontdoor.agents.v1", env_.model_dump_json().encode(), key=str(a).encode()
                )
            await asyncio.sleep(0.5)
            waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
            for a in agents:
                for _ in range(100):
                    ready = asyncio.Event()
                    task = asyncio.create_task(_stream(client, a, waiters, ready))
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(ready.wait(), 2)
                    if ready.is_set():
                        tasks.append(task)
                        break
                    task.cancel()
                    await asyncio.sleep(0.1)  # the agent's event is not consumed yet
            for concurrency in (1, 16):
                latencies: list[float] = []
                posts: list[float] = []
                per_worker = max(1, args.calls // concurrency)
                started = time.perf_counter()
                await asyncio.gather(
                    *[_worker(client, per_worker, waiters, latencies, posts) for _ in range(concurrency)]
                )
                elapsed = time.perf_counter() - started
                r = {
                    "concurrency": concurrency,
                    "calls": len(latencies),
                    "offer_p50_ms": round(_q(latencies, 0.5), 2),
                    "offer_p99_ms": round(_q(latencies, 0.99), 2),
                    "post_p50_ms": round(_q(posts, 0.5), 2),
                    "post_p99_ms": round(_q(posts, 0.99), 2),
                    "calls_per_s": round(len(latencies) / elapsed, 1),
                }
                results.append(r)
                print(
                    f"{concurrency:>2} CTI connections: post->offer p50 {r['offer_p50_ms']} ms p99 "
                    f"{r['offer_p99_ms']} ms | POST p50 {r['post_p50_ms']} ms | {r['calls_per_s']} calls/s "
                    "(each call also accepted and completed)",
                    flush=True,
                )
    finally:
        for t in tasks:
            t.cancel()
        await bus.stop()
        proc.terminate()
        proc.wait(10)
        broker.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the REST latency benchmark."""
    parser = argparse.ArgumentParser(description="Call post to offer on the event stream, over REST.")
    parser.add_argument("--calls", type=int, default=320)
    parser.add_argument("--agents", type=int, default=32)
    results = asyncio.run(run(parser.parse_args(argv)))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
