"""Tenant settings and departments."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id, utcnow
from frontdoor_members.models import MembersModel


class TenantSettings(MembersModel, table=True):
    """A tenant's country rules and its list of contact reasons."""

    __tablename__ = "tenant_settings"

    tenant_id: str = Field(primary_key=True, max_length=64)
    country: str = Field(max_length=2)
    phone_region: str = Field(max_length=2)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Department(MembersModel, table=True):
    """A union department; members belong to the department of their workplace."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_departments_tenant_code"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64, index=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    workplaces: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
