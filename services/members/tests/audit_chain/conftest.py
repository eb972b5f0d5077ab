"""Helpers for the audit chain's tests: audited reads through the service or over HTTP, the chain
as stored, its verification, and tampering with it in SQL as an intruder with database access would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from frontdoor_members.audit import service
from frontdoor_members.audit.models import AuditChainHead, PersonalDataRead
from frontdoor_members.audit.service import Verification
from frontdoor_members.testing import ASTRID_NID, TENANT, create_member, headers, verified_contact

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _app_running(client: httpx.AsyncClient) -> None:
    """Every test here runs with the app's lifespan (its database) up."""


async def record(app: FastAPI, n: int, tenant: str = TENANT, *, purpose: str = "dues_question") -> None:
    """n audited reads of one made-up member, each in its own transaction (as n requests would)."""
    member = uuid.uuid4()
    for i in range(n):
        async with app.state.runtime.db.transaction() as s:
            await service.record_read(
                s,
                tenant_id=tenant,
                member_id=member,
                subject=f"agent-{i}",
                purpose=purpose,
                fields=["national_id", "address"],
                contact_id=uuid.uuid4() if i % 2 else None,
                request_id=f"req-{i}",
                at=T0 + timedelta(seconds=i, microseconds=i),
            )


async def chain(app: FastAPI, tenant: str = TENANT) -> list[PersonalDataRead]:
    """The tenant's entries in seq order."""
    async with app.state.runtime.db.transaction() as s:
        rows = await s.scalars(
            select(PersonalDataRead).where(PersonalDataRead.tenant_id == tenant).order_by(PersonalDataRead.seq)  # type: ignore[arg-type]
        )
        return list(rows)


async def head(app: FastAPI, tenant: str = TENANT) -> AuditChainHead | None:
    """The tenant's chain head."""
    async with app.state.runtime.db.transaction() as s:
        return await s.get(AuditChainHead, tenant)


async def verify(app: FastAPI, tenant: str = TENANT, page: int = 1000) -> Verification:
    """The service's verification of the tenant's chain."""
    async with app.state.runtime.db.snapshot() as s:
        return await service.verify(s, tenant, page=page)


async def sql(app: FastAPI, statement: str, **params: Any) -> None:
    """Run SQL behind the service's back."""
    async with app.state.runtime.db.transaction() as s:
        await s.execute(text(statement), params)


async def audited_read(client: httpx.AsyncClient, member: dict[str, Any], contact_id: str, **extra: str) -> int:
    """GET the member with personal data revealed (audited); the status."""
    r = await client.get(f"/v1/members/{member['id']}", headers=headers(**{"X-Contact-Id": contact_id, **extra}))
    assert r.status_code != 200 or r.json()["national_id_revealed"] is True, r.text
    return r.status_code


async def member_and_contact(client: httpx.AsyncClient) -> tuple[dict[str, Any], str]:
    """A member and a contact verified as them."""
    member = await create_member(client)
    return member, await verified_contact(client, member, ASTRID_NID)
