"""Queries on playbooks (always scoped by tenant)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_members.playbooks.models import Playbook


async def playbook(session: AsyncSession, tenant_id: str, code: str) -> Playbook | None:
    """The tenant's playbook for `code`."""
    result = await session.scalars(
        select(Playbook).where(col(Playbook.tenant_id) == tenant_id, col(Playbook.code) == code)
    )
    return result.first()


async def playbooks(session: AsyncSession, tenant_id: str) -> list[Playbook]:
    """Every one of the tenant's playbooks, by code."""
    result = await session.scalars(
        select(Playbook).where(col(Playbook.tenant_id) == tenant_id).order_by(col(Playbook.code))
    )
    return list(result)
