"""Agents, teams and queue memberships: `/v1/agents`, `/v1/teams`, `/v1/agents/{id}/queues/{queue_id}`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from frontdoor_agents.agents import service
from frontdoor_agents.agents.schemas import (
    AgentCreate,
    AgentUpdate,
    AgentView,
    MembershipUpdate,
    TeamCreate,
    TeamUpdate,
    TeamView,
)
from frontdoor_agents.context import ContextDep
from frontdoor_agents.deps import PageDep, Reader, Writer
from frontdoor_agents.models import Team
from frontdoor_common.events.agents import AgentSnapshot
from frontdoor_common.notifier import snapshot
from frontdoor_common.service import SessionDep

router = APIRouter(tags=["agents"])


def _team_view(team: Team) -> TeamView:
    return snapshot(TeamView, team)


@router.post("/v1/teams", response_model=TeamView, status_code=201, summary="Create a team with a workload target")
async def post_team(body: TeamCreate, session: SessionDep, principal: Writer) -> TeamView:
    """Create a team with a workload target."""
    return _team_view(await service.create_team(session, principal.tenant_id, body))


@router.get("/v1/teams", response_model=list[TeamView], summary="The tenant's teams")
async def get_teams(session: SessionDep, principal: Reader, page: PageDep) -> list[TeamView]:
    """The tenant's teams."""
    return [_team_view(t) for t in page.of(await service.list_teams(session, principal.tenant_id))]


@router.put("/v1/teams/{team_id}", response_model=TeamView, summary="Rename a team or change its target")
async def put_team(team_id: uuid.UUID, body: TeamUpdate, session: SessionDep, principal: Writer) -> TeamView:
    """Rename a team or change its target."""
    return _team_view(await service.update_team(session, principal.tenant_id, team_id, body))


@router.post("/v1/agents", response_model=AgentView, status_code=201, summary="Create an agent")
async def post_agent(body: AgentCreate, session: SessionDep, ctx: ContextDep, principal: Writer) -> AgentView:
    """Create an agent."""
    agent = await service.create_agent(session, ctx.notifier, principal.tenant_id, body, ctx.clock.now())
    ctx.wake_scheduler_after_commit(session)
    return await service.agent_view(session, agent)


@router.get("/v1/agents", response_model=list[AgentView], summary="The tenant's agents")
async def get_agents(session: SessionDep, principal: Reader, page: PageDep) -> list[AgentView]:
    """The tenant's agents, by name (`offset`, `limit` page through them)."""
    return await service.list_agents(session, principal.tenant_id, page.offset, page.limit)


@router.get(
    "/v1/agents/snapshots",
    response_model=list[AgentSnapshot],
    summary="Every agent's routing snapshot (routing's reconcile at start)",
)
async def get_snapshots(session: SessionDep, principal: Reader) -> list[AgentSnapshot]:
    """Every agent's routing snapshot (routing's reconcile at start)."""
    return await service.snapshots(session, principal.tenant_id)


@router.get("/v1/agents/{agent_id}", response_model=AgentView, summary="An agent")
async def get_agent(agent_id: uuid.UUID, session: SessionDep, principal: Reader) -> AgentView:
    """An agent."""
    return await service.agent_view(session, await service.agent_or_404(session, principal.tenant_id, agent_id))


@router.patch("/v1/agents/{agent_id}", response_model=AgentView, summary="Change an agent's profile or working hours")
async def patch_agent(
    agent_id: uuid.UUID, body: AgentUpdate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> AgentView:
    """Change an agent's profile or working hours."""
    agent = await service.update_agent(session, ctx.notifier, principal.tenant_id, agent_id, body, ctx.clock.now())
    ctx.wake_scheduler_after_commit(session)
    return await service.agent_view(session, agent)


@router.put(
    "/v1/agents/{agent_id}/queues/{queue_id}",
    response_model=AgentView,
    summary="Join a queue, or change proficiency (1-5) and order",
)
async def put_membership(
    agent_id: uuid.UUID,
    queue_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    principal: Writer,
    body: MembershipUpdate | None = None,
) -> AgentView:
    """Join a queue, or change proficiency (1-5) and order."""
    agent = await service.set_membership(
        session, ctx.notifier, principal.tenant_id, agent_id, queue_id, body or MembershipUpdate(), ctx.clock.now()
    )
    return await service.agent_view(session, agent)


@router.delete("/v1/agents/{agent_id}/queues/{queue_id}", status_code=204, summary="Leave a queue")
async def delete_membership(
    agent_id: uuid.UUID, queue_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Writer
) -> Response:
    """Leave a queue."""
    await service.remove_membership(session, ctx.notifier, principal.tenant_id, agent_id, queue_id, ctx.clock.now())
    return Response(status_code=204)
