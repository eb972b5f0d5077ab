"""GET and PUT /v1/survey-policy: the tenant's rules, quiet hours, target and questions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal, require
from frontdoor_common.service import SessionDep
from frontdoor_surveys.policy import service
from frontdoor_surveys.policy.models import SurveyPolicyRow
from frontdoor_surveys.policy.schemas import PolicyFields, PolicyIn, PolicyPublic

router = APIRouter(prefix="/v1/survey-policy", tags=["survey policy"])


async def _public(session: AsyncSession, tenant_id: str) -> PolicyPublic:
    row = await session.get(SurveyPolicyRow, tenant_id)
    fields = PolicyFields.model_validate(row.model_dump()) if row else PolicyFields()
    questions = await service.questions_by_language(session, tenant_id)
    return PolicyPublic(
        **fields.model_dump(), tenant_id=tenant_id, questions={k: list(v) for k, v in questions.items()}
    )


@router.get("", response_model=PolicyPublic, summary="The tenant's survey policy (defaults if never set)")
async def get_policy(session: SessionDep, principal: Annotated[Principal, require("surveys:read")]) -> PolicyPublic:
    """Read the policy."""
    return await _public(session, principal.tenant_id)


@router.put("", response_model=PolicyPublic, summary="Set the tenant's survey policy (and questions per language)")
async def put_policy(
    body: PolicyIn, session: SessionDep, principal: Annotated[Principal, require("surveys:write")]
) -> PolicyPublic:
    """Replace the policy."""
    await service.save_policy(session, principal.tenant_id, body.model_dump(exclude={"questions"}))
    for language, texts in (body.questions or {}).items():
        await service.save_questions(session, principal.tenant_id, language, [t.strip() for t in texts])
    return await _public(session, principal.tenant_id)
