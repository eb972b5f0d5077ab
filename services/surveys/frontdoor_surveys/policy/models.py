"""The policy's tables: one policy row per tenant, and its questions per language."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_surveys.models import SurveysModel


class SurveyPolicyRow(SurveysModel, table=True):
    """A tenant's survey policy (a tenant without a row gets the defaults of `rules.Policy`)."""

    __tablename__ = "survey_policies"

    tenant_id: str = Field(primary_key=True, max_length=64)
    enabled: bool = True
    require_answered: bool = True
    require_not_transferred: bool = True
    require_resolved: bool = True
    require_member: bool = True
    require_mobile: bool = True
    include_callbacks: bool = True
    min_days_between: int = 30
    quiet_start: str = Field(default="21:00", max_length=5)
    quiet_end: str = Field(default="08:00", max_length=5)
    time_zone: str = Field(default="Europe/Oslo", max_length=64)
    country: str = Field(default="NO", max_length=2)
    default_language: str = Field(default="en", max_length=5)
    expiry_hours: float = 24.0
    target: float = 85.0
    updated_at: datetime = Field(sa_type=UTCDateTime)


class SurveyQuestionRow(SurveysModel, table=True):
    """One question of a tenant's survey in one language (position 1-4)."""

    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("tenant_id", "language", "position", name="uq_survey_questions_position"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64, index=True)
    language: str = Field(max_length=5)
    position: int
    text: str = Field(max_length=320)
