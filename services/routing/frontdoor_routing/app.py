"""The routing service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from frontdoor_common.service import ServiceSpec, build_app
from frontdoor_routing.settings import Settings

SPEC = ServiceSpec(
    name="routing",
    title="Frontdoor routing: queues, calls, offers, real-time stats and KPIs",
    description="Part of Frontdoor, the member contact center platform.",
    routers=[],
    migrations="frontdoor_routing:migrations",
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the routing service's app."""
    return build_app(settings or Settings(), SPEC)
