"""The agents service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from frontdoor_agents.agents.endpoints import router as agents_router
from frontdoor_agents.availability.endpoints import router as availability_router
from frontdoor_agents.calendars.endpoints import router as calendars_router
from frontdoor_agents.context import AgentsContext, builder
from frontdoor_agents.hours.endpoints import router as hours_router
from frontdoor_agents.meetings.endpoints import router as meetings_router
from frontdoor_agents.presence.endpoints import router as presence_router
from frontdoor_agents.privacy import privacy_spec
from frontdoor_agents.routing_events import build_router
from frontdoor_agents.seed import seed
from frontdoor_agents.settings import Settings
from frontdoor_agents.workload.endpoints import router as workload_router
from frontdoor_common.bus import topics
from frontdoor_common.clock import Clock, SystemClock
from frontdoor_common.service import ConsumerSpec, ServiceSpec, build_app


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Build the agents service's app; tests pass a clock they drive (`ManualClock`)."""
    settings = settings or Settings()
    spec = ServiceSpec[AgentsContext](
        name="agents",
        title="Frontdoor agents: staff, queue memberships, presence, calendars, opening hours",
        description="Part of Frontdoor, the member contact center platform.",
        routers=[
            agents_router,
            presence_router,
            calendars_router,
            availability_router,
            hours_router,
            workload_router,
            meetings_router,
        ],
        migrations="frontdoor_agents:migrations",
        parts=builder(settings, clock or SystemClock()),
        consumers=[ConsumerSpec(name="routing", topics=[topics.ROUTING], handler=build_router)],
        seed=seed,
        privacy=privacy_spec(),
    )
    app: FastAPI = build_app(settings, spec)
    return app
