"""Reads and writes of answered calls, and the open queue callbacks they end; never commits."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CursorResult, and_, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_callbacks.callbacks.models import WAITING_STATUSES, Callback
from frontdoor_callbacks.served.models import AnsweredCall


class AnsweredCallRepository:
    """Answered calls per tenant."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember(self, tenant_id: str, call_id: uuid.UUID, answered_at: datetime, now: datetime) -> None:
        """Record an answered call (a second record changes nothing, even when concurrent)."""
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(AnsweredCall).values(tenant_id=tenant_id, call_id=call_id, answered_at=answered_at, seen_at=now)
        await self.session.execute(stmt.on_conflict_do_nothing())

    async def answered(self, tenant_id: str, call_id: uuid.UUID) -> bool:
        """Whether routing said this tenant's call was answered."""
        stmt = select(col(AnsweredCall.call_id)).where(
            col(AnsweredCall.tenant_id) == tenant_id, col(AnsweredCall.call_id) == call_id
        )
        return (await self.session.scalar(stmt)) is not None

    async def waiting_callbacks_of(self, tenant_id: str, call_id: uuid.UUID) -> list[Callback]:
        """The tenant's queue callbacks for this call not yet with an agent, locked."""
        stmt = (
            select(Callback)
            .where(
                col(Callback.tenant_id) == tenant_id,
                col(Callback.original_call_id) == call_id,
                col(Callback.source) == "queue",
                col(Callback.status).in_(WAITING_STATUSES),
            )
            .with_for_update()
        )
        return list((await self.session.execute(stmt)).scalars())

    async def waiting_callbacks_of_answered_calls(self, limit: int) -> list[Callback]:
        """Callbacks not yet with an agent whose call was answered (a race the consumer lost), locked."""
        stmt = (
            select(Callback)
            .join(
                AnsweredCall,
                and_(
                    col(AnsweredCall.tenant_id) == col(Callback.tenant_id),
                    col(AnsweredCall.call_id) == col(Callback.original_call_id),
                ),
            )
            .where(col(Callback.source) == "queue", col(Callback.status).in_(WAITING_STATUSES))
            .limit(limit)
            .with_for_update(skip_locked=True, of=Callback)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def forget_before(self, before: datetime) -> int:
        """Drop records learnt before `before`."""
        result = await self.session.execute(delete(AnsweredCall).where(col(AnsweredCall.seen_at) < before))
        return int(result.rowcount or 0) if isinstance(result, CursorResult) else 0
