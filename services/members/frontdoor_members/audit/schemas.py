"""Audit log shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class PersonalDataReadView(BaseModel):
    """One recorded read of personal data."""

    id: uuid.UUID
    member_id: uuid.UUID
    subject: str
    contact_id: uuid.UUID | None
    purpose: str
    fields: list[str]
    request_id: str | None
    at: datetime
