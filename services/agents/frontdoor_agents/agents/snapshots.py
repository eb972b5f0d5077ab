"""Agent snapshots: what routing sees of an agent (the events' `current` and `previous`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.agents import repository as repo
from frontdoor_agents.models import Agent, AvailabilityState, Membership
from frontdoor_common.events.agents import AgentSnapshot, QueueMembership
from frontdoor_common.notifier import snapshot


def build_snapshot(agent: Agent, memberships: list[Membership], state: AvailabilityState | None) -> AgentSnapshot:
    """An agent's routing-relevant state: available = active, presence available and not blocked."""
    blocked = bool(state and state.blocked)
    return snapshot(
        AgentSnapshot,
        agent,
        agent_id=agent.id,
        languages=list(agent.languages or []),
        blocked=blocked,
        blocked_reason=state.reason if state and state.blocked else None,
        blocked_until=state.until if state and state.blocked else None,
        available=agent.active and agent.presence == "available" and not blocked,
        queues=[snapshot(QueueMembership, m) for m in sorted(memberships, key=lambda m: (m.order, str(m.queue_id)))],
    )


async def agent_snapshot(session: AsyncSession, agent: Agent) -> AgentSnapshot:
    """One agent's snapshot as stored now."""
    memberships = await repo.memberships_of(session, [agent.id])
    states = await repo.states_of(session, [agent.id])
    return build_snapshot(agent, memberships.get(agent.id, []), states.get(agent.id))


async def tenant_snapshots(session: AsyncSession, tenant: str) -> list[AgentSnapshot]:
    """Every agent snapshot of the tenant (routing's reconcile at start)."""
    agents = await repo.list_agents(session, tenant)
    ids = [a.id for a in agents]
    memberships = await repo.memberships_of(session, ids)
    states = await repo.states_of(session, ids)
    return [build_snapshot(a, memberships.get(a.id, []), states.get(a.id)) for a in agents]
