"""The agents' events routing applies: an agent's snapshot after any change."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events import agents as agent_events
from frontdoor_routing.agents.service import upsert_agent
from frontdoor_routing.engine.engine import Engine


def register(router: EventRouter, engine: Engine) -> None:
    """Handle the agents service's agent events (each carries the agent's current snapshot)."""

    @router.on(agent_events.AgentUpserted.name)
    @router.on(agent_events.AgentPresenceChanged.name)
    @router.on(agent_events.AgentQueuesChanged.name)
    @router.on(agent_events.AgentAvailabilityChanged.name)
    async def agent_changed(session: AsyncSession, envelope: Envelope) -> None:
        event = agent_events.AgentEvent.model_validate(envelope.data)
        if event.current.tenant_id == envelope.tenant:
            await upsert_agent(engine.mutation_in(session), event.current, event.at)
