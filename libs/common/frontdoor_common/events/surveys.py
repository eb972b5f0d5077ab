"""Events published by the surveys service on `frontdoor.surveys.v1`.

Every survey event carries the survey's snapshot (no phone number, no comment text: the
comment is read through the API), keyed by survey id. Extend, never rename.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Event

SurveyStatus = Literal["scheduled", "asking", "completed", "expired", "opted_out", "failed", "skipped"]


class SurveySnapshot(BaseModel):
    """A survey at the moment of the event."""

    survey_id: uuid.UUID
    tenant_id: str
    source: Literal["call", "callback"]
    call_id: uuid.UUID | None = None
    callback_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    queue_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    language: str
    status: SurveyStatus
    questions: int = 4
    answers: list[int] = []  # 1-5, in question order, as far as answered
    score: float | None = None  # 0-100: mean of (answer - 1) / 4 * 100, once completed
    has_comment: bool = False
    contact_completed_at: datetime | None = None  # when the rated call (or callback) ended
    sent_at: datetime | None = None
    completed_at: datetime | None = None
    expires_at: datetime | None = None


class SurveysEvent(Event):
    """Base of the surveys service's events."""

    topic = topics.SURVEYS


class SurveyEvent(SurveysEvent):
    """Base of survey lifecycle events: keyed by survey id."""

    survey: SurveySnapshot
    at: datetime

    def key(self) -> str:
        return str(self.survey.survey_id)


class SurveySent(SurveyEvent):
    """The gateway accepted the survey's first SMS (after quiet hours, and retries if it was down)."""

    name = "surveys.survey.sent"


class SurveyAnswered(SurveyEvent):
    """The member answered one question (1-5)."""

    name = "surveys.survey.answered"
    question: int  # 1-based position
    value: int


class SurveyCompleted(SurveyEvent):
    """Every question is answered: the survey counts in the satisfaction index."""

    name = "surveys.survey.completed"


class SurveyCommented(SurveyEvent):
    """The member left the optional free-text comment after the last answer (text via the API)."""

    name = "surveys.survey.commented"


class SurveyExpired(SurveyEvent):
    """No answer within the expiry window: the survey closed unfinished."""

    name = "surveys.survey.expired"


class SurveyOptedOut(SurveyEvent):
    """The member replied STOP (or a localized word): no more surveys to this number or member."""

    name = "surveys.survey.opted_out"
