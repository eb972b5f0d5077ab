"""Reads and writes of the members/agents mirror; an id is known only for its own tenant."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_callbacks.references.models import KnownAgent, KnownMember

Kind = Literal["member", "agent"]


def _table(kind: Kind) -> type[KnownMember] | type[KnownAgent]:
    return KnownMember if kind == "member" else KnownAgent


class ReferenceRepository:
    """The mirror of (tenant, member_id) and (tenant, agent_id)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def known(self, kind: Kind, tenant_id: str, ref_id: uuid.UUID) -> bool:
        """Whether the tenant has this member (or agent), as far as the mirror knows."""
        if kind == "member":
            stmt = select(col(KnownMember.member_id)).where(
                col(KnownMember.tenant_id) == tenant_id, col(KnownMember.member_id) == ref_id
            )
        else:
            stmt = select(col(KnownAgent.agent_id)).where(
                col(KnownAgent.tenant_id) == tenant_id, col(KnownAgent.agent_id) == ref_id
            )
        return (await self.session.scalar(stmt)) is not None

    async def remember(self, kind: Kind, tenant_id: str, ref_id: uuid.UUID, at: datetime) -> None:
        """Add the id to the tenant's mirror (a second add changes nothing, even when concurrent)."""
        key = "member_id" if kind == "member" else "agent_id"
        values = {"tenant_id": tenant_id, key: ref_id, "seen_at": at}
        dialect = self.session.bind.dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        await self.session.execute(insert(_table(kind)).values(**values).on_conflict_do_nothing())
