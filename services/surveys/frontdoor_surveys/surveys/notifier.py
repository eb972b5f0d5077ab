"""The surveys' events: one method per event, each carrying the survey's snapshot. Never commits.

Events go to the outbox in the caller's transaction (the survey's change and its event commit
together). The snapshot has no phone number and no comment text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.surveys import (
    SurveyAnswered,
    SurveyCommented,
    SurveyCompleted,
    SurveyEvent,
    SurveyExpired,
    SurveyOptedOut,
    SurveySent,
    SurveySnapshot,
)
from frontdoor_common.notifier import Notifier, snapshot
from frontdoor_surveys.surveys.models import Survey


def survey_snapshot(survey: Survey) -> SurveySnapshot:
    """The survey as events carry it: how many questions, whether it has a comment (not the text)."""
    return snapshot(
        SurveySnapshot,
        survey,
        survey_id=survey.id,
        questions=len(survey.questions),
        has_comment=bool(survey.comment),
    )


class SurveysNotifier(Notifier):
    """Publishes `surveys.survey.*` (keyed by survey id) in the caller's transaction."""

    async def _survey(self, session: AsyncSession, event: SurveyEvent) -> Envelope:
        return await self.publish(session, event, tenant=event.survey.tenant_id)

    async def sent(self, session: AsyncSession, survey: Survey, at: datetime) -> Envelope:
        """The first SMS left: the survey asks."""
        return await self._survey(session, SurveySent(survey=survey_snapshot(survey), at=at))

    async def answered(
        self, session: AsyncSession, survey: Survey, at: datetime, *, question: int, value: int
    ) -> Envelope:
        """A question got its answer."""
        event = SurveyAnswered(survey=survey_snapshot(survey), at=at, question=question, value=value)
        return await self._survey(session, event)

    async def completed(self, session: AsyncSession, survey: Survey, at: datetime) -> Envelope:
        """Every question is answered."""
        return await self._survey(session, SurveyCompleted(survey=survey_snapshot(survey), at=at))

    async def commented(self, session: AsyncSession, survey: Survey, at: datetime) -> Envelope:
        """The member left the comment."""
        return await self._survey(session, SurveyCommented(survey=survey_snapshot(survey), at=at))

    async def expired(self, session: AsyncSession, survey: Survey, at: datetime) -> Envelope:
        """The survey (or its comment window) ran out of time."""
        return await self._survey(session, SurveyExpired(survey=survey_snapshot(survey), at=at))

    async def opted_out(self, session: AsyncSession, survey: Survey, at: datetime) -> Envelope:
        """The member replied STOP."""
        return await self._survey(session, SurveyOptedOut(survey=survey_snapshot(survey), at=at))
