"""Tenant settings and department shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Country = Literal["NO", "DK", "NL"]

# The reasons members call, from the union texts, used until a tenant sets its own list.
DEFAULT_REASONS = [
    "dues_invoice",
    "member_data_change",
    "join_leave_move",
    "insurance",
    "trouble",
    "law_agreements",
    "courses",
    "unemployment_benefit",
    "media",
    "other",
]


class TenantSettingsBase(BaseModel):
    """A tenant's country rules and contact reasons."""

    country: Country = "NO"
    phone_region: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", description="default: the country")
    reasons: list[str] = Field(default_factory=lambda: list(DEFAULT_REASONS), min_length=1, max_length=200)


class TenantSettingsUpdate(TenantSettingsBase):
    """PUT body."""


class TenantSettingsPublic(TenantSettingsBase):
    """The effective settings (defaults when the tenant has none stored)."""

    tenant_id: str
    phone_region: str
    configured: bool


class DepartmentBase(BaseModel):
    """A department of the union."""

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    workplaces: list[str] = Field(default_factory=list, description="workplaces whose members belong here")


class DepartmentCreate(DepartmentBase):
    """POST body."""


class DepartmentPublic(DepartmentBase):
    """A department as returned."""

    id: uuid.UUID
    created_at: datetime
