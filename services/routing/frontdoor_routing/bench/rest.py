"""`make bench-routing-rest`: call post to offer received on the agent's event stream, over REST.

`python -m frontdoor_routing.bench.rest [--calls N] [--agents N] [--warmup N] [--postgres-url URL]`

The floor: a bare FastAPI endpoint (`POST /v1/calls` answering a call of the same shape; no
token, no database, no broker) served as its own process by the same server as the routing
service (uvicorn with uvloop and httptools, as `python -m frontdoor_routing serve` runs it),
each request timed from just before its POST to its parsed response. It is measured just
before each engine's run, so that a ratio compares figures taken under the same load.

The routing service, on a fresh SQLite database, and on a fresh PostgreSQL database when
an admin URL is given (`--postgres-url`, default `$BENCH_POSTGRES_URL`; the database is
created and dropped here): a broker and the routing service start as real processes on
loopback, agents are announced through the agents topic as the agents service would, one
server-sent-event stream is opened per agent, then CTI workers post calls; each call's
latency is from just before its POST to the moment its offer arrives on the agent's stream.
Agents accept and complete at once, so the run measures routing, not queueing.

Both are measured at 1 and 16 concurrent connections (a keep-alive httpx client of one
connection each, the client on uvloop) with the same number of timed requests (calls),
after the same warm-up; with 1,000 calls or fewer p99.9 is the slowest one. Prints a line
per engine and concurrency (and the floor's) with the issue's targets and the ratio to the
floor beside the figures; the last line is one JSON object:
`{"floor": {"sqlite": [...], "postgresql": [...]}, "sqlite": [...], "postgresql": [...], ...}`.
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
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

from frontdoor_common.auth import mint_token
from frontdoor_common.bus.broker import LocalBroker, free_port
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.cli import serve_as_a_service
from frontdoor_common.events.agents import AgentPresenceChanged, AgentSnapshot, QueueMembership
from frontdoor_common.events.routing import CallSnapshot

TENANT = "bbbbbbbb-0000-4000-8000-000000000001"
CONCURRENCIES = (1, 16)
# Issue 18's targets for the routing service.
TARGET_P99_MS = {1: 5.0, 16: 25.0}
TARGET_CALLS_PER_S = 1500.0
_SERVER = "uvicorn, uvloop, httptools"


def _q(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _figures(latencies: list[float], elapsed: float) -> dict[str, float]:
    return {
        "p50_ms": round(_q(latencies, 0.5), 2),
        "p99_ms": round(_q(latencies, 0.99), 2),
        "p999_ms": round(_q(latencies, 0.999), 2),
        "per_s": round(len(latencies) / elapsed, 1),
    }


# --- the floor -------------------------------------------------------------------------


class FloorCallCreate(BaseModel):
    """The floor's request body: what the bench posts to the routing service."""

    cti_call_id: str
    ivr_digit: str | None = None


class FloorCallView(BaseModel):
    """The floor's answer: a call snapshot and its outcome, as the routing service answers."""

    call: CallSnapshot
    outcome: str
    offer_id: uuid.UUID | None = None


def floor_app() -> Any:
    """The floor: a bare FastAPI `POST /v1/calls` answering a call (no token, no database, no broker)."""
    from fastapi import FastAPI

    app = FastAPI()
    queue_id = uuid.uuid4()

    @app.post("/v1/calls", response_model=FloorCallView)
    async def post_call(body: FloorCallCreate) -> FloorCallView:
        now = datetime.now(UTC)
        call = CallSnapshot(
            call_id=uuid.uuid4(),
            tenant_id=TENANT,
            cti_call_id=body.cti_call_id,
            ivr_digit=body.ivr_digit,
            queue_id=queue_id,
            original_queue_id=queue_id,
            state="offered",
            arrived_at=now,
            queued_at=now,
            offered_at=now,
        )
        return FloorCallView(call=call, outcome="offered", offer_id=uuid.uuid4())

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def serve_floor(port: int) -> None:
    """Serve the floor as `python -m frontdoor_routing serve` serves the service (uvloop, httptools)."""
    serve_as_a_service(floor_app(), port)


# --- processes and clients -------------------------------------------------------------


