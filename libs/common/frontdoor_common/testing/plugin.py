"""pytest fixtures on real parts: the broker binary, fresh SQLite/PostgreSQL databases, apps.

- `kafka_bootstrap`: one Tansu broker per test session on a free loopback port (or
  KAFKA_BOOTSTRAP_SERVERS if set); tests isolate themselves with a topic prefix.
- `db_url`: a fresh database per test, on SQLite and, when TEST_POSTGRES_URL is set,
  on PostgreSQL too (the test runs once per engine).
- `make_settings`: settings for a service pointing at both, with fast timings.
- `running_app` / `serve_app`: an app with its lifespan, in process (httpx) or on a port.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from frontdoor_common.auth import mint_token
from frontdoor_common.bus.broker import LocalBroker, free_port
from frontdoor_common.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)

ENGINES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_POSTGRES_URL") else [])


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


@pytest.fixture(params=ENGINES)
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
