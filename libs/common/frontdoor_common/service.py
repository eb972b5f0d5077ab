"""The service factory: every Frontdoor service is `build_app(settings, spec)`.

Nothing wires itself at import time. The lifespan builds the database, the bus producer,
the outbox relay and the consumers, exposes them as `app.state.runtime`, and closes them
in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import TypeVar as DefaultedTypeVar

from frontdoor_common.auth import Principal, TokenVerifier, require
from frontdoor_common.bus import topics
from frontdoor_common.bus.consumer import ConsumerRunner, EventRouter, Handler, OwnTransactionHandler
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.relay import OutboxRelay
from frontdoor_common.busy import install_busy_handler
from frontdoor_common.db import Database
from frontdoor_common.errors import PROBLEM_JSON, Problem, Unavailable, install_error_handlers
from frontdoor_common.logging import configure_logging, get_logger
from frontdoor_common.middleware import BodyLimitMiddleware, RequestContextMiddleware
from frontdoor_common.migrations import upgrade
from frontdoor_common.openapi import install_openapi
from frontdoor_common.privacy.lifecycle import (
    RetentionJob,
    build_sealer,
    build_unsealer,
    erasure_router,
    privacy_router,
)
from frontdoor_common.privacy.seal import Sealer, Unsealer
from frontdoor_common.privacy.spec import PrivacySpec
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.telemetry import Metrics, setup_tracing
from frontdoor_common.workers import Worker

log = get_logger(__name__)


P = TypeVar("P")


@dataclass
class ConsumerSpec(Generic[P]):
    """A named consumer: its topics and its handler, built from the service's parts."""

    name: str
    topics: list[str]
    handler: Callable[[P], Handler | EventRouter | OwnTransactionHandler]


class Parts:
    """Base of a service's composition root (its `context.py`): the typed parts it is built of.

    A service subclasses it as a dataclass holding its settings, clock, notifier, engines and
    workers; `ServiceSpec.parts` builds it once per process, in the lifespan, after the
    database, the bus and the relay. The lifespan then runs `start()`, the seed, starts
    `workers` (asked `healthy()` by /readyz), starts the consumers (their handlers built from
    the parts), and at shutdown stops all of it in reverse, ending with `close()`.
    """

    workers: list[Worker]

    def __init__(self) -> None:
        self.workers = []

    async def start(self) -> None:
        """Load what must be in memory before the API or the consumers use the parts."""

    async def close(self) -> None:
        """Close what the parts opened (HTTP clients ...); workers are already stopped."""


PartsT = DefaultedTypeVar("PartsT", bound=Parts, default=Parts)


async def no_parts(_runtime: Runtime) -> Parts:
    """The composition root of a service with nothing of its own (the library's tests)."""
    return Parts()


@dataclass
class ServiceSpec(Generic[PartsT]):
    """What makes a service itself: routers, consumers, migrations, its composition root, seed data."""

    name: str
    title: str
    description: str
    routers: list[APIRouter]
    migrations: str  # the service's Alembic script location (package path)
    # The composition root, built in the lifespan (a service's `context.build`).
    parts: Callable[[Runtime], Awaitable[PartsT]] = no_parts  # type: ignore[assignment]
    consumers: list[ConsumerSpec[PartsT]] = field(default_factory=list)
    seed: Callable[[PartsT], Awaitable[None]] | None = None
    version: str = "0.1.0"
    # The service's part in access, erasure and retention of a member's data (issue 17): the
    # export endpoint, the erasure consumer and the daily retention job are built from it.
    privacy: PrivacySpec[PartsT] | None = None


@dataclass
class Runtime:
    """What every service holds (database, bus, outbox, metrics, token checks); built in the
    lifespan before the service's own parts, closed after them."""

    settings: ServiceSettings
    spec: ServiceSpec[Any]
    db: Database
    metrics: Metrics
    outbox: Outbox
    verifier: TokenVerifier
    bus: KafkaBus | None = None
    relay: OutboxRelay | None = None
    consumers: list[ConsumerRunner] = field(default_factory=list)
    # Seals the personal fields of the events this service publishes, and opens other services'
    # (`frontdoor_common.privacy.seal`); built before the parts, which use them.
    sealer: Sealer | None = None
    unsealer: Unsealer | None = None
    retention: RetentionJob | None = None
    # The service's composition root (a `Parts` subclass); read it through `parts_dependency`.
    parts: Parts | None = None
    # Set once clients can reach the API: by `serve` when uvicorn listens, else (in-process
    # apps, tests) when the lifespan has started. Work that someone must be able to answer
    # (routing's offers after a restart) waits for it.
    serving: asyncio.Event = field(default_factory=asyncio.Event)
    started_at: float = field(default_factory=time.time)

    @property
    def workers(self) -> list[Worker]:
        """The service's background workers (/readyz asks each whether it is healthy)."""
        own = list(self.parts.workers) if self.parts is not None else []
        return own + ([self.retention] if self.retention is not None else [])


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    # scope="function" below: the commit happens before the response is sent, so a 2xx
    # always means the work (and its events) is durable.
    async with request.app.state.runtime.db.transaction() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


