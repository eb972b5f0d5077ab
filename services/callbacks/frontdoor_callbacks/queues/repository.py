"""Reads and writes of the queue replica (tenant-scoped reads)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_callbacks.queues.models import QueueReplica
from frontdoor_common.events.routing import QueueSnapshot


class QueueRepository:
    """The queue replica."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: str, queue_id: uuid.UUID) -> QueueReplica | None:
        """The tenant's queue, or None (another tenant's queue is None too)."""
        row = await self.session.get(QueueReplica, queue_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def list(self, tenant_id: str) -> list[QueueReplica]:
        """The tenant's queues."""
        rows = await self.session.execute(
            select(QueueReplica).where(col(QueueReplica.tenant_id) == tenant_id).order_by(col(QueueReplica.name))
        )
        return list(rows.scalars())

    async def upsert(self, snapshot: QueueSnapshot, at: datetime) -> QueueReplica:
        """Insert or update from routing's snapshot; a queue never changes tenant."""
        row = await self.session.get(QueueReplica, snapshot.queue_id)
        if row is None:
            row = QueueReplica(
                queue_id=snapshot.queue_id, tenant_id=snapshot.tenant_id, name=snapshot.name, updated_at=at
            )
            self.session.add(row)
        elif row.tenant_id != snapshot.tenant_id or row.updated_at > at:
            return row  # another tenant's id (keep the first owner), or an older event arriving late
        row.name = snapshot.name
        row.ivr_digit = snapshot.ivr_digit
        row.language = snapshot.language
        row.is_switchboard = snapshot.is_switchboard
        row.callback_offer_seconds = snapshot.callback_offer_seconds
        row.active = snapshot.active
        row.updated_at = at
        await self.session.flush()
        return row
