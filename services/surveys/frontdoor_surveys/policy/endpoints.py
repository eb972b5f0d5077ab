"""GET, PUT and PATCH /v1/survey-policy: the tenant's rules, quiet hours, target and questions."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Request

from frontdoor_common.auth import Principal, require
from frontdoor_common.errors import InvalidInput
from frontdoor_common.service import SessionDep
from frontdoor_surveys.context import ContextDep
from frontdoor_surveys.policy import service
from frontdoor_surveys.policy.schemas import PolicyUpdate, PolicyView, patch_schema

router = APIRouter(prefix="/v1/survey-policy", tags=["survey policy"])

Reader = Annotated[Principal, require("surveys:read")]
Writer = Annotated[Principal, require("surveys:write")]


@router.get("", response_model=PolicyView, summary="The tenant's survey policy (defaults if never set)")
async def get_policy(session: SessionDep, principal: Reader) -> PolicyView:
    """Read the policy."""
    return await service.view(session, principal.tenant_id)


@router.put(
    "",
    response_model=PolicyView,
    summary="Set the tenant's survey policy (and questions per language)",
    description="Replaces the policy: a field left out takes its default. `questions` names the languages to "
    "replace (four texts each); left out or null, the questions stay as they are. PATCH changes single fields.",
)
async def put_policy(body: PolicyUpdate, session: SessionDep, ctx: ContextDep, principal: Writer) -> PolicyView:
    """Replace the policy."""
    return await service.replace_policy(session, principal.tenant_id, body, ctx.clock.now())


@router.patch(
    "",
    response_model=PolicyView,
    summary="Change some of the tenant's survey policy: absent fields stay as they are",
    description="Every field may be left out (unchanged). None of the policy's fields may be null (422 naming "
    "the field): each has a value. In `questions`, a language mapped to four texts replaces that language's "
    "questions and a language mapped to null goes back to the default questions; `questions` itself may not be "
    "null.",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": patch_schema()}}}},
)
async def patch_policy(request: Request, session: SessionDep, ctx: ContextDep, principal: Writer) -> PolicyView:
    """Change the given fields; the result is validated whole and written at once, or not at all."""
    try:
        raw: Any = json.loads(await request.body() or b"null")
    except (ValueError, RecursionError):
        raise InvalidInput("The body is not JSON.", error_id="validation_failed", field="body") from None
    if not isinstance(raw, dict):
        raise InvalidInput("The body must be a JSON object.", error_id="validation_failed", field="body")
    return await service.patch_policy(session, principal.tenant_id, raw, ctx.clock.now())
