"""The agents service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from frontdoor_agents.settings import Settings
from frontdoor_common.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="agents",
    title="Frontdoor agents: staff, queue memberships, presence, calendars, opening hours",
    description="Part of Frontdoor, the member contact center platform.",
    routers=[],
    migrations="frontdoor_agents:migrations",
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the agents service's app."""
    return build_app(settings or Settings(), SPEC)
