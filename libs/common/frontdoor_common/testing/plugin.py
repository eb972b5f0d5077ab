"""pytest fixtures on real parts: the broker binary, fresh SQLite/PostgreSQL databases, apps.

- `kafka_bootstrap`: one Tansu broker per test session on a free loopback port (or
  KAFKA_BOOTSTRAP_SERVERS if set); tests isolate themselves with a topic prefix.
- `db_url`: a fresh database per test, on SQLite and, when TEST_POSTGRES_URL is set,
  on PostgreSQL too (the test runs once per engine; the PostgreSQL run is marked `postgresql`).
- `make_settings`: settings for a service pointing at both, with fast timings.
- `running_app` / `serve_app`: an app with its lifespan, in process (httpx) or on a port.
- `stays_responsive` (also the `responsive` fixture): /healthz round trips under a bound
  while something else runs (a bulk import, a flood, a slow dependency).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from frontdoor_common.auth import mint_token
from frontdoor_common.bus.broker import LocalBroker, free_port
from frontdoor_common.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)

ENGINES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_POSTGRES_URL") else [])
# The PostgreSQL run of a test carries the `postgresql` marker: `make test` runs the SQLite
# half, `make test-postgres` (a CI step of its own) the PostgreSQL half.
_ENGINE_PARAMS = [pytest.param(e, marks=pytest.mark.postgresql) if e == "postgresql" else e for e in ENGINES]


def _pg_admin_url() -> str:
    url = os.environ["TEST_POSTGRES_URL"]
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _pg_exec(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_pg_admin_url())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(engine: str, tmp_path: Path) -> tuple[str, Callable[[], None]]:
    """A new empty database and a function that drops it."""
    if engine == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.sqlite'}", lambda: None
    name = f"fd_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with contextlib.suppress(Exception):
            asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return _with_database(_pg_admin_url(), name), drop


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[LocalBroker | None]:
    """The session's local broker (None when KAFKA_BOOTSTRAP_SERVERS points elsewhere)."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield None
        return
    broker = LocalBroker().start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: LocalBroker | None) -> str:
    """host:port of the test broker."""
    return kafka_broker.bootstrap if kafka_broker is not None else os.environ["KAFKA_BOOTSTRAP_SERVERS"]


@pytest.fixture(params=_ENGINE_PARAMS)
def db_engine(request: pytest.FixtureRequest) -> str:
    """'sqlite', and 'postgresql' when TEST_POSTGRES_URL is set."""
    return str(request.param)


@pytest.fixture
def db_url(db_engine: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for this test."""
    url, drop = create_database(db_engine, tmp_path)
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def topic_prefix() -> str:
    """A topic prefix unique to this test, so tests sharing a broker never see each other."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def make_settings(db_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path) -> Callable[..., Any]:
    """Build settings of a given class pointing at this test's database, broker and topics."""

    def factory(cls: type[S], **overrides: Any) -> S:
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": db_url,
            "kafka_bootstrap_servers": kafka_bootstrap,
            "topic_prefix": topic_prefix,
            "topic_partitions": 2,
            "var_dir": tmp_path / "var",
            "outbox_poll_interval_s": 0.05,
            "broker_watch_interval_s": 0.5,
            "consumer_retry_backoff_s": 0.01,
            "consumer_retry_backoff_max_s": 0.05,
            "consumer_max_retries": 3,
            "consumer_session_timeout_ms": 2000,
            "consumer_heartbeat_interval_ms": 400,
            "log_json": True,
            "log_level": "WARNING",
            "otel_enabled": False,
            "port": free_port(),
        }
        values.update(overrides)
        return cls(**values)

    return factory


@pytest.fixture
def token_for() -> Callable[..., str]:
    """Mint a development token: token_for(tenant, scopes='all', **kw)."""

    def mint(tenant: str, scopes: str | list[str] = "all", **kw: Any) -> str:
        return mint_token(tenant_id=tenant, scopes=scopes, **kw)

    return mint


