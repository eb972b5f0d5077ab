"""The five services, as one object the context holds."""

from __future__ import annotations

from dataclasses import dataclass

from frontdoor_console.clients.http import ServiceClient
from frontdoor_console.settings import Settings


@dataclass
class Services:
    """A client per service (URLs from the settings)."""

    routing: ServiceClient
    members: ServiceClient
    agents: ServiceClient
    callbacks: ServiceClient
    surveys: ServiceClient

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        """Clients to the configured URLs."""

        def client(name: str, url: str) -> ServiceClient:
            return ServiceClient(
                name, url, timeout=settings.service_timeout_s, connect_timeout=settings.service_connect_timeout_s
            )

        return cls(
            routing=client("routing", settings.routing_url),
            members=client("members", settings.members_url),
            agents=client("agents", settings.agents_url),
            callbacks=client("callbacks", settings.callbacks_url),
            surveys=client("surveys", settings.surveys_url),
        )

    async def close(self) -> None:
        """Close every pool."""
        for c in (self.routing, self.members, self.agents, self.callbacks, self.surveys):
            await c.close()
