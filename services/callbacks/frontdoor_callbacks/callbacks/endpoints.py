"""HTTP routes for callbacks: thin, they parse, call the service and return the model."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from frontdoor_callbacks.callbacks.repository import CallbackFilter
from frontdoor_callbacks.callbacks.schemas import (
    AttemptCreate,
    AttemptRecordedView,
    AttemptView,
    CallbackCreate,
    CallbackDetailView,
    CallbackList,
    CallbackRequestView,
    CallbackView,
    CancellationCreate,
)
from frontdoor_callbacks.callbacks.service import CallbackService
from frontdoor_callbacks.context import ContextDep
from frontdoor_common.auth import Principal, require
from frontdoor_common.events.callbacks import CallbackStatus
from frontdoor_common.service import SessionDep

router = APIRouter(prefix="/v1/callbacks", tags=["callbacks"])

# Deep enough for any real list; beyond it a number would overflow the database's integer (a 500).
MAX_OFFSET = 1_000_000

Reader = Annotated[Principal, require("callbacks:read")]
Writer = Annotated[Principal, require("callbacks:write")]


@router.post(
    "",
    response_model=CallbackRequestView,
    status_code=status.HTTP_201_CREATED,
    summary="Request a callback (queue, agent or web form); a second one for the number and queue updates the first",
    description=(
        "`member_id` and `agent_id` must be the tenant's: `404 member_not_found` / `agent_not_found` otherwise, "
        "`503 member_unverifiable` / `agent_unverifiable` (retryable, `Retry-After`) when the owning service "
        "cannot say right now. A queue callback for a call routing already reported answered is "
        "`409 call_already_answered` (field `call_id`): the caller was served. `hours_guessed` in the answer "
        "says the due time rests on guessed opening hours (the agents service did not answer); it is corrected "
        "as soon as the hours are known."
    ),
    responses={200: {"model": CallbackRequestView, "description": "An open callback was updated (deduplicated)"}},
)
async def request_callback(
    body: CallbackCreate, session: SessionDep, ctx: ContextDep, principal: Writer, response: Response
) -> CallbackRequestView:
    """Create a callback, or update the open one for the same number and queue."""
    cb, updated = await CallbackService(session, ctx).request(principal.tenant_id, body)
    response.headers["Location"] = f"/v1/callbacks/{cb.id}"
    if updated:
        response.status_code = status.HTTP_200_OK
    return CallbackRequestView.model_validate({**CallbackView.model_validate(cb).model_dump(), "deduplicated": updated})


@router.get(
    "", response_model=CallbackList, summary="List callbacks (filters: status, queue, agent, due, overdue, at risk)"
)
async def list_callbacks(
    session: SessionDep,
    ctx: ContextDep,
    principal: Reader,
    status_: Annotated[list[CallbackStatus] | None, Query(alias="status")] = None,
    queue_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
    number: str | None = None,
    due: bool | None = None,
    overdue: bool | None = None,
    at_risk: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> CallbackList:
    """The tenant's callbacks, most urgent first."""
    f = CallbackFilter(
        status=list(status_) if status_ else None,
        queue_id=queue_id,
        agent_id=agent_id,
        member_id=member_id,
        number=number,
        due=due,
        overdue=overdue,
        at_risk=at_risk,
    )
    rows, total = await CallbackService(session, ctx).search(principal.tenant_id, f, limit=limit, offset=offset)
    return CallbackList(items=[CallbackView.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/{callback_id}", response_model=CallbackDetailView, summary="A callback with its attempts")
async def get_callback(
    callback_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Reader
) -> CallbackDetailView:
    """One callback of the tenant (404 for another tenant's)."""
    cb, attempts = await CallbackService(session, ctx).get(principal.tenant_id, callback_id)
    return CallbackDetailView.model_validate(
        {
            **CallbackView.model_validate(cb).model_dump(),
            "attempt_log": [AttemptView.model_validate(a) for a in attempts],
        }
    )


@router.post(
    "/{callback_id}/attempts",
    response_model=AttemptRecordedView,
    status_code=status.HTTP_201_CREATED,
    summary="Record an attempt: reached, no_answer, busy, wrong_number or voicemail",
    description="`agent_id`, when given, must be the tenant's (`404 agent_not_found`, `503 agent_unverifiable`).",
)
async def record_attempt(
    callback_id: uuid.UUID, body: AttemptCreate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> AttemptRecordedView:
    """Record an attempt; a retry, completion or expiry follows."""
    attempt, cb = await CallbackService(session, ctx).record_attempt(principal.tenant_id, callback_id, body)
    return AttemptRecordedView(attempt=AttemptView.model_validate(attempt), callback=CallbackView.model_validate(cb))


@router.post("/{callback_id}/cancel", response_model=CallbackView, summary="Withdraw a callback; nobody calls back")
async def cancel_callback(
    callback_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    principal: Writer,
    body: CancellationCreate | None = None,
) -> CallbackView:
    """Cancel an open callback."""
    cb = await CallbackService(session, ctx).cancel(principal.tenant_id, callback_id, body.reason if body else None)
    return CallbackView.model_validate(cb)
