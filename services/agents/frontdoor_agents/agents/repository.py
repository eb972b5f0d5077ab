"""Reading agents, teams and memberships; every query is scoped by tenant."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_agents.models import Agent, AvailabilityState, Membership, Team


async def get_agent(session: AsyncSession, tenant: str, agent_id: uuid.UUID) -> Agent | None:
    """An agent of the tenant's (another tenant's agent is None, as if it did not exist)."""
    agent = await session.get(Agent, agent_id)
    return agent if agent is not None and agent.tenant_id == tenant else None


async def list_agents(
    session: AsyncSession, tenant: str, *, active_only: bool = False, offset: int = 0, limit: int | None = None
) -> list[Agent]:
    """The tenant's agents by name (a page of them if asked)."""
    query = select(Agent).where(Agent.tenant_id == tenant)
    if active_only:
        query = query.where(col(Agent.active).is_(True))
    query = query.order_by(col(Agent.name), col(Agent.id)).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(await session.scalars(query))


async def memberships_of(session: AsyncSession, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Membership]]:
    """Memberships by agent."""
    out: dict[uuid.UUID, list[Membership]] = defaultdict(list)
    if not agent_ids:
        return out
    rows = await session.scalars(select(Membership).where(col(Membership.agent_id).in_(agent_ids)))
    for m in rows:
        out[m.agent_id].append(m)
    return out


async def states_of(session: AsyncSession, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, AvailabilityState]:
    """The last-published availability state by agent."""
    if not agent_ids:
        return {}
    rows = await session.scalars(select(AvailabilityState).where(col(AvailabilityState.agent_id).in_(agent_ids)))
    return {s.agent_id: s for s in rows}


async def get_team(session: AsyncSession, tenant: str, team_id: uuid.UUID) -> Team | None:
    """A team of the tenant's."""
    team = await session.get(Team, team_id)
    return team if team is not None and team.tenant_id == tenant else None


async def list_teams(session: AsyncSession, tenant: str) -> list[Team]:
    """The tenant's teams by name."""
    return list(await session.scalars(select(Team).where(Team.tenant_id == tenant).order_by(col(Team.name))))


async def tenants(session: AsyncSession) -> list[str]:
    """Every tenant with agents."""
    return list(await session.scalars(select(col(Agent.tenant_id)).distinct()))
