"""The call lifecycle for CTI systems: POST /v1/calls and its transitions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from frontdoor_routing import lifecycle
from frontdoor_routing.api.deps import EngineDep, Reader, Writer
from frontdoor_routing.schemas import AnswerIn, CallCreate, CallView, CompleteIn, TransferIn

router = APIRouter(prefix="/v1/calls", tags=["calls"])


@router.post(
    "",
    response_model=CallView,
    status_code=201,
    summary="A call comes in",
    description="Idempotent on `cti_call_id`: a repeated post returns the existing call with 200.",
    responses={200: {"model": CallView, "description": "The call was posted before"}},
)
async def post_call(
    body: CallCreate,
    request: Request,
    response: Response,
    engine: EngineDep,
    principal: Writer,
    authorization: Annotated[str | None, Header()] = None,
) -> CallView:
    client = request.app.state.runtime.state.get("http")
    who = await lifecycle.identify(engine, client, body.caller_number, authorization)
    view, created = await lifecycle.arrive(engine, principal.tenant_id, body, who)
    if not created:
        response.status_code = 200
    return view


@router.get("/{call_id}", response_model=CallView, summary="A call, its position and estimated wait")
async def get_call(call_id: uuid.UUID, engine: EngineDep, principal: Reader) -> CallView:
    return await lifecycle.get_call(engine, principal.tenant_id, call_id)


@router.post("/{call_id}/answer", response_model=CallView, summary="The agent picked up")
async def answer_call(
    call_id: uuid.UUID, engine: EngineDep, principal: Writer, body: AnswerIn | None = None
) -> CallView:
    return await lifecycle.answer(engine, principal.tenant_id, call_id, body.agent_id if body else None)


@router.post("/{call_id}/transfer", response_model=CallView, summary="Transfer to another queue or a number")
async def transfer_call(call_id: uuid.UUID, body: TransferIn, engine: EngineDep, principal: Writer) -> CallView:
    return await lifecycle.transfer(engine, principal.tenant_id, call_id, body)


@router.post("/{call_id}/complete", response_model=CallView, summary="The conversation ended (wrap-up starts)")
async def complete_call(
    call_id: uuid.UUID, engine: EngineDep, principal: Writer, body: CompleteIn | None = None
) -> CallView:
    return await lifecycle.complete(engine, principal.tenant_id, call_id, body or CompleteIn())


@router.post("/{call_id}/abandon", response_model=CallView, summary="The caller hung up before an answer")
async def abandon_call(call_id: uuid.UUID, engine: EngineDep, principal: Writer) -> CallView:
    return await lifecycle.abandon(engine, principal.tenant_id, call_id)
