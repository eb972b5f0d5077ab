"""The demo tenant's survey setup."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from frontdoor_common.settings import DEMO_TENANT_ID
from frontdoor_common.testing import running_app
from frontdoor_surveys.app import create_app
from frontdoor_surveys.policy.models import SurveyPolicyRow, SurveyQuestionRow
from frontdoor_surveys.settings import Settings


async def test_the_demo_seed_is_idempotent(surveys_settings: Callable[..., Settings]) -> None:
    settings = surveys_settings(seed_demo=True, run_consumers=False)
    for _ in range(2):
        app = create_app(settings)
        async with running_app(app), app.state.runtime.db.transaction() as session:
            policy = await session.get(SurveyPolicyRow, DEMO_TENANT_ID)
            questions = await session.scalar(
                select(func.count()).select_from(SurveyQuestionRow).where(SurveyQuestionRow.tenant_id == DEMO_TENANT_ID)
            )
    assert policy is not None and policy.time_zone == "Europe/Oslo" and policy.target == 85.0
    assert questions == 16
