"""Agent snapshots (what routing sees) and the notifier that stages agent events in the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.agents import repository as repo
from frontdoor_agents.models import Agent, AvailabilityState, Membership
from frontdoor_common.events.agents import AgentEvent, AgentSnapshot, QueueMembership
from frontdoor_common.service import Runtime


def build_snapshot(agent: Agent, memberships: list[Membership], state: AvailabilityState | None) -> AgentSnapshot:
    """An agent's routing-relevant state: available = active, presence available and not blocked."""
    blocked = bool(state and state.blocked)
    return AgentSnapshot(
        agent_id=agent.id,
        tenant_id=agent.tenant_id,
        name=agent.name,
        extension=agent.extension,
        languages=list(agent.languages or []),
        team_id=agent.team_id,
        presence=agent.presence,  # type: ignore[arg-type]
        presence_reason=agent.presence_reason,
        presence_since=agent.presence_since,
        blocked=blocked,
        blocked_reason=state.reason if state and state.blocked else None,
        blocked_until=state.until if state and state.blocked else None,
        available=agent.active and agent.presence == "available" and not blocked,
        queues=[
            QueueMembership(queue_id=m.queue_id, proficiency=m.proficiency, order=m.order)
            for m in sorted(memberships, key=lambda m: (m.order, str(m.queue_id)))
        ],
        active=agent.active,
    )


async def snapshot(session: AsyncSession, agent: Agent) -> AgentSnapshot:
    """One agent's snapshot as stored now."""
    memberships = await repo.memberships_of(session, [agent.id])
    states = await repo.states_of(session, [agent.id])
    return build_snapshot(agent, memberships.get(agent.id, []), states.get(agent.id))


async def snapshots(session: AsyncSession, tenant: str) -> list[AgentSnapshot]:
    """Every agent snapshot of the tenant (routing's reconcile at start)."""
    agents = await repo.list_agents(session, tenant)
    ids = [a.id for a in agents]
    memberships = await repo.memberships_of(session, ids)
    states = await repo.states_of(session, ids)
    return [build_snapshot(a, memberships.get(a.id, []), states.get(a.id)) for a in agents]


async def publish(
    session: AsyncSession,
    runtime: Runtime,
    event_type: type[AgentEvent],
    current: AgentSnapshot,
    previous: AgentSnapshot | None,
    at: datetime,
) -> None:
    """Stage an agent event in this transaction's outbox."""
    event = event_type(current=current, previous=previous, at=at)
    await runtime.outbox.add(session, event, tenant=current.tenant_id)
