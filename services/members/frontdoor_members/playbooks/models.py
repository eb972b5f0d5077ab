"""A tenant's playbook per contact reason: what the agent does for calls about it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, UniqueConstraint, false
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


class Playbook(MembersModel, table=True):
    """The steps for one of the tenant's reasons, an optional fixed number to transfer to in one
    step, an optional question the agent asks before any transfer, whether to consult the person
    asked for before transferring, and a fallback contact (a name and a number)."""

    __tablename__ = "playbooks"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_playbooks_tenant_code"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64, index=True)
    code: str = Field(max_length=100)
    steps: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    transfer_number: str | None = Field(default=None, max_length=20)
    ask_first: str | None = Field(default=None, max_length=500)
    # Media calls: consult the person asked for before transferring; without a name, the fallback
    # contact (the tenant's press contact), kept on the playbook of the reason it answers for.
    consult_first: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    fallback_name: str | None = Field(default=None, max_length=200)
    fallback_number: str | None = Field(default=None, max_length=20)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