def auth(token: str) -> dict[str, str]:
    """Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


@contextlib.asynccontextmanager
async def running_app(app: Any, *, base_url: str = "http://test") -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and give an in-process httpx client for it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=30) as client:
            yield client


@contextlib.asynccontextmanager
async def serve_app(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Serve the app with uvicorn on a loopback port (for streaming); yields its base URL."""
    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        loop="asyncio",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + 30
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server exited before starting")
        if asyncio.get_running_loop().time() > deadline:  # e.g. the port was taken meanwhile
            server.should_exit = True
            raise TimeoutError(f"the app did not start on port {port} within 30 s")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(task, 60)
        except TimeoutError:
            raise RuntimeError(f"the app on port {port} did not shut down within 60 s") from None


async def eventually(check: Callable[[], Any], *, timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll `check` (sync or async) until it returns a truthy value; fail after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")
        await asyncio.sleep(interval)


@dataclass
class Responsiveness:
    """What `stays_responsive` saw: each /healthz round trip (seconds, or None if it failed)."""

    bound: float
    samples: list[float | None] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def worst(self) -> float:
        """The slowest round trip, in seconds (inf if one failed)."""
        if not self.samples:
            return 0.0
        return max(float("inf") if s is None else s for s in self.samples)


@contextlib.asynccontextmanager
async def stays_responsive(
    target: httpx.AsyncClient | str,
    *,
    bound: float = 0.5,
    interval: float = 0.05,
    path: str = "/healthz",
    min_samples: int = 3,
) -> AsyncIterator[Responsiveness]:
    """Probe `path` every `interval` while the block runs; then assert each answered 200 within `bound` s.

    `target` is a client (in-process `running_app` or on a port) or a base URL (a fresh client on
    its own connection, as a load balancer's probe would be). A service whose event loop is
    blocked, or whose workers are all busy, fails it:

        async with stays_responsive(client, bound=0.3):
            await client.post("/v1/members/import", content=big)
    """
    own = isinstance(target, str)
    client = httpx.AsyncClient(base_url=target, timeout=30) if isinstance(target, str) else target
    seen = Responsiveness(bound=bound)
    stop = asyncio.Event()

    async def probe() -> None:
        due = time.perf_counter()
        while True:
            # Timed from when the probe was due, not from when it got to run: an app served in
            # this process that blocks the event loop delays the probe itself, and that counts.
            started = min(due, time.perf_counter())
            try:
                r = await asyncio.wait_for(client.get(path), max(5.0, bound * 10))
                elapsed = time.perf_counter() - started
                if r.status_code != 200:
                    seen.samples.append(None)
                    seen.failures.append(f"{path} answered {r.status_code}")
                else:
                    seen.samples.append(elapsed)
                    if elapsed > bound:
                        seen.failures.append(f"{path} took {elapsed:.3f} s (bound {bound} s)")
            except Exception as exc:
                seen.samples.append(None)
                seen.failures.append(f"{path} failed: {type(exc).__name__}: {exc}")
            if stop.is_set() and len(seen.samples) >= min_samples:
                return
            due = time.perf_counter() + interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    task = asyncio.create_task(probe())
    try:
        yield seen
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, max(30.0, bound * 20))
        finally:
            if own:
                await client.aclose()
    assert not seen.failures, f"not responsive ({len(seen.failures)} of {len(seen.samples)} probes): " + "; ".join(
        seen.failures[:5]
    )


@pytest.fixture
def responsive() -> Callable[..., Any]:
    """`stays_responsive` as a fixture: `async with responsive(client, bound=0.3): ...`."""
    return stays_responsive


PartsT = TypeVar("PartsT")


def parts_of(app: Any, kind: type[PartsT]) -> PartsT:
    """A running app's composition root (inside `running_app`), typed: `parts_of(app, MembersContext)`."""
    parts = app.state.runtime.parts
    if not isinstance(parts, kind):
        raise AssertionError(f"the app is not running (its parts are {type(parts).__name__}, not {kind.__name__})")
    return parts
