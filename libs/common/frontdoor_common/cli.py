"""The command line every service shares: `python -m frontdoor_<svc> [serve|migrate|openapi]`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI

from frontdoor_common.db import Database
from frontdoor_common.migrations import upgrade
from frontdoor_common.service import ServiceSpec
from frontdoor_common.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def run_cli(
    settings_factory: Callable[[], S],
    app_factory: Callable[[S], FastAPI],
    argv: list[str] | None = None,
) -> int:
    """Parse the command line and run the chosen command (the app is built, not started, to
    learn the service's spec: its name, title and migrations)."""
    settings = settings_factory()
    app = app_factory(settings)
    spec: ServiceSpec[Any] = app.state.spec
    parser = argparse.ArgumentParser(prog=f"frontdoor-{spec.name}", description=spec.title)
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the HTTP service (default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="apply database migrations and exit")
    sub.add_parser("openapi", help="print the OpenAPI document")
    args = parser.parse_args(argv)
    if args.command == "migrate":

        async def _migrate() -> None:
            db = Database(settings.effective_database_url)
            await upgrade(db, spec.migrations, spec.name)
            await db.dispose()

        asyncio.run(_migrate())
        print(f"{spec.name}: migrations applied")
        return 0
    if args.command == "openapi":
        print(json.dumps(app.openapi(), indent=2))
        return 0
    import uvicorn

    from frontdoor_common.logging import configure_logging

    # Before uvicorn starts, so its own lines are JSON too (log_config=None: it installs no
    # handlers of its own; records reach ours).
    configure_logging(level=settings.log_level, json=settings.log_json, service=spec.name)
    host = getattr(args, "host", None) or settings.host
    port = getattr(args, "port", None) or settings.port
    # The lifespan ends before uvicorn listens: the runtime's `serving` is set by the server
    # once its socket accepts connections, not by the lifespan.
    app.state.server_signals_serving = True

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[Any] | None = None) -> None:
            await super().startup(sockets)
            runtime = getattr(app.state, "runtime", None)
            if self.started and runtime is not None:
                runtime.serving.set()

    _Server(server_config(app, host, port)).run()
    return 0


def main_for(settings_factory: Callable[[], S], app_factory: Callable[[S], FastAPI]) -> None:
    """Entry point helper for a service's `__main__`: `main_for(Settings, create_app)`."""
    sys.exit(run_cli(settings_factory, app_factory))


def server_config(app: Any, host: str, port: int) -> Any:
    """How every service is served (uvloop, httptools, no access log): `serve` uses it, and so do
    the benchmarks' floors, a bare endpoint served the same way."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )


def serve_as_a_service(app: Any, port: int, host: str = "127.0.0.1") -> None:
    """Serve `app` (a benchmark's floor) exactly as `serve` serves a service."""
    import uvicorn

    uvicorn.Server(server_config(app, host, port)).run()
