"""Offers to agents: the event stream and accept/reject."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from frontdoor_routing.auth import ActorDep, AgentDesk, actor_of, not_holder
from frontdoor_routing.calls.schemas import CallView
from frontdoor_routing.context import ContextDep
from frontdoor_routing.offers import service

router = APIRouter(tags=["offers"])
KEEPALIVE_SECONDS = 15.0


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


@router.get(
    "/v1/agents/{agent_id}/offers",
    summary="Server-sent events: offers to this agent and their withdrawal",
    description="A token with `routing:agent` only reads its own agent's stream (403 `not_your_stream`).",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "`offer` and `withdrawn` (calls, `channel` phone); `task_offer` and `task_withdrawn` "
            "(emails and web forms, `channel` email or webform: accept over `/v1/tasks/{id}/accept`)",
        }
    },
)
async def offer_stream(agent_id: uuid.UUID, request: Request, ctx: ContextDep, principal: AgentDesk) -> Any:
    if not actor_of(principal).may_act_for(agent_id):
        raise not_holder("stream")
    tenant_id = principal.tenant_id
    queue, initial = await service.subscribe(ctx.engine, tenant_id, agent_id)

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield b": connected\n\n"
            for message in initial:
                yield _sse(message["event"], message["data"])
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield b": keepalive\n\n"
                    continue
                yield _sse(message["event"], message["data"])
        finally:
            with contextlib.suppress(Exception):
                service.unsubscribe(ctx.engine, tenant_id, agent_id, queue)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


HOLDER_ONLY = (
    "With `routing:agent` only the agent the offer was made to may act on it (the token's "
    "`frontdoor_agent_id` claim, or its subject, names the agent); another agent's token gets 403 "
    "`not_your_offer`. A 403 rather than a 404: the offer is no secret inside the tenant (its id "
    "is on the call's view and in `routing.call.offered`), and a desk holding the wrong agent's "
    "token should be told so, not led to think the offer ended. A token with `routing:write` "
    "(a CTI integration, a supervisor) may act on any offer of the tenant."
)
OFFER_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "the offer is another agent's (`not_your_offer`), or the scope is missing"},
    404: {"description": "no such offer in the tenant (`offer_not_found`)"},
    409: {"description": "the offer is no longer open (`offer_not_open`)"},
}


@router.post(
    "/v1/offers/{offer_id}/accept",
    response_model=CallView,
    summary="Accept an offer (the call is answered)",
    description=HOLDER_ONLY,
    responses=OFFER_RESPONSES,
)
async def accept(offer_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> CallView:
    return await service.accept_offer(ctx.engine, actor.tenant_id, offer_id, as_agent=actor.agent_id)


@router.post(
    "/v1/offers/{offer_id}/reject",
    response_model=CallView,
    summary="Reject an offer (the call waits again)",
    description=HOLDER_ONLY,
    responses=OFFER_RESPONSES,
)
async def reject(offer_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> CallView:
    return await service.reject_offer(ctx.engine, actor.tenant_id, offer_id, as_agent=actor.agent_id)
