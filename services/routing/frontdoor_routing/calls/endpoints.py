"""The call lifecycle for CTI systems: POST /v1/calls and its transitions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response

from frontdoor_routing.auth import ActorDep, Reader, Writer
from frontdoor_routing.calls import reasons, service
from frontdoor_routing.calls.identification import identify
from frontdoor_routing.calls.schemas import AnswerCreate, CallCreate, CallView, CompletionCreate, TransferCreate
from frontdoor_routing.context import ContextDep

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
    response: Response,
    ctx: ContextDep,
    principal: Writer,
    authorization: Annotated[str | None, Header()] = None,
) -> CallView:
    number = body.caller_number
    who = await identify(ctx.settings, ctx.http, number, authorization, ctx.settings.identify_timeout_s)
    view, created = await service.arrive(ctx.engine, principal.tenant_id, body, who)
    if not created:
        response.status_code = 200
    elif not who.answered and view.call.member_id is None:
        # Members gave no answer in time: ask again in the background (the call goes on).
        ctx.identification.later(principal.tenant_id, view.call.call_id, number)
    return view


@router.get("/{call_id}", response_model=CallView, summary="A call, its position and estimated wait")
async def get_call(call_id: uuid.UUID, ctx: ContextDep, principal: Reader) -> CallView:
    return await service.get_call(ctx.engine, principal.tenant_id, call_id)


@router.post("/{call_id}/answer", response_model=CallView, summary="The agent picked up")
async def answer_call(
    call_id: uuid.UUID, ctx: ContextDep, principal: Writer, body: AnswerCreate | None = None
) -> CallView:
    return await service.answer(ctx.engine, principal.tenant_id, call_id, body.agent_id if body else None)


HOLDER_OR_WRITER = (
    "A token with `routing:write` (a CTI integration, a supervisor) acts on any call of the tenant; "
    "with `routing:agent` only the agent who holds the call may (the token's `frontdoor_agent_id` claim, "
    "or its subject, names the agent; another agent gets 403 `not_your_call`)."
)


@router.post(
    "/{call_id}/transfer",
    response_model=CallView,
    summary="Transfer to another queue, a number or a named colleague",
    description=(
        "`queue_id`: the call waits in that queue, keeping its arrival time. `number`: out of the "
        "platform (the call ends here). `agent_id`: a colleague of the same tenant; the call is "
        "offered to them only (the usual offer, lease and timeout), whatever their queues. If they "
        "reject it, let the offer time out, or cannot take a call now, it waits in the queue it came "
        "from (or `queue_id`, if given) at the place its arrival gives it, and any member may take it; "
        "it is never offered to that colleague again. The events are those of a queue transfer "
        "(`routing.call.transferred`, then `routing.call.offered` to the colleague). An agent id the "
        "tenant does not have (another tenant's included) is 404 `agent_not_found`; the agent who "
        "holds the call is 422 `transfer_to_self`; both name `agent_id`.\n\n" + HOLDER_OR_WRITER
    ),
    responses={
        403: {"description": "an agent's token, and the call is another agent's (`not_your_call`)"},
        404: {"description": "no such call, queue (`queue_not_found`) or agent (`agent_not_found`) in the tenant"},
        409: {"description": "the call is not answered (`transition_not_allowed`)"},
        422: {"description": "`same_queue`, `transfer_to_self` (naming the field), or a malformed body"},
    },
)
async def transfer_call(
    call_id: uuid.UUID,
    body: TransferCreate,
    ctx: ContextDep,
    actor: ActorDep,
    authorization: Annotated[str | None, Header()] = None,
) -> CallView:
    if body.contact_reason is not None:
        code = await reasons.check(ctx.engine, ctx.http, actor.tenant_id, body.contact_reason, authorization)
        body = body.model_copy(update={"contact_reason": code})
    return await service.transfer(ctx.engine, actor.tenant_id, call_id, body, as_agent=actor.agent_id)


@router.post(
    "/{call_id}/complete",
    response_model=CallView,
    summary="The conversation ended (wrap-up starts)",
    description=(
        "`contact_reason` is one of the tenant's reason codes (members' `GET /v1/tenant/settings`).\n\n"
        + HOLDER_OR_WRITER
    ),
    responses={403: {"description": "an agent's token, and the call is another agent's (`not_your_call`)"}},
)
async def complete_call(
    call_id: uuid.UUID,
    ctx: ContextDep,
    actor: ActorDep,
    body: CompletionCreate | None = None,
    authorization: Annotated[str | None, Header()] = None,
) -> CallView:
    body = body or CompletionCreate()
    code = await reasons.check(ctx.engine, ctx.http, actor.tenant_id, body.contact_reason, authorization)
    return await service.complete(
        ctx.engine, actor.tenant_id, call_id, body.model_copy(update={"contact_reason": code}), as_agent=actor.agent_id
    )


@router.post("/{call_id}/abandon", response_model=CallView, summary="The caller hung up before an answer")
async def abandon_call(call_id: uuid.UUID, ctx: ContextDep, principal: Writer) -> CallView:
    return await service.abandon(ctx.engine, principal.tenant_id, call_id)
