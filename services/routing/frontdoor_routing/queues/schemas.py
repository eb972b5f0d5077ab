"""Request and response models of the queues (`/v1/queues`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, field_validator

from frontdoor_routing.core.model import STRATEGIES, Strategy
from frontdoor_routing.engine.tenant import ClosedReason


class QueueOverflow(BaseModel):
    """After `after_seconds` of waiting, agents of `queue_ids` may also take the call."""

    after_seconds: int = Field(ge=1, le=3600)
    queue_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)


Mailbox = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=r"^\S(.*\S)?$")]
ReasonCode = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^\S(.*\S)?$")]
ONE_WORKING_DAY = 86_400  # a message answered by the same time the next day (see the README)


class QueueBase(BaseModel):
    """A queue's settings."""

    name: str = Field(min_length=1, max_length=120)
    ivr_digit: str | None = Field(default=None, pattern=r"^[0-9]$", description="The IVR choice, e.g. '1'")
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$", description="ISO 639-1, e.g. 'no', 'en'")
    is_switchboard: bool = Field(default=False, description="Callers who chose English go here")
    service_level_seconds: int = Field(default=20, ge=1, le=3600)
    priority: int = Field(default=0, ge=0, le=10)
    max_wait_seconds: int | None = Field(default=None, ge=10, le=24 * 3600)
    callback_offer_seconds: int | None = Field(default=None, ge=0, le=24 * 3600)
    wrapup_seconds: int = Field(default=0, ge=0, le=3600)
    offer_timeout_seconds: int = Field(default=15, ge=1, le=300)
    strategy: Strategy = "longest_idle"
    overflow: list[QueueOverflow] = Field(default_factory=list, max_length=10)
    message_mailboxes: list[Mailbox] = Field(
        default_factory=list,
        max_length=20,
        description="members' messages to these mailboxes come here (e.g. 'kontakt')",
    )
    message_reasons: list[ReasonCode] = Field(
        default_factory=list, max_length=50, description="messages with these contact reasons come here"
    )
    message_default: bool = Field(default=False, description="takes the messages no queue's mailbox or reason takes")
    task_service_level_seconds: int = Field(
        default=ONE_WORKING_DAY, ge=60, le=30 * 86_400, description="target for answering a message (email, web form)"
    )

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        if value not in STRATEGIES:
            raise ValueError(f"must be one of {', '.join(STRATEGIES)}")
        return value


class QueueCreate(QueueBase):
    """POST /v1/queues."""


def _absent() -> Any:
    """The default of a PATCH field that refuses null: absent, so unchanged (never validated or stored)."""
    return None


class QueueUpdate(BaseModel):
    """PATCH /v1/queues/{id}: any subset of the settings.

    An absent field stays as it is. `null` clears the fields where "none" means something:
    `ivr_digit` (no IVR choice), `language`, `max_wait_seconds` (no limit),
    `callback_offer_seconds` (no callback offer) and `overflow` (no overflow steps). Every
    other field refuses `null` (422 naming the field).
    """

    # Not nullable: typed without None; absent means unchanged (only set fields are applied).
    name: str = Field(default_factory=_absent, min_length=1, max_length=120)
    is_switchboard: bool = Field(default_factory=_absent)
    service_level_seconds: int = Field(default_factory=_absent, ge=1, le=3600)
    priority: int = Field(default_factory=_absent, ge=0, le=10)
    wrapup_seconds: int = Field(default_factory=_absent, ge=0, le=3600)
    offer_timeout_seconds: int = Field(default_factory=_absent, ge=1, le=300)
    strategy: Strategy = Field(default_factory=_absent)
    active: bool = Field(default_factory=_absent)
    message_mailboxes: list[Mailbox] = Field(default_factory=_absent, max_length=20, description="[]: none")
    message_reasons: list[ReasonCode] = Field(default_factory=_absent, max_length=50, description="[]: none")
    message_default: bool = Field(default_factory=_absent)
    task_service_level_seconds: int = Field(default_factory=_absent, ge=60, le=30 * 86_400)
    # Nullable: null clears.
    ivr_digit: str | None = Field(default=None, pattern=r"^[0-9]$", description="null: no IVR choice")
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$", description="null: no language")
    max_wait_seconds: int | None = Field(default=None, ge=10, le=24 * 3600, description="null: no limit")
    callback_offer_seconds: int | None = Field(default=None, ge=0, le=24 * 3600, description="null: no callback offer")
    overflow: list[QueueOverflow] | None = Field(default=None, max_length=10, description="null: no overflow")


class QueueView(QueueBase):
    """A queue as the API shows it."""

    id: uuid.UUID
    open: bool = Field(description="the queue's own opening (see open_now for the tenant's too)")
    active: bool
    created_at: datetime
    updated_at: datetime
    open_now: bool = Field(default=True, description="callers are queued now (tenant and queue open)")
    closed_reason: ClosedReason | None = None
    next_opening_at: datetime | None = Field(default=None, description="when it opens again, if closed and known")
