"""Test helpers for the agents service (tests import this module, never conftest)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI

from frontdoor_agents.context import AgentsContext
from frontdoor_agents.hours.service import upsert_queue
from frontdoor_common.bus.events import Envelope, Event
from frontdoor_common.bus.kafka import ensure_topics
from frontdoor_common.clock import SystemClock
from frontdoor_common.testing import parts_of

OSLO = ZoneInfo("Europe/Oslo")
WALL_CLOCK = SystemClock()  # latency measurements against the broker's timestamps are on the real clock


def context_of(app: FastAPI) -> AgentsContext:
    """The running app's composition root (inside `running_app`)."""
    return parts_of(app, AgentsContext)


def oslo(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A wall-clock time in Oslo."""
    return datetime(y, m, d, hh, mm, tzinfo=OSLO)


@dataclass
class Seen:
    """A record read from the broker, with when the test saw it (perf_counter) and the broker's timestamp."""

    envelope: Envelope
    seen_at: float
    broker_ms: int
    seen_wall: float


class TopicWatcher:
    """Reads a topic from the beginning in the background, so tests can wait for events and time them."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.records: list[Seen] = []
        self._task: asyncio.Task[None] | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._arrived = asyncio.Event()

    async def __aenter__(self) -> TopicWatcher:
        # The topic may not exist yet (the service creates it when it starts): create it first.
        await ensure_topics(self.bootstrap, [self.topic], partitions=2)
        self._consumer = AIOKafkaConsumer(
            self.topic,
            bootstrap_servers=self.bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
            fetch_max_wait_ms=20,
            metadata_max_age_ms=500,
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            batch = await self._consumer.getmany(timeout_ms=50)
            now, wall = time.perf_counter(), WALL_CLOCK.time()
            for recs in batch.values():
                for r in recs:
                    self.records.append(Seen(Envelope.model_validate_json(r.value), now, r.timestamp, wall))
                    self._arrived.set()

    def of_type(self, event_type: str, key: str | None = None) -> list[Seen]:
        """Records of one event type (and key), in arrival order, each event once (the bus is at-least-once)."""
        seen: set[str] = set()
        out = []
        for s in self.records:
            if (
                s.envelope.type == event_type
                and (key is None or s.envelope.subject == key)
                and s.envelope.id not in seen
            ):
                seen.add(s.envelope.id)
                out.append(s)
        return out

    async def wait_for(self, check: Callable[[], Any], timeout: float = 15.0) -> Any:
        """Wait until `check()` is truthy (re-checked whenever a record arrives)."""
        deadline = time.perf_counter() + timeout
        while True:
            value = check()
            if value:
                return value
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise AssertionError(f"not seen within {timeout}s; records: {[s.envelope.type for s in self.records]}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(remaining, 0.2))

    async def settle(self, seconds: float = 0.3) -> None:
        """Give anything still in flight the chance to arrive (to show nothing more came)."""
        await asyncio.sleep(seconds)


async def add_queue(app: FastAPI, tenant: str, name: str = "Loop 1", queue_id: uuid.UUID | None = None) -> uuid.UUID:
    """Put a queue in the replica as if routing had announced it."""
    ctx = context_of(app)
    queue_id = queue_id or uuid.uuid4()
    async with ctx.db.transaction() as session:
        await upsert_queue(session, tenant, queue_id, name, True, ctx.clock.now())
    ctx.wake_scheduler()
    return queue_id


def envelope(event: Event, *, tenant: str, at: datetime | None = None, source: str = "routing") -> Envelope:
    """An event in its envelope, as another service would publish it (optionally dated)."""
    env = Envelope.wrap(event, tenant=tenant, source=source)
    return env.model_copy(update={"time": at}) if at is not None else env


async def produce(bootstrap: str, topic: str, envelopes: list[Envelope]) -> None:
    """Publish envelopes to a topic as another service would."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for env in envelopes:
            await producer.send_and_wait(topic, env.model_dump_json().encode(), key=env.subject.encode())
    finally:
        await producer.stop()


class HttpServer:
    """A raw HTTP/1.1 server on this machine whose paths misbehave on purpose (feeds, redirects, drips,
    endless bodies); counts connections and bytes sent. `routes` maps a path to (status, headers, body)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.connections = 0
        self.sent = 0
        self.paths: list[str] = []
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> HttpServer:
        self._server = await asyncio.start_server(self._handle, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    def url(self, path: str, host: str | None = None) -> str:
        """The URL of a path on this server (by another name or address of this machine if given)."""
        return f"http://{host or self.host}:{self.port}{path}"

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await writer.drain()
        self.sent += len(data)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            self.paths.append(path)
            if path == "/drip":  # one byte every 0.3 s, forever
                await self._send(writer, b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
                while True:
                    await self._send(writer, b"B")
                    await asyncio.sleep(0.3)
            elif path == "/huge":  # no length given; up to 6.5 GB unless the client stops reading
                await self._send(writer, b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nConnection: close\r\n\r\n")
                chunk = b"BEGIN:VCALENDAR\r\n" + b"X" * 65519
                for _ in range(100_000):
                    await self._send(writer, chunk)
            else:
                status, headers, body = self.routes.get(path, (404, {}, b"not here"))
                lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}"]
                lines += [f"{k}: {v}" for k, v in headers.items()]
                await self._send(writer, ("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        except (ConnectionError, asyncio.IncompleteReadError, IndexError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()


def non_loopback_address() -> str | None:
    """An IPv4 address of this machine that is not loopback (to stand for an intranet host), if it has one."""
    import ipaddress
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.123", 9))  # sends nothing: only asks the routing table
            addr = str(s.getsockname()[0])
        except OSError:
            return None
    return None if ipaddress.ip_address(addr).is_loopback else addr


def rss_bytes() -> int:
    """This process's resident memory now (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0
