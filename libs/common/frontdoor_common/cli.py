"""The command line every service shares: `python -m frontdoor_<svc> [serve|migrate|openapi]`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable

from fastapi import FastAPI

from frontdoor_common.db import Database
from frontdoor_common.migrations import upgrade
from frontdoor_common.service import ServiceSpec
from frontdoor_common.settings import ServiceSettings


def run_cli(
    spec: ServiceSpec,
    settings_factory: Callable[[], ServiceSettings],
    app_factory: Callable[[ServiceSettings], FastAPI],
    argv: list[str] | None = None,
) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog=f"frontdoor-{spec.name}", description=spec.title)
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the HTTP service (default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="apply database migrations and exit")
    sub.add_parser("openapi", help="print the OpenAPI document")
    args = parser.parse_args(argv)
    settings = settings_factory()
    if args.command == "migrate":

        async def _migrate() -> None:
            db = Database(settings.effective_database_url)
            await upgrade(db, spec.migrations, spec.name)
            await db.dispose()

        asyncio.run(_migrate())
        print(f"{spec.name}: migrations applied")
        return 0
    if args.command == "openapi":
        print(json.dumps(app_factory(settings).openapi(), indent=2))
        return 0
    import uvicorn

    host = getattr(args, "host", None) or settings.host
    port = getattr(args, "port", None) or settings.port
    uvicorn.run(
        app_factory(settings),
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    return 0


def main_for(
    spec: ServiceSpec,
    settings_factory: Callable[[], ServiceSettings],
    app_factory: Callable[[ServiceSettings], FastAPI],
) -> None:
    """Entry point helper for a service's `__main__`."""
    sys.exit(run_cli(spec, settings_factory, app_factory))
