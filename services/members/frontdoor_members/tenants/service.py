"""Tenant settings (country rules, reasons) and departments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.errors import Conflict, InvalidInput
from frontdoor_common.models import utcnow
from frontdoor_members.identity.national_id import Country
from frontdoor_members.tenants import repository
from frontdoor_members.tenants.models import Department, TenantSettings
from frontdoor_members.tenants.schemas import DEFAULT_REASONS, DepartmentCreate, TenantSettingsUpdate


@dataclass(frozen=True)
class TenantRules:
    """What the rest of the service needs to know about a tenant."""

    tenant_id: str
    country: Country
    phone_region: str
    reasons: list[str]
    configured: bool


async def rules(session: AsyncSession, tenant_id: str, default_country: str = "NO") -> TenantRules:
    """The tenant's rules, or the defaults when it has configured none."""
    stored = await repository.settings(session, tenant_id)
    if stored is None:
        country: Country = default_country if default_country in ("NO", "DK", "NL") else "NO"  # type: ignore[assignment]
        return TenantRules(tenant_id, country, country, list(DEFAULT_REASONS), False)
    return TenantRules(tenant_id, stored.country, stored.phone_region, list(stored.reasons), True)  # type: ignore[arg-type]


async def configure(session: AsyncSession, tenant_id: str, body: TenantSettingsUpdate) -> TenantRules:
    """Store the tenant's settings."""
    reasons = [r.strip() for r in body.reasons]
    if any(not r or len(r) > 100 for r in reasons) or len(set(reasons)) != len(reasons):
        raise InvalidInput("Reasons must be distinct, non-empty and at most 100 characters.", field="reasons")
    region = body.phone_region or body.country
    stored = await repository.settings(session, tenant_id)
    if stored is None:
        stored = TenantSettings(tenant_id=tenant_id, country=body.country, phone_region=region, reasons=reasons)
        session.add(stored)
    else:
        stored.country, stored.phone_region, stored.reasons = body.country, region, reasons
        stored.updated_at = utcnow()
    await session.flush()
    return TenantRules(tenant_id, body.country, region, reasons, True)


async def create_department(session: AsyncSession, tenant_id: str, body: DepartmentCreate) -> Department:
    """Add a department; its code is unique within the tenant."""
    if await repository.department_by_code(session, tenant_id, body.code) is not None:
        raise Conflict("A department with this code exists.", error_id="department_code_taken", field="code")
    department = Department(tenant_id=tenant_id, **body.model_dump())
    session.add(department)
    await session.flush()
    return department


async def require_department(session: AsyncSession, tenant_id: str, department_id: uuid.UUID, field: str) -> Department:
    """The tenant's department, or a problem naming `field`."""
    found = await repository.department(session, tenant_id, department_id)
    if found is None:
        raise InvalidInput("No such department.", error_id="department_not_found", field=field)
    return found


async def department_for_workplace(session: AsyncSession, tenant_id: str, workplace: str | None) -> Department | None:
    """The department a workplace belongs to (the statutes: members join where they work)."""
    if not workplace:
        return None
    wanted = workplace.strip().casefold()
    for department in await repository.departments(session, tenant_id):
        if any(w.strip().casefold() == wanted for w in department.workplaces):
            return department
    return None
