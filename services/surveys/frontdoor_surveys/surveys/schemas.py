"""What the surveys API returns."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from frontdoor_surveys.surveys.models import Survey


def mask_phone(phone: str | None) -> str | None:
    """+4741234567 -> +47******67: enough to recognise, not to call."""
    if not phone:
        return None
    return phone[:3] + "*" * max(0, len(phone) - 5) + phone[-2:]


class SurveyView(BaseModel):
    """A survey as operators see it (the number masked)."""

    id: uuid.UUID
    status: str
    skip_reason: str | None
    source: str
    call_id: uuid.UUID | None
    callback_id: uuid.UUID | None
    member_id: uuid.UUID | None
    phone_masked: str | None
    language: str
    queue_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    team_id: uuid.UUID | None
    questions: list[str]
    answers: list[int]
    score: float | None
    comment: str | None
    contact_completed_at: datetime
    created_at: datetime
    scheduled_for: datetime | None
    sent_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, survey: Survey) -> SurveyView:
        """From the table row."""
        data = survey.model_dump()
        data["phone_masked"] = mask_phone(survey.phone)
        return cls.model_validate(data)


class SurveyPage(BaseModel):
    """One page of surveys, newest contact first."""

    items: list[SurveyView]
    total: int
    limit: int
    offset: int


class CommentView(BaseModel):
    """A member's free-text comment with what it is about."""

    survey_id: uuid.UUID
    comment: str
    commented_at: datetime | None
    score: float | None
    language: str
    queue_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    team_id: uuid.UUID | None
    contact_completed_at: datetime

    @classmethod
    def of(cls, survey: Survey) -> CommentView:
        """From the table row."""
        return cls.model_validate({**survey.model_dump(), "survey_id": survey.id, "comment": survey.comment or ""})


class CommentPage(BaseModel):
    """One page of comments, newest first."""

    items: list[CommentView]
    total: int
    limit: int
    offset: int
