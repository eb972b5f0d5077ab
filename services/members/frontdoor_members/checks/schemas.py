"""Record check shapes."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel

CheckCode = Literal["calling_number_differs", "email_missing", "returned_mail", "placeholder_national_id"]


class CheckView(BaseModel):
    """Something in the record the agent should fix on this contact."""

    code: CheckCode
    message: str
    field: str


class ChecklistView(BaseModel):
    """The checklist for a member (on a contact, when given)."""

    member_id: uuid.UUID
    contact_id: uuid.UUID | None
    ok: bool
    checks: list[CheckView]
