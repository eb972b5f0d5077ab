"""Presence: `PUT /v1/agents/{id}/presence` and the status board `GET /v1/presence`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from frontdoor_agents.agents.endpoints import public
from frontdoor_agents.agents.schemas import AgentPublic
from frontdoor_agents.agents.service import agent_or_404
from frontdoor_agents.agents.snapshots import snapshots
from frontdoor_agents.deps import Reader, Writer, clock_of
from frontdoor_agents.presence import service
from frontdoor_agents.presence.schemas import BoardEntry, PresenceIn
from frontdoor_common.service import RuntimeDep, SessionDep

router = APIRouter(tags=["presence"])


@router.put("/v1/agents/{agent_id}/presence", response_model=AgentPublic, summary="Change an agent's phone status")
async def put_presence(
    agent_id: uuid.UUID, body: PresenceIn, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> AgentPublic:
    """Change an agent's phone status."""
    agent = await agent_or_404(session, principal.tenant_id, agent_id)
    await service.request_change(session, runtime, agent, body.presence, body.reason, clock_of(runtime).now())
    return await public(session, agent)


@router.get(
    "/v1/presence", response_model=list[BoardEntry], summary="The status board: everyone's state and since when"
)
async def get_board(session: SessionDep, principal: Reader) -> list[BoardEntry]:
    """The status board: everyone's state and since when."""
    return [
        BoardEntry(
            agent_id=s.agent_id,
            name=s.name,
            extension=s.extension,
            team_id=s.team_id,
            presence=s.presence,
            reason=s.presence_reason,
            since=s.presence_since,  # type: ignore[arg-type]
            blocked=s.blocked,
            blocked_reason=s.blocked_reason,
            blocked_until=s.blocked_until,
            available=s.available,
        )
        for s in await snapshots(session, principal.tenant_id)
        if s.active
    ]
