"""Queries on tenant settings and departments (always scoped by tenant)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_members.tenants.models import Department, TenantSettings


async def settings(session: AsyncSession, tenant_id: str) -> TenantSettings | None:
    """The tenant's stored settings."""
    return await session.get(TenantSettings, tenant_id)


async def department(session: AsyncSession, tenant_id: str, department_id: uuid.UUID) -> Department | None:
    """One of the tenant's departments."""
    found = await session.get(Department, department_id)
    return found if found is not None and found.tenant_id == tenant_id else None


async def department_by_code(session: AsyncSession, tenant_id: str, code: str) -> Department | None:
    """A department by its code."""
    result = await session.scalars(
        select(Department).where(col(Department.tenant_id) == tenant_id, col(Department.code) == code)
    )
    return result.first()


async def departments(
    session: AsyncSession, tenant_id: str, *, offset: int = 0, limit: int | None = None
) -> list[Department]:
    """The tenant's departments, by code (every one unless paged)."""
    query = (
        select(Department).where(col(Department.tenant_id) == tenant_id).order_by(col(Department.code)).offset(offset)
    )
    result = await session.scalars(query.limit(limit) if limit is not None else query)
    return list(result)
