"""Tenant settings and department shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from frontdoor_common.events.members import DEFAULT_REASONS
from frontdoor_members.patch import PatchModel, Unchanged
from frontdoor_members.tenants.models import DEFAULT_PLACEHOLDERS

Country = Literal["NO", "DK", "NL"]
# a code, not a sentence: what other services store and validate against
ReasonCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")]
PlaceholderId = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,11}$")]


class TenantSettingsBase(BaseModel):
    """A tenant's country rules and contact reasons."""

    country: Country = "NO"
    phone_region: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", description="default: the country")
    reasons: list[ReasonCode] = Field(default_factory=lambda: list(DEFAULT_REASONS), min_length=1, max_length=200)
    placeholder_national_ids: list[PlaceholderId] = Field(
        default_factory=lambda: list(DEFAULT_PLACEHOLDERS),
        max_length=20,
        description="stand-in national IDs the registry uses for unknown numbers; any other short number is refused",
    )


class TenantSettingsUpdate(TenantSettingsBase):
    """PUT body."""


class TenantSettingsView(TenantSettingsBase):
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


Workplace = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class DepartmentCreate(DepartmentBase):
    """POST body."""

    email: EmailStr | None = Field(
        default=None, max_length=320, description="the case workers' address: forwards go there"
    )
    workplaces: list[Workplace] = Field(
        default_factory=list, max_length=500, description="workplaces whose members belong here"
    )


class DepartmentUpdate(PatchModel):
    """PATCH /v1/departments/{id}: a field left out is unchanged; null clears the email (forwards to
    the department are then refused) and is refused for the other fields."""

    code: str = Unchanged(min_length=1, max_length=32)
    name: str = Unchanged(min_length=1, max_length=200)
    email: EmailStr | None = Field(default=None, max_length=320, description="null: no address")
    workplaces: list[Workplace] = Unchanged(max_length=500, description="replaces every workplace")


class DepartmentView(DepartmentBase):
    """A department as returned."""

    id: uuid.UUID
    created_at: datetime
