"""The service factory: every Frontdoor service is `build_app(settings, spec)`.

Nothing wires itself at import time. The lifespan builds the database, the bus producer,
the outbox relay and the consumers, exposes them as `app.state.runtime`, and closes them
in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdoor_common.auth import Principal, TokenVerifier, require
from frontdoor_common.bus.consumer import ConsumerRunner, EventRouter, Handler, OwnTransactionHandler
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.relay import OutboxRelay
from frontdoor_common.db import Database
from frontdoor_common.errors import PROBLEM_JSON, Unavailable, install_error_handlers
from frontdoor_common.logging import configure_logging, get_logger
from frontdoor_common.migrations import upgrade
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.telemetry import Metrics, setup_tracing

log = get_logger(__name__)


@dataclass
class ConsumerSpec:
    """A named consumer: its topics and its handler (built from the runtime)."""

    name: str
    topics: list[str]
    handler: Callable[[Runtime], Handler | EventRouter | OwnTransactionHandler]


@dataclass
class ServiceSpec:
    """What makes a service itself: routers, consumers, migrations, hooks, seed data."""

    name: str
    title: str
    description: str
    routers: list[APIRouter]
    migrations: str  # the service's Alembic script location (package path)
    consumers: list[ConsumerSpec] = field(default_factory=list)
    on_startup: list[Callable[[Runtime], Awaitable[None]]] = field(default_factory=list)
    on_shutdown: list[Callable[[Runtime], Awaitable[None]]] = field(default_factory=list)
    seed: Callable[[Runtime], Awaitable[None]] | None = None
    version: str = "0.1.0"


@dataclass
class Runtime:
    """Everything a running service holds; built in the lifespan, closed in reverse."""

    settings: ServiceSettings
    spec: ServiceSpec
    db: Database
    metrics: Metrics
    outbox: Outbox
    verifier: TokenVerifier
    bus: KafkaBus | None = None
    relay: OutboxRelay | None = None
    consumers: list[ConsumerRunner] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    # Background workers of the service (scheduler, dispatcher, SMS sender ...): name -> "is it alive?"
    # /readyz says no when one has died.
    workers: dict[str, Callable[[], bool]] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)

    def watch(self, name: str, worker: Any) -> None:
        """Report `worker` (an asyncio.Task, or an object holding one as `_task`) in /readyz."""

        def alive() -> bool:
            task = worker if isinstance(worker, asyncio.Task) else getattr(worker, "_task", None)
            return task is not None and not task.done()

        self.workers[name] = alive


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


class RequestContextMiddleware:
    """Request id, structlog context, and Prometheus request metrics (pure ASGI: cheap)."""

    def __init__(self, app: ASGIApp, metrics_getter: Callable[[], Metrics | None]) -> None:
        self.app = app
        self.metrics_getter = metrics_getter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                request_id = value.decode(errors="replace")[:100]
                break
        request_id = request_id or uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = {"code": 500}

        async def _send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            metrics = self.metrics_getter()
            if metrics is not None:
                route = scope.get("route")
                path = getattr(route, "path", "unmatched")
                method = scope.get("method", "")
                metrics.labels(metrics.http_requests, method=method, route=path, status=str(status["code"])).inc()
                metrics.labels(metrics.http_latency, method=method, route=path).observe(time.perf_counter() - started)


def _ops_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/readyz", summary="Readiness: database, broker and consumers are up (503 otherwise)")
    async def readyz(runtime: RuntimeDep) -> JSONResponse:
        checks: dict[str, Any] = {}
        ok = True
        try:
            await runtime.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            ok, checks["database"] = False, f"down: {type(exc).__name__}"
        if runtime.bus is not None:
            try:
                await runtime.bus.ping()
                checks["broker"] = "ok"
            except Exception as exc:
                ok, checks["broker"] = False, f"down: {type(exc).__name__}"
            if runtime.relay is not None:
                checks["outbox_relay"] = "ok" if runtime.relay.healthy else "failing"
                ok = ok and runtime.relay.healthy
        else:
            ok, checks["broker"] = False, "not configured"
        consumers = {}
        for c in runtime.consumers:
            consumers[c.name] = {"running": c.running, "lag": c.lag()}
            ok = ok and c.running
        checks["consumers"] = consumers
        workers = {name: ("running" if alive() else "stopped") for name, alive in runtime.workers.items()}
        if workers:
            checks["workers"] = workers
            ok = ok and all(v == "running" for v in workers.values())
        body: dict[str, Any] = {"status": "ready" if ok else "not ready", "checks": checks}
        if not ok:
            body.update(
                {
                    "type": "https://frontdoor.dev/problems/not_ready",
                    "title": "Not ready",
                    "status": 503,
                    "error_id": "not_ready",
                }
            )
        return JSONResponse(body, status_code=200 if ok else 503, media_type="application/json" if ok else PROBLEM_JSON)

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=True)
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


def build_app(settings: ServiceSettings, spec: ServiceSpec) -> FastAPI:
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
            # Hooks build the service's own machinery; the seed and the consumers may use it.
            for hook in spec.on_startup:
                await hook(runtime)
            for hook in spec.on_shutdown:
                closers.append(lambda h=hook: h(runtime))  # type: ignore[misc]
            if settings.seed_demo and spec.seed is not None:
                await spec.seed(runtime)
            if runtime.bus is not None and settings.run_consumers:
                for c in spec.consumers:
                    runner = ConsumerRunner(
                        c.name,
                        c.topics,
                        c.handler(runtime),
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
        responses={
            401: {"description": "Missing or invalid token (problem+json)"},
            403: {"description": "Scope missing (problem+json)"},
            422: {"description": "Invalid input, naming the field (problem+json)"},
        },
    )
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware,
        metrics_getter=lambda: getattr(app.state, "runtime", None) and app.state.runtime.metrics,
    )  # type: ignore[arg-type]
    app.include_router(_ops_router())
    for router in spec.routers:
        app.include_router(router)
    if settings.otel_enabled:
        with contextlib.suppress(Exception):
            from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

            FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    return app