@contextlib.asynccontextmanager
async def _process(command: list[str], env: dict[str, str], log: Path, port: int, ready: str) -> AsyncIterator[str]:
    """A server process on `port`; yields its base URL once `ready` answers 200."""
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, *command], env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=out
        )
    try:
        deadline = time.monotonic() + 120
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            while True:
                if proc.poll() is not None:
                    tail = (await asyncio.to_thread(log.read_text, errors="replace"))[-2000:]
                    raise RuntimeError(f"{command} exited: {tail}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{command} not ready in 120 s")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(ready)).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _client(base: str, token: str, connections: int = 200) -> httpx.AsyncClient:
    # The floor gets the same clients, headers included (it does not check the token).
    return httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        limits=httpx.Limits(max_connections=connections),
    )


@contextlib.asynccontextmanager
async def _connections(base: str, token: str, count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """`count` clients of one connection each, connected (a GET /healthz each) before the timing.

    One client per CTI connection: 16 coroutines sharing one httpx pool halved the floor's
    requests per second and tripled its p99 (the pool, not the server, was the bottleneck)."""
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(_client(base, token, connections=1)) for _ in range(count)]
        for c in clients:
            (await c.get("/healthz")).raise_for_status()
        yield clients


def _post_body() -> dict[str, str]:
    return {"cti_call_id": uuid.uuid4().hex, "ivr_digit": "1"}


async def _floor_worker(client: httpx.AsyncClient, requests: int, out: list[float]) -> None:
    for _ in range(requests):
        t0 = time.perf_counter()
        r = await client.post("/v1/calls", json=_post_body())
        r.raise_for_status()
        r.json()
        out.append((time.perf_counter() - t0) * 1000)


@contextlib.asynccontextmanager
async def floor_server(tmp: Path) -> AsyncIterator[str]:
    """The floor served by its own process (`--serve-floor PORT`); yields its base URL."""
    port = free_port()
    command = ["-m", "frontdoor_routing.bench.rest", "--serve-floor", str(port)]
    async with _process(command, {}, tmp / "floor.log", port, "/healthz") as base:
        yield base


