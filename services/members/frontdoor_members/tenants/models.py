"""Tenant settings and departments."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel

DEFAULT_PLACEHOLDERS = ["00100"]


class TenantSettings(MembersModel, table=True):
    """A tenant's country rules and its list of contact reasons."""

    __tablename__ = "tenant_settings"

    tenant_id: str = Field(primary_key=True, max_length=64)
    country: str = Field(max_length=2)
    phone_region: str = Field(max_length=2)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # the stand-in national IDs this tenant's registry uses for unknown numbers ("juksenummer")
    placeholder_national_ids: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PLACEHOLDERS),
        sa_column=Column(JSON, nullable=False, server_default='["00100"]'),
    )
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


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
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class TenantZone(MembersModel, table=True):
    """The tenant's time zone, mirrored from agents.tenant.settings_changed (local days for trends)."""

    __tablename__ = "tenant_zones"

    tenant_id: str = Field(primary_key=True, max_length=64)
    timezone: str = Field(max_length=64)
    country: str | None = Field(default=None, max_length=2)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
