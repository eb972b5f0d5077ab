"""Agents, teams and queue memberships: `/v1/agents`, `/v1/teams`, `/v1/agents/{id}/queues/{queue_id}`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.agents import repository as repo
from frontdoor_agents.agents import service
from frontdoor_agents.agents.schemas import (
    AgentCreate,
    AgentPublic,
    AgentUpdate,
    AvailabilityNow,
    MembershipIn,
    TeamIn,
    TeamOut,
)
from frontdoor_agents.agents.snapshots import snapshot, snapshots
from frontdoor_agents.deps import Reader, Writer, clock_of, wake_scheduler_after_commit
from frontdoor_agents.models import Agent, Team
from frontdoor_common.events.agents import AgentSnapshot
from frontdoor_common.service import RuntimeDep, SessionDep

router = APIRouter(tags=["agents"])


async def public(session: AsyncSession, agent: Agent) -> AgentPublic:
    """The API view of an agent."""
    snap = await snapshot(session, agent)
    return AgentPublic(
        id=agent.id,
        name=agent.name,
        extension=agent.extension,
        languages=snap.languages,
        team_id=agent.team_id,
        working_hours=agent.working_hours,
        active=agent.active,
        presence=agent.presence,
        presence_reason=agent.presence_reason,
        presence_since=agent.presence_since,
        queues=snap.queues,
        availability=AvailabilityNow(
            blocked=snap.blocked, reason=snap.blocked_reason, until=snap.blocked_until, available=snap.available
        ),
        created_at=agent.created_at,
    )


def _team_out(team: Team) -> TeamOut:
    return TeamOut(id=team.id, name=team.name, target_calls_per_day=team.target_calls_per_day)


@router.post("/v1/teams", response_model=TeamOut, status_code=201, summary="Create a team with a workload target")
async def post_team(body: TeamIn, session: SessionDep, principal: Writer) -> TeamOut:
    """Create a team with a workload target."""
    return _team_out(await service.create_team(session, principal.tenant_id, body))


@router.get("/v1/teams", response_model=list[TeamOut], summary="The tenant's teams")
async def get_teams(session: SessionDep, principal: Reader) -> list[TeamOut]:
    """The tenant's teams."""
    return [_team_out(t) for t in await repo.list_teams(session, principal.tenant_id)]


@router.put("/v1/teams/{team_id}", response_model=TeamOut, summary="Rename a team or change its target")
async def put_team(team_id: uuid.UUID, body: TeamIn, session: SessionDep, principal: Writer) -> TeamOut:
    """Rename a team or change its target."""
    return _team_out(await service.update_team(session, principal.tenant_id, team_id, body))


@router.post("/v1/agents", response_model=AgentPublic, status_code=201, summary="Create an agent")
async def post_agent(body: AgentCreate, session: SessionDep, runtime: RuntimeDep, principal: Writer) -> AgentPublic:
    """Create an agent."""
    agent = await service.create_agent(session, runtime, principal.tenant_id, body, clock_of(runtime).now())
    wake_scheduler_after_commit(session, runtime)
    return await public(session, agent)


@router.get("/v1/agents", response_model=list[AgentPublic], summary="The tenant's agents")
async def get_agents(session: SessionDep, principal: Reader) -> list[AgentPublic]:
    """The tenant's agents."""
    return [await public(session, a) for a in await repo.list_agents(session, principal.tenant_id)]


@router.get(
    "/v1/agents/snapshots",
    response_model=list[AgentSnapshot],
    summary="Every agent's routing snapshot (routing's reconcile at start)",
)
async def get_snapshots(session: SessionDep, principal: Reader) -> list[AgentSnapshot]:
    """Every agent's routing snapshot (routing's reconcile at start)."""
    return await snapshots(session, principal.tenant_id)


@router.get("/v1/agents/{agent_id}", response_model=AgentPublic, summary="An agent")
async def get_agent(agent_id: uuid.UUID, session: SessionDep, principal: Reader) -> AgentPublic:
    """An agent."""
    return await public(session, await service.agent_or_404(session, principal.tenant_id, agent_id))


@router.patch("/v1/agents/{agent_id}", response_model=AgentPublic, summary="Change an agent's profile or working hours")
async def patch_agent(
    agent_id: uuid.UUID, body: AgentUpdate, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> AgentPublic:
    """Change an agent's profile or working hours."""
    agent = await service.update_agent(session, runtime, principal.tenant_id, agent_id, body, clock_of(runtime).now())
    wake_scheduler_after_commit(session, runtime)
    return await public(session, agent)


@router.put(
    "/v1/agents/{agent_id}/queues/{queue_id}",
    response_model=AgentPublic,
    summary="Join a queue, or change proficiency (1-5) and order",
)
async def put_membership(
    agent_id: uuid.UUID,
    queue_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Writer,
    body: MembershipIn | None = None,
) -> AgentPublic:
    """Join a queue, or change proficiency (1-5) and order."""
    agent = await service.set_membership(
        session, runtime, principal.tenant_id, agent_id, queue_id, body or MembershipIn(), clock_of(runtime).now()
    )
    return await public(session, agent)


@router.delete("/v1/agents/{agent_id}/queues/{queue_id}", status_code=204, summary="Leave a queue")
async def delete_membership(
    agent_id: uuid.UUID, queue_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> Response:
    """Leave a queue."""
    await service.remove_membership(session, runtime, principal.tenant_id, agent_id, queue_id, clock_of(runtime).now())
    return Response(status_code=204)