async def measure_floor(base: str, args: argparse.Namespace, before: str) -> list[dict[str, Any]]:
    """The floor's figures at each concurrency (measured just `before` an engine's run)."""
    results = []
    token = mint_token(tenant_id=TENANT)
    async with _connections(base, token, 1) as (client,):
        await _floor_worker(client, args.warmup, [])
    for concurrency in CONCURRENCIES:
        latencies: list[float] = []
        per_worker = max(1, args.calls // concurrency)
        async with _connections(base, token, concurrency) as clients:
            started = time.perf_counter()
            await asyncio.gather(*[_floor_worker(c, per_worker, latencies) for c in clients])
            f = _figures(latencies, time.perf_counter() - started)
        r = {
            "concurrency": concurrency,
            "requests": len(latencies),
            "p50_ms": f["p50_ms"],
            "p99_ms": f["p99_ms"],
            "p999_ms": f["p999_ms"],
            "requests_per_s": f["per_s"],
        }
        results.append(r)
        print(
            f"{'floor':<10} {concurrency:>2} conn: POST->response p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
            f"p99.9 {r['p999_ms']} ms | {r['requests_per_s']} requests/s (bare FastAPI endpoint, {_SERVER}; "
            f"measured before the {before} run)",
            flush=True,
        )
    return results


# --- the routing service ---------------------------------------------------------------


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
        r = await client.post("/v1/calls", json=_post_body())
        post_ms.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
        call_id = r.json()["call"]["call_id"]
        fut = waiters.setdefault(call_id, loop.create_future())
        offer = await asyncio.wait_for(fut, 10)
        out.append((offer["received"] - t0) * 1000)
        waiters.pop(call_id, None)
        (await client.post(f"/v1/offers/{offer['offer_id']}/accept")).raise_for_status()
        (await client.post(f"/v1/calls/{call_id}/complete")).raise_for_status()


async def _announce_agents(bus: KafkaBus, queue_id: str, count: int) -> list[uuid.UUID]:
    agents = [uuid.uuid4() for _ in range(count)]
    now = datetime.now(UTC)
    for a in agents:
        snap = AgentSnapshot(
            agent_id=a,
            tenant_id=TENANT,
            name="bench",
            presence="available",
            presence_since=now,
            available=True,
            queues=[QueueMembership(queue_id=uuid.UUID(queue_id))],
        )
        envelope = Envelope.wrap(AgentPresenceChanged(current=snap, at=now), tenant=TENANT, source="bench")
        await bus.producer.send_and_wait(
            "frontdoor.agents.v1", envelope.model_dump_json().encode(), key=str(a).encode()
        )
    return agents


async def _open_streams(
    client: httpx.AsyncClient,
    agents: list[uuid.UUID],
    waiters: dict[str, asyncio.Future[dict[str, Any]]],
    tasks: list[asyncio.Task[None]],
) -> None:
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
        else:
            raise RuntimeError(f"agent {a}'s offer stream never opened")


def _ratio(value: float, floor: float) -> float | None:
    return round(value / floor, 2) if floor else None


def _engine_line(engine: str, r: dict[str, Any]) -> str:
    c = r["concurrency"]
    return (
        f"{engine:<10} {c:>2} conn: post->offer p50 {r['offer_p50_ms']} ms ({r['p50_x_floor']}x floor), "
        f"p99 {r['offer_p99_ms']} ms ({r['p99_x_floor']}x; target <= {TARGET_P99_MS[c]:g} ms), "
        f"p99.9 {r['offer_p999_ms']} ms ({r['p999_x_floor']}x) | {r['calls_per_s']} calls/s "
        f"({r['calls_per_s_x_floor']}x floor requests/s; target >= {TARGET_CALLS_PER_S:,.0f}) | "
        f"POST p50 {r['post_p50_ms']} ms p99 {r['post_p99_ms']} ms (each call also accepted and completed)"
    )


async def _timed_calls(
    base: str,
    token: str,
    waiters: dict[str, asyncio.Future[dict[str, Any]]],
    floor: list[dict[str, Any]],
    engine: str,
    args: argparse.Namespace,
) -> list[dict[str, Any]]:
    """Post to offer at each concurrency, each figure beside the floor's measured at the same one."""
    results = []
    for concurrency, bound in zip(CONCURRENCIES, floor, strict=True):
        latencies: list[float] = []
        posts: list[float] = []
        per_worker = max(1, args.calls // concurrency)
        async with _connections(base, token, concurrency) as clients:
            started = time.perf_counter()
            await asyncio.gather(*[_worker(c, per_worker, waiters, latencies, posts) for c in clients])
            f = _figures(latencies, time.perf_counter() - started)
        r = {
            "concurrency": concurrency,
            "calls": len(latencies),
            "offer_p50_ms": f["p50_ms"],
            "offer_p99_ms": f["p99_ms"],
            "offer_p999_ms": f["p999_ms"],
            "calls_per_s": f["per_s"],
            "post_p50_ms": round(_q(posts, 0.5), 2),
            "post_p99_ms": round(_q(posts, 0.99), 2),
            "p50_x_floor": _ratio(f["p50_ms"], bound["p50_ms"]),
            "p99_x_floor": _ratio(f["p99_ms"], bound["p99_ms"]),
            "p999_x_floor": _ratio(f["p999_ms"], bound["p999_ms"]),
            "calls_per_s_x_floor": _ratio(f["per_s"], bound["requests_per_s"]),
            "target_p99_ms": TARGET_P99_MS[concurrency],
            "target_calls_per_s": TARGET_CALLS_PER_S,
        }
        results.append(r)
        print(_engine_line(engine, r), flush=True)
    return results


async def measure_routing(
    url: str, args: argparse.Namespace, floor: list[dict[str, Any]], tmp: Path
) -> list[dict[str, Any]]:
    """The routing service on the database at `url`: post to offer at each concurrency."""
    engine = "postgresql" if url.startswith("postgres") else "sqlite"
    broker = LocalBroker().start()
    port = free_port()
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "ROUTING_DATABASE_URL": url,
        "ROUTING_PORT": str(port),
        "ROUTING_LOG_LEVEL": "WARNING",
        "ROUTING_OTEL_ENABLED": "false",
        "ROUTING_KNOWN_AGENT_PREFERENCE_SECONDS": "0",
        # group commit is measured on (off by default in the service); ROUTING_GROUP_COMMIT=false measures it off
        "ROUTING_GROUP_COMMIT": os.environ.get("ROUTING_GROUP_COMMIT", "true"),
        "FRONTDOOR_ENV": "test",
        "ROUTING_TOPIC_PARTITIONS": "2",
        "ROUTING_CONSUMER_SESSION_TIMEOUT_MS": "2000",
    }
    results: list[dict[str, Any]] = []
    tasks: list[asyncio.Task[None]] = []
    bus = KafkaBus(broker.bootstrap, client_id="bench")
    try:
        service = _process(["-m", "frontdoor_routing", "serve"], env, tmp / f"routing-{engine}.log", port, "/readyz")
        token = mint_token(tenant_id=TENANT)
        # `client` holds the agents' streams; each CTI connection has a client of its own.
        async with service as base, _client(base, token) as client:
            try:
                made = await client.post("/v1/queues", json={"name": "Bench", "ivr_digit": "1"})
                if made.is_error:
                    raise RuntimeError(f"POST /v1/queues: {made.status_code} {made.text}")
                q = made.json()["id"]
                await bus.start()
                agents = await _announce_agents(bus, q, args.agents)
                await asyncio.sleep(0.5)
                waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
                await _open_streams(client, agents, waiters, tasks)
                async with _connections(base, token, 1) as (cti,):
                    await _worker(cti, args.warmup, waiters, [], [])
                results = await _timed_calls(base, token, waiters, floor, engine, args)
            finally:  # the streams end before the service stops (it would wait for them)
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await bus.stop()
        broker.stop()
    return results


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    """The floor, then the routing service on SQLite, and on PostgreSQL when asked."""
    with tempfile.TemporaryDirectory(prefix="routing-bench-rest-", ignore_cleanup_errors=True) as tmp:
        return await _measure_all(args, Path(tmp))


async def _measure_all(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from frontdoor_common.testing import create_database  # pytest's plugin module: not for the floor

    out: dict[str, Any] = {
        "benchmark": "routing.rest.post_to_offer",
        "server": _SERVER,
        "targets": {
            "p99_ms_at_1": TARGET_P99_MS[1],
            "p99_ms_at_16": TARGET_P99_MS[16],
            "calls_per_s": TARGET_CALLS_PER_S,
        },
    }
    # The floor is measured again just before each engine's run (its services not started yet),
    # so that each ratio compares figures taken under the same load on the machine.
    out["floor"] = {}
    async with floor_server(tmp) as floor_base:
        out["floor"]["sqlite"] = floor = await measure_floor(floor_base, args, "sqlite")
        url, drop = create_database("sqlite", tmp)
        try:
            out["sqlite"] = await measure_routing(url, args, floor, tmp)
        finally:
            drop()
        if args.postgres_url:
            out["floor"]["postgresql"] = floor = await measure_floor(floor_base, args, "postgresql")
            out["postgresql"] = await _on_postgres(args, floor, tmp)
    return out


async def _on_postgres(args: argparse.Namespace, floor: list[dict[str, Any]], tmp: Path) -> list[dict[str, Any]]:
    """The routing service on a fresh PostgreSQL database on the server at --postgres-url."""
    from frontdoor_common.testing import create_database

    # create_database (the tests' helper) takes its server from TEST_POSTGRES_URL, and so
    # does the drop it returns: set for the whole PostgreSQL run.
    previous = os.environ.get("TEST_POSTGRES_URL")
    os.environ["TEST_POSTGRES_URL"] = args.postgres_url
    try:
        url, drop = await asyncio.to_thread(create_database, "postgresql", tmp)
        try:
            return await measure_routing(url, args, floor, tmp)
        finally:
            await asyncio.to_thread(drop)
    finally:
        if previous is None:
            os.environ.pop("TEST_POSTGRES_URL", None)
        else:
            os.environ["TEST_POSTGRES_URL"] = previous


def main(argv: list[str] | None = None) -> int:
    """Run the REST latency benchmark (or, with --serve-floor, serve the floor)."""
    parser = argparse.ArgumentParser(description="Call post to offer on the event stream, over REST.")
    parser.add_argument("--calls", type=int, default=320, help="timed calls (and floor requests) per concurrency")
    parser.add_argument("--agents", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=16, help="untimed calls (and floor requests) first")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL") or None,
        help="also measure on PostgreSQL: an admin URL (postgresql://user@host:port/postgres); "
        "a fresh database is made and dropped "
        "(default: $BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--serve-floor", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return 0
    import uvloop

    # The client on uvloop too, so that less of each figure is the client's own overhead.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        out = runner.run(main_async(args))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
