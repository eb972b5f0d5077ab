"""Presence changes: from people (the API) and from routing's call events; each one is logged and published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.agents.snapshots import publish, snapshot
from frontdoor_agents.hours.repository import get_config
from frontdoor_agents.models import Agent, PresenceLog
from frontdoor_agents.presence import rules
from frontdoor_common.errors import Conflict, InvalidInput
from frontdoor_common.events.agents import AgentPresenceChanged
from frontdoor_common.service import Runtime


async def request_change(
    session: AsyncSession, runtime: Runtime, agent: Agent, presence: str, reason: str | None, at: datetime
) -> Agent:
    """A person asks for a presence change: only allowed transitions, with reasons from the tenant's list."""
    if (agent.presence, agent.presence_reason) == (presence, reason):
        return agent  # PUT is idempotent
    cfg = await get_config(session, agent.tenant_id)
    try:
        rules.check(agent.presence, presence, reason, cfg.away_reasons)
    except rules.TransitionRefused as exc:
        error = Conflict if exc.error_id == "transition_not_allowed" else InvalidInput
        raise error(str(exc), field=exc.field, error_id=exc.error_id) from exc
    await apply(session, runtime, agent, presence, reason, at)
    return agent


async def apply(
    session: AsyncSession, runtime: Runtime, agent: Agent, presence: str, reason: str | None, at: datetime
) -> None:
    """Record a presence change (already decided) in the history and tell routing."""
    previous = await snapshot(session, agent)
    # Events can arrive late; a change is never dated before the state it ends.
    at = max(at, agent.presence_since)
    open_rows = await session.scalars(
        select(PresenceLog).where(PresenceLog.agent_id == agent.id, PresenceLog.ended_at.is_(None))  # type: ignore[union-attr]
    )
    for row in open_rows:
        row.ended_at = at
        session.add(row)
    session.add(
        PresenceLog(tenant_id=agent.tenant_id, agent_id=agent.id, presence=presence, reason=reason, started_at=at)
    )
    agent.presence, agent.presence_reason, agent.presence_since = presence, reason, at
    session.add(agent)
    await session.flush()
    await publish(session, runtime, AgentPresenceChanged, await snapshot(session, agent), previous, at)
