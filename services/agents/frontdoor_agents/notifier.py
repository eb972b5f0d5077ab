"""The agents service's notifier: every event it publishes leaves through here, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.models import OpeningState, TenantConfig
from frontdoor_common.events.agents import (
    AgentAvailabilityChanged,
    AgentEvent,
    AgentPresenceChanged,
    AgentQueuesChanged,
    AgentSnapshot,
    AgentUpserted,
    QueueOpeningChanged,
    TenantSettingsChanged,
)
from frontdoor_common.notifier import Notifier, snapshot


class AgentsNotifier(Notifier):
    """Agent, opening and tenant-settings events, staged in the outbox of the caller's transaction."""

    async def _agent(
        self,
        session: AsyncSession,
        kind: type[AgentEvent],
        current: AgentSnapshot,
        previous: AgentSnapshot | None,
        at: datetime,
    ) -> None:
        await self.publish(session, kind(current=current, previous=previous, at=at), tenant=current.tenant_id)

    async def agent_upserted(
        self, session: AsyncSession, current: AgentSnapshot, previous: AgentSnapshot | None, at: datetime
    ) -> None:
        """An agent was created (no `previous`) or their profile changed."""
        await self._agent(session, AgentUpserted, current, previous, at)

    async def presence_changed(
        self, session: AsyncSession, current: AgentSnapshot, previous: AgentSnapshot, at: datetime
    ) -> None:
        """The agent's phone status changed."""
        await self._agent(session, AgentPresenceChanged, current, previous, at)

    async def queues_changed(
        self, session: AsyncSession, current: AgentSnapshot, previous: AgentSnapshot, at: datetime
    ) -> None:
        """The agent joined or left a queue, or their proficiency or order changed."""
        await self._agent(session, AgentQueuesChanged, current, previous, at)

    async def availability_changed(
        self, session: AsyncSession, current: AgentSnapshot, previous: AgentSnapshot, at: datetime
    ) -> None:
        """A calendar or working-hours block started, ended or changed its reason (the scheduler)."""
        await self._agent(session, AgentAvailabilityChanged, current, previous, at)

    async def opening_changed(self, session: AsyncSession, state: OpeningState, at: datetime) -> None:
        """A queue opened or closed; `state` is what was just stored for it (the scheduler)."""
        await self.publish(session, snapshot(QueueOpeningChanged, state, at=at), tenant=state.tenant_id)

    async def settings_changed(self, session: AsyncSession, cfg: TenantConfig, at: datetime) -> None:
        """The tenant's time zone or country was set (routing and members mirror them)."""
        await self.publish(session, snapshot(TenantSettingsChanged, cfg, at=at), tenant=cfg.tenant_id)
