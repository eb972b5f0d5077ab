"""The console's composition root: its typed parts, built once per process.

`builder(settings, clock, ...)` returns what the service spec's `parts` runs in the lifespan:
the clients to the five services, the session store, the service tokens, the tenant directory,
the templates with their catalogues, the sign-in provider (OpenID Connect, when configured),
the live boards' hub and the worker that feeds it from the bus. Routes reach them through
`ContextDep`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends

from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.service import Parts, Runtime, parts_dependency
from frontdoor_common.workers import Worker
from frontdoor_console.auth.oidc import OidcProvider
from frontdoor_console.auth.sessions import SessionStore
from frontdoor_console.auth.tokens import ServiceTokens
from frontdoor_console.clients.services import Services
from frontdoor_console.desk.colleagues import load_presence
from frontdoor_console.i18n.catalogues import load_catalogues
from frontdoor_console.live.feed import EventFeed
from frontdoor_console.live.hub import Hub
from frontdoor_console.settings import Settings
from frontdoor_console.tenants.directory import TenantDirectory
from frontdoor_console.wallboard.board import load_queues
from frontdoor_console.web.templating import Templates


@dataclass(kw_only=True)
class ConsoleContext(Parts):
    """What the console is built of."""

    runtime: Runtime
    settings: Settings
    clock: Clock
    services: Services
    sessions: SessionStore
    tokens: ServiceTokens
    tenants: TenantDirectory
    templates: Templates
    hub: Hub
    oidc: OidcProvider | None
    workers: list[Worker] = field(default_factory=list)

    @property
    def db(self) -> Database:
        """The console's database (sessions, sign-ins under way, preferences)."""
        return self.runtime.db

    async def close(self) -> None:
        """Stop the boards and close the HTTP clients."""
        await self.hub.close()
        await self.services.close()
        if self.oidc is not None:
            await self.oidc.close()


def builder(
    settings: Settings, clock: Clock, *, services: Services | None = None
) -> Callable[[Runtime], Awaitable[ConsoleContext]]:
    """The spec's `parts`: the context on the runtime's database; `services` replaces the clients (tests)."""

    async def build(runtime: Runtime) -> ConsoleContext:
        clients = services or Services.from_settings(settings)
        tokens = ServiceTokens(settings)
        hub = Hub(
            settings,
            {
                "queues": lambda token: load_queues(clients, token),
                "presence": lambda token: load_presence(clients, token),
            },
        )
        bootstrap = settings.kafka_bootstrap_servers
        return ConsoleContext(
            runtime=runtime,
            settings=settings,
            clock=clock,
            services=clients,
            sessions=SessionStore(runtime.db, clock, settings),
            tokens=tokens,
            tenants=TenantDirectory(clients, tokens, settings, clock),
            templates=Templates(load_catalogues()),
            hub=hub,
            oidc=OidcProvider(settings, clock) if settings.oidc_enabled else None,
            workers=[EventFeed(settings, hub, bootstrap)] if bootstrap and settings.event_feed else [],
        )

    return build


ContextDep = Annotated[ConsoleContext, Depends(parts_dependency(ConsoleContext))]
