"""The privacy API's shapes: erasure requests and retention windows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from frontdoor_common.events.privacy import RETENTION_KINDS, ObjectionTo

MAX_DAYS = 36500


class ObjectionCreate(BaseModel):
    """A member's objection (art. 21): to what, and a note."""

    model_config = ConfigDict(extra="forbid")

    to: list[ObjectionTo] = Field(
        min_length=1, max_length=1, description="what the member objects to: `surveys` (satisfaction surveys)"
    )
    note: str | None = Field(default=None, max_length=500, description="how the member objected (no personal data)")


class ObjectionView(BaseModel):
    """A recorded objection."""

    member_id: uuid.UUID
    to: list[str]
    at: datetime
    dossier_entry_id: uuid.UUID


class ErasureCreate(BaseModel):
    """An erasure request's body (may be empty)."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(
        default=None, max_length=500, description="why, or how the member asked (no personal data)"
    )


class ErasurePartView(BaseModel):
    """One service's part of an erasure."""

    status: Literal["pending", "done"] = "pending"
    done: dict[str, int] = {}
    kept: list[str] = []
    keys_shredded: int = 0
    completed_at: datetime | None = None


class ErasureView(BaseModel):
    """An erasure request and each service's report."""

    erasure_id: uuid.UUID
    member_id: uuid.UUID
    status: Literal["in_progress", "completed"]
    requested_at: datetime
    requested_by: str
    completed_at: datetime | None = None
    parts: dict[str, ErasurePartView]


class ErasureList(BaseModel):
    """A page of erasure requests, newest first; `next_cursor` fetches the next page (None: no more)."""

    items: list[ErasureView]
    next_cursor: str | None = None


class RetentionWindows(BaseModel):
    """The tenant's retention windows (days per kind; an absent kind is kept until deleted)."""

    model_config = ConfigDict(extra="forbid")

    windows: dict[str, StrictInt] = Field(
        description=f"days per kind, 1..{MAX_DAYS}; kinds: {', '.join(RETENTION_KINDS)}",
    )


class RetentionView(BaseModel):
    """The tenant's windows and when they were last set (None: never)."""

    windows: dict[str, int]
    updated_at: datetime | None = None