def get_runtime(request: Request) -> Runtime:
    """FastAPI dependency: the service runtime."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def parts_dependency(kind: type[PartsT]) -> Callable[[Request], Awaitable[PartsT]]:
    """A FastAPI dependency returning the service's parts, typed: each service declares
    `ContextDep = Annotated[MyParts, Depends(parts_dependency(MyParts))]` once."""

    # async: FastAPI runs a plain function dependency in its thread pool, a hop on every request
    # of every service (measured on members' lookup: server time p50 0.57 -> 0.30 ms)
    async def dependency(request: Request) -> PartsT:
        parts = request.app.state.runtime.parts
        if not isinstance(parts, kind):
            raise RuntimeError(f"the service's parts are {type(parts).__name__}, not {kind.__name__}")
        return parts

    return dependency


def _failing(checks: dict[str, Any]) -> list[str]:
    """The names of the checks that are not ok, e.g. ['broker', 'consumers.offers (starting)']."""
    failing = [name for name, value in checks.items() if isinstance(value, str) and value not in OK_CHECKS]
    for name, consumer in checks.get("consumers", {}).items():
        if not consumer["running"] and not consumer["catching_up"]:
            failing.append(f"consumers.{name} ({consumer['state']})")
    for name, value in checks.get("workers", {}).items():
        if value != "running":
            failing.append(f"workers.{name}")
    return failing


OK_CHECKS = ("ok", "republishing")


async def _readiness(runtime: Runtime) -> JSONResponse:
    checks: dict[str, Any] = {}
    try:
        await runtime.db.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"down: {type(exc).__name__}"
    degraded = False
    if runtime.bus is not None:
        try:
            await runtime.bus.ping()
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"down: {type(exc).__name__}"
        if runtime.relay is not None:
            if not runtime.relay.healthy:
                checks["outbox_relay"] = "failing"
            elif runtime.relay.republishing:
                checks["outbox_relay"] = "republishing"
                degraded = True
            else:
                checks["outbox_relay"] = "ok"
    else:
        checks["broker"] = "not configured"
    checks["consumers"] = {
        c.name: {"running": c.running, "state": c.state, "catching_up": c.catching_up(), "lag": c.lag()}
        for c in runtime.consumers
    }
    # Consumers (re-)joining their groups: the API works and they catch up behind it.
    degraded = degraded or any(not c["running"] and c["catching_up"] for c in checks["consumers"].values())
    workers = {w.name: ("running" if w.healthy() else "stopped") for w in runtime.workers}
    if workers:
        checks["workers"] = workers
    failing = _failing(checks)
    if not failing:
        readiness = "degraded" if degraded else "ready"
        return JSONResponse({"status": readiness, "readiness": readiness, "checks": checks})
    readiness = "not ready"
    body = {
        "type": "https://frontdoor.dev/problems/not_ready",
        "title": "Not ready",
        "status": 503,
        "detail": f"{readiness.capitalize()}: " + ", ".join(failing),
        "error_id": "not_ready",
        "readiness": readiness,
        "checks": checks,
    }
    return JSONResponse(body, status_code=503, media_type=PROBLEM_JSON)


def _ops_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @router.get(
        "/readyz",
        summary="Readiness: database, broker, relay, consumers and workers are up (503 otherwise)",
        description=(
            "200 `ready`, or 200 `degraded` while the outbox relay re-publishes its window to a broker "
            "that restarted empty (the API works; events of the window reach consumers again, in order) "
            "or while consumers are still (re-)joining their groups (the API works; they catch up behind it). "
            "503 `not ready` when a check fails (a join that takes too long included); `checks` says which."
        ),
        responses={503: {"model": Problem, "description": "Not ready; `checks` says what (problem+json)"}},
    )
    async def readyz(runtime: RuntimeDep) -> JSONResponse:
        return await _readiness(runtime)

    @router.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def metrics(runtime: RuntimeDep) -> Response:
        if runtime.relay is not None:
            with contextlib.suppress(Exception):
                runtime.metrics.labels(runtime.metrics.outbox_pending).set(await runtime.relay.pending())
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @router.post("/admin/outbox/republish", summary="Re-publish the outbox window (after a broker lost its data)")
    async def republish(
        runtime: RuntimeDep,
        _p: Annotated[Principal, require("admin")],
        since: Annotated[datetime | None, Query(description="RFC 3339; default: the whole retention window")] = None,
    ) -> dict[str, int]:
        if runtime.relay is None:
            raise Unavailable("This instance runs no outbox relay.", error_id="relay_not_running")
        return {"republished": await runtime.relay.republish(since)}

    return router


def build_app(settings: ServiceSettings, spec: ServiceSpec[Any]) -> FastAPI:
    """Build a service's FastAPI app; all resources are created in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(level=settings.log_level, json=settings.log_json, service=spec.name)
        if settings.otel_enabled:
            setup_tracing(spec.name)
        db = Database(settings.effective_database_url, echo=settings.database_echo)
        await upgrade(db, spec.migrations, spec.name)
        if settings.otel_enabled:
            with contextlib.suppress(Exception):
                from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

                SQLAlchemyInstrumentor().instrument(engine=db.engine.sync_engine)
        metrics = Metrics(spec.name)
        runtime = Runtime(
            settings=settings,
            spec=spec,
            db=db,
            metrics=metrics,
            outbox=Outbox(spec.name),
            verifier=TokenVerifier(settings),
        )
        app.state.runtime = runtime
        closers: list[Callable[[], Awaitable[None]]] = [db.dispose]
        try:
            if settings.kafka_bootstrap_servers:
                bus = KafkaBus(settings.kafka_bootstrap_servers, client_id=f"frontdoor-{spec.name}")
                await bus.start()
                runtime.bus = bus
                closers.append(bus.stop)
                if settings.run_relay:
                    relay = OutboxRelay(db, bus, settings, metrics)
                    runtime.outbox.on_commit(relay.wake)
                    await relay.start()
                    runtime.relay = relay
                    closers.append(relay.stop)
            else:
                log.warning("no KAFKA_BOOTSTRAP_SERVERS: events stay in the outbox until a broker is configured")
            runtime.sealer = build_sealer(runtime)
            runtime.unsealer = build_unsealer(runtime, runtime.sealer)
            closers.append(runtime.unsealer.close)
            # The service's composition root; the seed, the workers and the consumers use it.
            parts = await spec.parts(runtime)
            runtime.parts = parts
            closers.append(parts.close)
            await parts.start()
            if settings.seed_demo and spec.seed is not None:
                await spec.seed(parts)
            for worker in parts.workers:
                await worker.start()
                closers.append(worker.stop)
            if spec.privacy is not None:
                runtime.retention = RetentionJob(runtime, spec.privacy, parts)
                await runtime.retention.start()
                closers.append(runtime.retention.stop)
            if runtime.bus is not None and settings.run_consumers:
                for c in spec.consumers:
                    runner = ConsumerRunner(
                        c.name,
                        c.topics,
                        c.handler(parts),
                        db=db,
                        settings=settings,
                        bus=runtime.bus,
                        metrics=metrics,
                        outbox=runtime.outbox,
                    )
                    await runner.start()
                    runtime.consumers.append(runner)
                    closers.append(runner.stop)
                if spec.privacy is not None:
                    runner = ConsumerRunner(
                        "privacy",
                        [topics.MEMBERS],
                        erasure_router(runtime, spec.privacy, parts),
                        db=db,
                        settings=settings,
                        bus=runtime.bus,
                        metrics=metrics,
                        outbox=runtime.outbox,
                    )
                    await runner.start()
                    runtime.consumers.append(runner)
                    closers.append(runner.stop)
            log.info("service started", port=settings.port, database=db.dialect)
            if not getattr(app.state, "server_signals_serving", False):
                runtime.serving.set()
            yield
        finally:
            for close in reversed(closers):
                # Shutdown must end: a step that hangs (a broker that stopped answering, a task
                # that ignores cancellation) is abandoned after a while, and named in the log.
                try:
                    await asyncio.wait_for(close(), settings.shutdown_step_timeout_s)
                except TimeoutError:
                    log.error("a shutdown step did not finish; going on", step=getattr(close, "__qualname__", "?"))
                except Exception as exc:  # close the rest regardless
                    log.warning("error while stopping", error=str(exc))

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
    )
    app.state.spec = spec
    install_error_handlers(app)
    install_busy_handler(app)
    # Outermost first: the request context sees every answer (the 413s and the 500s too).
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        RequestContextMiddleware,
        metrics_getter=lambda: getattr(app.state, "runtime", None) and app.state.runtime.metrics,
        access_log=settings.access_log,
    )  # type: ignore[arg-type]
    app.include_router(_ops_router())
    app.include_router(privacy_router())
    for router in spec.routers:
        app.include_router(router)
    if settings.otel_enabled:
        with contextlib.suppress(Exception):
            from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

            FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    install_openapi(app)
    return app
