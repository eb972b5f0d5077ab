"""Agents, teams and queue memberships: create, change, show, and tell routing."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.agents import repository as repo
from frontdoor_agents.agents.schemas import (
    AgentCreate,
    AgentUpdate,
    AgentView,
    AvailabilityNowView,
    MembershipUpdate,
    TeamCreate,
    TeamUpdate,
)
from frontdoor_agents.agents.snapshots import agent_snapshot, tenant_snapshots
from frontdoor_agents.hours.repository import get_queue
from frontdoor_agents.models import Agent, AvailabilityState, Membership, PresenceLog, Team
from frontdoor_agents.notifier import AgentsNotifier
from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_common.events.agents import AgentSnapshot
from frontdoor_common.notifier import snapshot


async def agent_or_404(session: AsyncSession, tenant: str, agent_id: uuid.UUID, *, for_update: bool = False) -> Agent:
    """The tenant's agent, or 404 (also for another tenant's agent); `for_update`: locked (`repo.locked_agent`)."""
    agent = await repo.get_agent(session, tenant, agent_id, for_update=for_update)
    if agent is None:
        raise NotFound("No such agent.", error_id="agent_not_found")
    return agent


async def agent_view(session: AsyncSession, agent: Agent) -> AgentView:
    """The API view of an agent: the row, with the queues and block routing holds."""
    snap = await agent_snapshot(session, agent)
    availability = AvailabilityNowView(
        blocked=snap.blocked, reason=snap.blocked_reason, until=snap.blocked_until, available=snap.available
    )
    return snapshot(AgentView, agent, languages=snap.languages, queues=snap.queues, availability=availability)


async def list_agents(session: AsyncSession, tenant: str, offset: int, limit: int) -> list[AgentView]:
    """A page of the tenant's agents, by name."""
    return [await agent_view(session, a) for a in await repo.list_agents(session, tenant, offset=offset, limit=limit)]


async def snapshots(session: AsyncSession, tenant: str) -> list[AgentSnapshot]:
    """Every agent's routing snapshot (routing's reconcile at start)."""
    return await tenant_snapshots(session, tenant)


async def list_teams(session: AsyncSession, tenant: str) -> list[Team]:
    """The tenant's teams, by name."""
    return await repo.list_teams(session, tenant)


async def _check_team(session: AsyncSession, tenant: str, team_id: uuid.UUID | None) -> None:
    if team_id is not None and await repo.get_team(session, tenant, team_id) is None:
        raise InvalidInput("No such team.", field="team_id", error_id="unknown_team")


async def _check_extension(
    session: AsyncSession, tenant: str, extension: str | None, agent_id: uuid.UUID | None
) -> None:
    if extension is None:
        return
    for other in await repo.list_agents(session, tenant):
        if other.extension == extension and other.id != agent_id:
            raise Conflict("Another agent has this extension.", field="extension", error_id="extension_taken")


async def create_team(session: AsyncSession, tenant: str, body: TeamCreate) -> Team:
    """A new team."""
    if any(t.name == body.name for t in await repo.list_teams(session, tenant)):
        raise Conflict("A team with this name exists.", field="name", error_id="team_exists")
    team = Team(tenant_id=tenant, name=body.name, target_calls_per_day=body.target_calls_per_day)
    session.add(team)
    await session.flush()
    return team


async def update_team(session: AsyncSession, tenant: str, team_id: uuid.UUID, body: TeamUpdate) -> Team:
    """Rename a team or change its target."""
    team = await repo.get_team(session, tenant, team_id)
    if team is None:
        raise NotFound("No such team.", error_id="team_not_found")
    team.name, team.target_calls_per_day = body.name, body.target_calls_per_day
    session.add(team)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("A team with this name exists.", field="name", error_id="team_exists") from exc
    return team


