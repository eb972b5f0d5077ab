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

from frontdoor_common.errors import NotFound
from frontdoor_routing import lifecycle
from frontdoor_routing.api.deps import AgentDesk, EngineDep
from frontdoor_routing.engine import dt, snapshot
from frontdoor_routing.models import Call
from frontdoor_routing.schemas import CallView

router = APIRouter(tags=["offers"])
KEEPALIVE_SECONDS = 15.0


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


@router.get(
    "/v1/agents/{agent_id}/offers",
    summary="Server-sent events: offers to this agent and their withdrawal",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "`offer` and `withdrawn` events"}},
)
async def offer_stream(agent_id: uuid.UUID, request: Request, engine: EngineDep, principal: AgentDesk) -> Any:
    tenant_id = principal.tenant_id
    initial: list[bytes] = []
    async with engine.mutation(tenant_id) as m:
        if agent_id not in m.tenant.agents:
            raise NotFound("No such agent.", error_id="agent_not_found")
        queue = engine.hub.subscribe(tenant_id, agent_id)
        for info in m.tenant.offers.values():
            if info.agent_id == agent_id:
                call = await m.session.get(Call, info.call_id)
                initial.append(
                    _sse(
                        "offer",
                        {
                            "offer_id": str(info.offer_id),
                            "call_id": str(info.call_id),
                            "agent_id": str(agent_id),
                            "queue_id": str(info.queue_id),
                            "expires_at": dt(info.expires_at).isoformat(),
                            "call": snapshot(call).model_dump(mode="json") if call else None,
                        },
                    )
                )

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield b": connected\n\n"
            for chunk in initial:
                yield chunk
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
                engine.hub.unsubscribe(tenant_id, agent_id, queue)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


@router.post("/v1/offers/{offer_id}/accept", response_model=CallView, summary="Accept an offer (the call is answered)")
async def accept(offer_id: uuid.UUID, engine: EngineDep, principal: AgentDesk) -> CallView:
    return await lifecycle.accept_offer(engine, principal.tenant_id, offer_id)


@router.post("/v1/offers/{offer_id}/reject", response_model=CallView, summary="Reject an offer (the call waits again)")
async def reject(offer_id: uuid.UUID, engine: EngineDep, principal: AgentDesk) -> CallView:
    return await lifecycle.reject_offer(engine, principal.tenant_id, offer_id)
