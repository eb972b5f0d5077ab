"""Playbook shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

MAX_STEPS = 20
MAX_STEP_LENGTH = 500

OneLine = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[^\r\n\x00-\x1f\x7f\u2028\u2029\x85]*$")]
Step = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_STEP_LENGTH)]


class FallbackContact(BaseModel):
    """Who takes the call when the caller names nobody (for media: the tenant's press contact)."""

    name: Annotated[OneLine, StringConstraints(min_length=1, max_length=200)]
    number: str = Field(max_length=40, description="stored as E.164 (read with the tenant's region)")


class PlaybookBase(BaseModel):
    """What the agent is shown for calls about one reason."""

    steps: list[Step] = Field(default_factory=list, max_length=MAX_STEPS, description="ordered, short texts")
    transfer_number: str | None = Field(
        default=None,
        max_length=40,
        description="a fixed number the call goes to in one step; stored as E.164 (read with the tenant's region)",
    )
    ask_first: str | None = Field(
        default=None, max_length=MAX_STEP_LENGTH, description="a question the agent asks before a transfer"
    )
    consult_first: bool = Field(
        default=False, description="the agent consults the person the caller asks for before transferring (media)"
    )
    fallback_contact: FallbackContact | None = Field(
        default=None, description="when the caller names nobody: who the call goes to (the tenant's press contact)"
    )


class PlaybookCreate(PlaybookBase):
    """PUT body: the whole playbook."""


class PlaybookView(PlaybookBase):
    """A playbook as returned."""

    code: str
    updated_at: datetime
