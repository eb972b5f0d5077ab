"""The surveys' tables: surveys, opt-outs and inbound SMS (deduplicated by provider message id)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_surveys.models import SurveysModel


class Survey(SurveysModel, table=True):
    """One survey of one contact; a contact the policy skipped is kept as status 'skipped' with the reason."""

    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source_key", name="uq_surveys_source"),
        Index("ix_surveys_tenant_status", "tenant_id", "status"),
        Index("ix_surveys_tenant_contact_completed", "tenant_id", "contact_completed_at"),
        Index("ix_surveys_tenant_member", "tenant_id", "member_id", "created_at"),
        Index("ix_surveys_phone", "phone", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    source: str = Field(max_length=16)  # call | callback
    source_key: str = Field(max_length=80)  # call:<id> or callback:<id>: one survey per contact
    call_id: uuid.UUID | None = None
    callback_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    phone: str | None = Field(default=None, max_length=20)
    language: str = Field(default="en", max_length=5)
    queue_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    status: str = Field(max_length=16)
    skip_reason: str | None = Field(default=None, max_length=40)
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    answers: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    clarified_step: int | None = None
    awaiting_comment: bool = False
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    score: float | None = None
    contact_completed_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    scheduled_for: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_reply_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    commented_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OptOut(SurveysModel, table=True):
    """A number (and its member) that replied STOP: never surveyed again by this tenant."""

    __tablename__ = "survey_opt_outs"

    tenant_id: str = Field(primary_key=True, max_length=64)
    phone: str = Field(primary_key=True, max_length=20)
    member_id: uuid.UUID | None = Field(default=None, index=True)
    survey_id: uuid.UUID | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class InboundSms(SurveysModel, table=True):
    """A reply as the gateway delivered it; the provider's message id makes redelivery harmless.

    Message ids are unique per `scope`: the tenant the webhook came in for, or "platform" for the
    platform gateway's webhook; one tenant's ids can never shadow another's.
    """

    __tablename__ = "sms_inbound"
    __table_args__ = (UniqueConstraint("scope", "provider_message_id", name="uq_sms_inbound_scope_message"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    scope: str = Field(default="platform", max_length=64)
    provider_message_id: str = Field(max_length=200)
    from_number: str = Field(max_length=20, index=True)
    to_number: str | None = Field(default=None, max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(sa_type=UTCDateTime)
    tenant_id: str | None = Field(default=None, max_length=64)
    survey_id: uuid.UUID | None = None
    outcome: str = Field(default="received", max_length=32)


class ContactLink(SurveysModel, table=True):
    """A contact whose caller was identified late (routing.call.identified), whichever of the
    completion and the identification came first: the member found, and the finished contact
    that waits for it (it holds the number, so it is dropped once identified or after
    `late_identification_hours`)."""

    __tablename__ = "survey_contact_links"
    __table_args__ = (Index("ix_survey_contact_links_updated", "updated_at"),)

    tenant_id: str = Field(primary_key=True, max_length=64)
    source_key: str = Field(primary_key=True, max_length=80)
    member_id: uuid.UUID | None = None
    contact: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = Field(sa_type=UTCDateTime)
