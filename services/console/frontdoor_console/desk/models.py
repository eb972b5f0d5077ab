"""The call an agent's desk is working on (so a reload, or a new sign-in, finds it again)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from frontdoor_common.models import UTCDateTime
from frontdoor_console.models import ConsoleModel


class DeskCall(ConsoleModel, table=True):
    """The agent's accepted call and the members service's contact session for it."""

    __tablename__ = "console_desk_call"

    tenant_id: str = Field(max_length=64, primary_key=True)
    agent_id: str = Field(max_length=64, primary_key=True)
    call_id: str = Field(max_length=64)
    contact_id: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(sa_type=UTCDateTime)
