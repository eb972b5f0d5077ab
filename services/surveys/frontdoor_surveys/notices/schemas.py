"""The notices as the API shows them: statuses and times, never the number or the text."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

NoticeStatus = Literal["queued", "sent", "withdrawn", "failed"]


class NoticeView(BaseModel):
    """A notice the members service asked to send, and where it stands."""

    notice_id: uuid.UUID
    member_id: uuid.UUID
    kind: str
    status: NoticeStatus
    not_before: datetime | None
    requested_at: datetime
    sent_at: datetime | None
    withdrawn_at: datetime | None


class NoticePage(BaseModel):
    """The newest first."""

    items: list[NoticeView]
    limit: int
    offset: int
