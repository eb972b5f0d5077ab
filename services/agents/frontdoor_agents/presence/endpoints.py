"""Presence: `PUT /v1/agents/{id}/presence` and the status board `GET /v1/presence`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from frontdoor_agents.agents.schemas import AgentView
from frontdoor_agents.agents.service import agent_or_404, agent_view
from frontdoor_agents.context import ContextDep
from frontdoor_agents.deps import PageDep, Reader, Writer
from frontdoor_agents.presence import service
from frontdoor_agents.presence.schemas import BoardEntryView, PresenceUpdate
from frontdoor_common.service import SessionDep

router = APIRouter(tags=["presence"])


@router.put("/v1/agents/{agent_id}/presence", response_model=AgentView, summary="Change an agent's phone status")
async def put_presence(
    agent_id: uuid.UUID, body: PresenceUpdate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> AgentView:
    """Change an agent's phone status."""
    agent = await agent_or_404(session, principal.tenant_id, agent_id, for_update=True)
    await service.request_change(session, ctx.notifier, agent, body.presence, body.reason, ctx.clock.now())
    return await agent_view(session, agent)


@router.get(
    "/v1/presence", response_model=list[BoardEntryView], summary="The status board: everyone's state and since when"
)
async def get_board(session: SessionDep, principal: Reader, page: PageDep) -> list[BoardEntryView]:
    """The status board: everyone's state and since when."""
    return page.of(await service.board(session, principal.tenant_id))
