"""Presence changes: from people (the API) and from routing's call events; each one is logged and published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_agents.agents.snapshots import agent_snapshot, tenant_snapshots
from frontdoor_agents.hours.repository import get_config
from frontdoor_agents.models import Agent, PresenceLog
from frontdoor_agents.notifier import AgentsNotifier
from frontdoor_agents.presence import rules
from frontdoor_agents.presence.schemas import BoardEntryView
from frontdoor_common.errors import Conflict, InvalidInput
from frontdoor_common.notifier import snapshot


async def request_change(
    session: AsyncSession, notifier: AgentsNotifier, agent: Agent, presence: str, reason: str | None, at: datetime
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
    await apply(session, notifier, agent, presence, reason, at)
    return agent


async def apply(
    session: AsyncSession, notifier: AgentsNotifier, agent: Agent, presence: str, reason: str | None, at: datetime
) -> None:
    """Record a presence change (already decided) in the history and tell routing."""
    previous = await agent_snapshot(session, agent)
    # Events can arrive late; a change is never dated before the state it ends.
    at = max(at, agent.presence_since)
    open_rows = await session.scalars(
        select(PresenceLog).where(PresenceLog.agent_id == agent.id, col(PresenceLog.ended_at).is_(None))
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
    await notifier.presence_changed(session, await agent_snapshot(session, agent), previous, at)


async def board(session: AsyncSession, tenant: str) -> list[BoardEntryView]:
    """The status board: every active agent's state and since when, by name."""
    return [
        snapshot(BoardEntryView, s, reason=s.presence_reason, since=s.presence_since)
        for s in await tenant_snapshots(session, tenant)
        if s.active
    ]
