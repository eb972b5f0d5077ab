"""Tenant settings and departments over HTTP."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from frontdoor_common.notifier import snapshot
from frontdoor_common.service import SessionDep
from frontdoor_members.context import ContextDep
from frontdoor_members.deps import Configurer, PageDep, Reader
from frontdoor_members.tenants import service
from frontdoor_members.tenants.schemas import (
    DepartmentCreate,
    DepartmentUpdate,
    DepartmentView,
    TenantSettingsUpdate,
    TenantSettingsView,
)

router = APIRouter(tags=["tenant"])


def _view(rules: service.TenantRules) -> TenantSettingsView:
    return snapshot(TenantSettingsView, rules, placeholder_national_ids=list(rules.placeholders))


@router.get("/v1/tenant/settings", response_model=TenantSettingsView, summary="The tenant's country and reasons")
async def get_settings(session: SessionDep, ctx: ContextDep, principal: Reader) -> TenantSettingsView:
    """The effective settings of the caller's tenant."""
    return _view(await service.rules(session, principal.tenant_id, ctx.settings.default_country))


@router.put("/v1/tenant/settings", response_model=TenantSettingsView, summary="Set country and reasons")
async def put_settings(
    body: TenantSettingsUpdate, session: SessionDep, ctx: ContextDep, principal: Configurer
) -> TenantSettingsView:
    """Set the tenant's country rules and contact reasons (announced as members.tenant.reasons_changed)."""
    return _view(await service.configure(session, ctx.notifier, principal.tenant_id, body, now=ctx.clock.now()))


@router.post("/v1/departments", response_model=DepartmentView, status_code=201, summary="Add a department")
async def create_department(
    body: DepartmentCreate, session: SessionDep, ctx: ContextDep, principal: Configurer
) -> DepartmentView:
    """Add a department with the workplaces that belong to it."""
    department = await service.create_department(session, principal.tenant_id, body, now=ctx.clock.now())
    return DepartmentView.model_validate(department, from_attributes=True)


@router.get("/v1/departments", response_model=list[DepartmentView], summary="The tenant's departments")
async def list_departments(session: SessionDep, principal: Reader, page: PageDep) -> list[DepartmentView]:
    """The tenant's departments, by code."""
    rows = await service.departments(session, principal.tenant_id, offset=page.offset, limit=page.limit)
    return [DepartmentView.model_validate(d, from_attributes=True) for d in rows]


@router.get("/v1/departments/{department_id}", response_model=DepartmentView, summary="One department")
async def get_department(department_id: uuid.UUID, session: SessionDep, principal: Reader) -> DepartmentView:
    """The department; another tenant's is a 404."""
    department = await service.department(session, principal.tenant_id, department_id)
    return DepartmentView.model_validate(department, from_attributes=True)


@router.patch("/v1/departments/{department_id}", response_model=DepartmentView, summary="Change a department")
async def update_department(
    department_id: uuid.UUID, body: DepartmentUpdate, session: SessionDep, principal: Configurer
) -> DepartmentView:
    """Change the given fields (the case workers' address, for forwards; its name, code or
    workplaces). A field left out is unchanged; null clears the email only."""
    department = await service.update_department(session, principal.tenant_id, department_id, body)
    return DepartmentView.model_validate(department, from_attributes=True)
