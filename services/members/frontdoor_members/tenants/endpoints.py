"""Tenant settings and departments over HTTP."""

from __future__ import annotations

from fastapi import APIRouter

from frontdoor_common.service import RuntimeDep, SessionDep
from frontdoor_members.deps import Reader, Writer, settings_of
from frontdoor_members.tenants import repository, service
from frontdoor_members.tenants.schemas import (
    DepartmentCreate,
    DepartmentPublic,
    TenantSettingsPublic,
    TenantSettingsUpdate,
)

router = APIRouter(tags=["tenant"])


def _public(rules: service.TenantRules) -> TenantSettingsPublic:
    return TenantSettingsPublic(
        tenant_id=rules.tenant_id,
        country=rules.country,
        phone_region=rules.phone_region,
        reasons=rules.reasons,
        configured=rules.configured,
    )


@router.get("/v1/tenant/settings", response_model=TenantSettingsPublic, summary="The tenant's country and reasons")
async def get_settings(session: SessionDep, runtime: RuntimeDep, principal: Reader) -> TenantSettingsPublic:
    """The effective settings of the caller's tenant."""
    return _public(await service.rules(session, principal.tenant_id, settings_of(runtime).default_country))


@router.put("/v1/tenant/settings", response_model=TenantSettingsPublic, summary="Set country and reasons")
async def put_settings(body: TenantSettingsUpdate, session: SessionDep, principal: Writer) -> TenantSettingsPublic:
    """Set the tenant's country rules and contact reasons."""
    return _public(await service.configure(session, principal.tenant_id, body))


@router.post("/v1/departments", response_model=DepartmentPublic, status_code=201, summary="Add a department")
async def create_department(body: DepartmentCreate, session: SessionDep, principal: Writer) -> DepartmentPublic:
    """Add a department with the workplaces that belong to it."""
    department = await service.create_department(session, principal.tenant_id, body)
    return DepartmentPublic.model_validate(department, from_attributes=True)


@router.get("/v1/departments", response_model=list[DepartmentPublic], summary="The tenant's departments")
async def list_departments(session: SessionDep, principal: Reader) -> list[DepartmentPublic]:
    """Every department of the tenant."""
    return [
        DepartmentPublic.model_validate(d, from_attributes=True)
        for d in await repository.departments(session, principal.tenant_id)
    ]
