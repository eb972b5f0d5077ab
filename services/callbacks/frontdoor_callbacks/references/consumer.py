"""members.member.created/updated and agents.agent.* into the mirror of known ids."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.references.repository import ReferenceRepository
from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.agents import (
    AgentAvailabilityChanged,
    AgentEvent,
    AgentPresenceChanged,
    AgentQueuesChanged,
    AgentUpserted,
)
from frontdoor_common.events.members import MemberCreated, MemberEvent, MemberUpdated


def register(router: EventRouter) -> None:
    """Add the mirror's handlers to the consumer (members and agents topics)."""

    def on_member(cls: type[MemberEvent]) -> None:
        @router.on(cls.name)
        async def member_seen(session: AsyncSession, envelope: Envelope) -> None:
            event: MemberEvent = cls.parse(envelope)
            await ReferenceRepository(session).remember(
                "member", event.member.tenant_id, event.member.member_id, envelope.time
            )

    def on_agent(cls: type[AgentEvent]) -> None:
        # Every agent event carries the agent's snapshot: any of them proves the agent exists.
        @router.on(cls.name)
        async def agent_seen(session: AsyncSession, envelope: Envelope) -> None:
            event: AgentEvent = cls.parse(envelope)
            await ReferenceRepository(session).remember(
                "agent", event.current.tenant_id, event.current.agent_id, envelope.time
            )

    for member_cls in (MemberCreated, MemberUpdated):
        on_member(member_cls)
    for agent_cls in (AgentUpserted, AgentPresenceChanged, AgentQueuesChanged, AgentAvailabilityChanged):
        on_agent(agent_cls)
