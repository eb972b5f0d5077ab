"""Reading agents, teams and memberships; every query is scoped by tenant."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_agents.models import Agent, AvailabilityState, Membership, Team


async def get_agent(
    session: AsyncSession, tenant: str, agent_id: uuid.UUID, *, for_update: bool = False
) -> Agent | None:
    """An agent of the tenant's (another tenant's agent is None, as if it did not exist).

    `for_update`: the row locked for this transaction and read as last committed, for a decision
    on its presence (see `locked_agent`)."""
    agent = await locked_agent(session, agent_id) if for_update else await session.get(Agent, agent_id)
    return agent if agent is not None and agent.tenant_id == tenant else None


async def locked_agent(session: AsyncSession, agent_id: uuid.UUID) -> Agent | None:
    """The agent's row locked until this transaction ends, as last committed.

    Every presence change decides from the row it read (a person's PUT, a call event of routing's):
    on PostgreSQL two such transactions at once would otherwise both read the old presence and the
    later commit would undo the other's change (a break set just as the call's `answered` event is
    handled came back as on a call, then available). With the lock the second waits, then reads what
    the first stored. SQLite serialises writing transactions already (BEGIN IMMEDIATE)."""
    return await session.get(Agent, agent_id, with_for_update=True, populate_existing=True)


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