async def create_agent(
    session: AsyncSession, notifier: AgentsNotifier, tenant: str, body: AgentCreate, now: datetime
) -> Agent:
    """A new agent, logged out and not blocked; routing hears AgentUpserted."""
    await _check_team(session, tenant, body.team_id)
    await _check_extension(session, tenant, body.extension, None)
    agent = Agent(
        tenant_id=tenant,
        name=body.name,
        extension=body.extension,
        languages=[lang.lower() for lang in body.languages],
        team_id=body.team_id,
        department_id=body.department_id,
        working_hours=[r.stored() for r in body.working_hours] if body.working_hours is not None else None,
        presence="logged_out",
        presence_since=now,
        created_at=now,
    )
    session.add(agent)
    await session.flush()
    session.add(AvailabilityState(agent_id=agent.id, tenant_id=tenant, blocked=False, since=now))
    session.add(PresenceLog(tenant_id=tenant, agent_id=agent.id, presence="logged_out", started_at=now))
    await session.flush()
    await notifier.agent_upserted(session, await agent_snapshot(session, agent), None, now)
    return agent


async def update_agent(
    session: AsyncSession,
    notifier: AgentsNotifier,
    tenant: str,
    agent_id: uuid.UUID,
    body: AgentUpdate,
    now: datetime,
) -> Agent:
    """Change an agent's profile; routing hears AgentUpserted with before and after."""
    agent = await agent_or_404(session, tenant, agent_id)
    previous = await agent_snapshot(session, agent)
    given = body.model_fields_set
    if "team_id" in given:
        await _check_team(session, tenant, body.team_id)
        agent.team_id = body.team_id
    if "department_id" in given:
        agent.department_id = body.department_id
    if "extension" in given:
        await _check_extension(session, tenant, body.extension, agent.id)
        agent.extension = body.extension
    if "name" in given:
        agent.name = body.name
    if "languages" in given:
        agent.languages = [lang.lower() for lang in body.languages]
    if "working_hours" in given:
        agent.working_hours = [r.stored() for r in body.working_hours] if body.working_hours is not None else None
    if "active" in given:
        agent.active = body.active
    session.add(agent)
    await session.flush()
    await notifier.agent_upserted(session, await agent_snapshot(session, agent), previous, now)
    return agent


async def set_membership(
    session: AsyncSession,
    notifier: AgentsNotifier,
    tenant: str,
    agent_id: uuid.UUID,
    queue_id: uuid.UUID,
    body: MembershipUpdate,
    now: datetime,
) -> Agent:
    """Join a queue (or change proficiency/order); the queue must be one routing told us about."""
    agent = await agent_or_404(session, tenant, agent_id)
    if await get_queue(session, tenant, queue_id) is None:
        raise NotFound("No such queue (queues come from the routing service).", error_id="queue_not_found")
    previous = await agent_snapshot(session, agent)
    membership = await session.get(Membership, (agent.id, queue_id))
    if membership is None:
        membership = Membership(agent_id=agent.id, queue_id=queue_id, tenant_id=tenant)
    if (membership.proficiency, membership.order) == (body.proficiency, body.order) and membership in session:
        return agent
    membership.proficiency, membership.order = body.proficiency, body.order
    session.add(membership)
    await session.flush()
    await notifier.queues_changed(session, await agent_snapshot(session, agent), previous, now)
    return agent


async def remove_membership(
    session: AsyncSession,
    notifier: AgentsNotifier,
    tenant: str,
    agent_id: uuid.UUID,
    queue_id: uuid.UUID,
    now: datetime,
) -> None:
    """Leave a queue."""
    agent = await agent_or_404(session, tenant, agent_id)
    membership = await session.get(Membership, (agent.id, queue_id))
    if membership is None:
        raise NotFound("The agent is not a member of this queue.", error_id="membership_not_found")
    previous = await agent_snapshot(session, agent)
    await session.delete(membership)
    await session.flush()
    await notifier.queues_changed(session, await agent_snapshot(session, agent), previous, now)
