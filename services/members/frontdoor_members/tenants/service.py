"""Tenant settings (country rules, reasons) and departments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_common.events.members import DEFAULT_REASONS
from frontdoor_members.identity.national_id import COUNTRIES, Country
from frontdoor_members.notifier import MembersNotifier
from frontdoor_members.tenants import repository
from frontdoor_members.tenants.models import DEFAULT_PLACEHOLDERS, Department, TenantSettings, TenantZone
from frontdoor_members.tenants.schemas import DepartmentCreate, DepartmentUpdate, TenantSettingsUpdate


@dataclass(frozen=True)
class TenantRules:
    """What the rest of the service needs to know about a tenant."""

    tenant_id: str
    country: Country
    phone_region: str
    reasons: list[str]
    configured: bool
    placeholders: tuple[str, ...] = tuple(DEFAULT_PLACEHOLDERS)


async def rules(session: AsyncSession, tenant_id: str, default_country: str = "NO") -> TenantRules:
    """The tenant's rules, or the defaults when it has configured none."""
    stored = await repository.settings(session, tenant_id)
    if stored is None:
        country = COUNTRIES.get(default_country, "NO")
        return TenantRules(tenant_id, country, country, list(DEFAULT_REASONS), False)
    return TenantRules(
        tenant_id,
        COUNTRIES[stored.country],  # validated when it was stored
        stored.phone_region,
        list(stored.reasons),
        True,
        tuple(stored.placeholder_national_ids),
    )


async def configure(
    session: AsyncSession, notifier: MembersNotifier, tenant_id: str, body: TenantSettingsUpdate, *, now: datetime
) -> TenantRules:
    """Store the tenant's settings and announce its reasons (the one vocabulary every service validates)."""
    reasons = [r.strip() for r in body.reasons]
    if any(not r or len(r) > 100 for r in reasons) or len(set(reasons)) != len(reasons):
        raise InvalidInput("Reasons must be distinct, non-empty and at most 100 characters.", field="reasons")
    region = body.phone_region or body.country
    placeholders = list(dict.fromkeys(body.placeholder_national_ids))
    stored = await repository.settings(session, tenant_id)
    if stored is None:
        stored = TenantSettings(
            tenant_id=tenant_id,
            country=body.country,
            phone_region=region,
            reasons=reasons,
            placeholder_national_ids=placeholders,
            updated_at=now,
        )
        session.add(stored)
    else:
        stored.country, stored.phone_region, stored.reasons = body.country, region, reasons
        stored.placeholder_national_ids = placeholders
        stored.updated_at = now
    await session.flush()
    await notifier.reasons_changed(session, tenant_id, reasons)
    return TenantRules(tenant_id, body.country, region, reasons, True, tuple(placeholders))


async def create_department(
    session: AsyncSession,
    tenant_id: str,
    body: DepartmentCreate,
    *,
    now: datetime,
    department_id: uuid.UUID | None = None,
) -> Department:
    """Add a department; its code is unique within the tenant. `department_id` fixes its id (the demo's)."""
    if await repository.department_by_code(session, tenant_id, body.code) is not None:
        raise Conflict("A department with this code exists.", error_id="department_code_taken", field="code")
    department = Department(tenant_id=tenant_id, created_at=now, **body.model_dump())
    if department_id is not None:
        department.id = department_id
    session.add(department)
    await session.flush()
    return department


async def department(session: AsyncSession, tenant_id: str, department_id: uuid.UUID) -> Department:
    """The tenant's department; another tenant's is a 404."""
    found = await repository.department(session, tenant_id, department_id)
    if found is None:
        raise NotFound("No such department.", error_id="department_not_found")
    return found


async def update_department(
    session: AsyncSession, tenant_id: str, department_id: uuid.UUID, body: DepartmentUpdate
) -> Department:
    """Change the given fields; a new code must stay unique within the tenant. Members keep their
    department (they point at its id)."""
    found = await department(session, tenant_id, department_id)
    changes = body.model_dump(exclude_unset=True)
    code = changes.get("code")
    if code is not None and code != found.code:
        taken = await repository.department_by_code(session, tenant_id, code)
        if taken is not None:
            raise Conflict("A department with this code exists.", error_id="department_code_taken", field="code")
    for name, value in changes.items():
        setattr(found, name, value)
    await session.flush()
    return found


async def departments(session: AsyncSession, tenant_id: str, *, offset: int, limit: int) -> list[Department]:
    """A page of the tenant's departments, by code."""
    return await repository.departments(session, tenant_id, offset=offset, limit=limit)


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


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


async def zone(session: AsyncSession, tenant_id: str, default: str = "Europe/Oslo") -> ZoneInfo:
    """The tenant's time zone (mirrored from the agents service), else `default`."""
    stored = await session.get(TenantZone, tenant_id)
    return _zone(stored.timezone if stored else None) or _zone(default) or ZoneInfo("Europe/Oslo")


async def set_zone(session: AsyncSession, tenant_id: str, timezone: str, country: str | None, at: datetime) -> bool:
    """Mirror agents.tenant.settings_changed; an unknown zone or an older event changes nothing."""
    if _zone(timezone) is None:
        return False
    stored = await session.get(TenantZone, tenant_id)
    if stored is None:
        session.add(TenantZone(tenant_id=tenant_id, timezone=timezone, country=country, updated_at=at))
    elif stored.updated_at <= at:
        stored.timezone, stored.country, stored.updated_at = timezone, country, at
    else:
        return False
    await session.flush()
    return True
