"""The demo tenant's survey setup (idempotent): policy, target 85, Europe/Oslo, four questions in four languages."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from frontdoor_common.settings import DEMO_TENANT_ID
from frontdoor_surveys.context import SurveysContext
from frontdoor_surveys.policy.defaults import DEFAULT_QUESTIONS
from frontdoor_surveys.policy.models import SurveyPolicyRow, SurveyQuestionRow


async def seed(ctx: SurveysContext) -> None:
    """Create what is missing of the demo tenant's survey setup; change nothing that exists."""
    async with ctx.db.transaction() as session:
        if await session.get(SurveyPolicyRow, DEMO_TENANT_ID) is None:
            session.add(
                SurveyPolicyRow(
                    tenant_id=DEMO_TENANT_ID,
                    time_zone="Europe/Oslo",
                    country="NO",
                    default_language="no",
                    target=85.0,
                    min_days_between=30,
                    expiry_hours=24.0,
                    updated_at=ctx.clock.now(),
                )
            )
        existing = {
            (row.language, row.position)
            for row in (
                await session.execute(
                    select(SurveyQuestionRow).where(col(SurveyQuestionRow.tenant_id) == DEMO_TENANT_ID)
                )
            ).scalars()
        }
        for language, texts in DEFAULT_QUESTIONS.items():
            for position, text in enumerate(texts, start=1):
                if (language, position) not in existing:
                    session.add(
                        SurveyQuestionRow(tenant_id=DEMO_TENANT_ID, language=language, position=position, text=text)
                    )
