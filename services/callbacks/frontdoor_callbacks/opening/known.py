"""The last opening hours the agents service gave, per tenant and queue (a better guess than the default)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field

from frontdoor_callbacks.models import CallbacksModel
from frontdoor_callbacks.scheduling import Interval
from frontdoor_common.models import UTCDateTime


class KnownOpeningHours(CallbacksModel, table=True):
    """The intervals of the last successful ask, from `range_start` to `range_end`."""

    __tablename__ = "known_opening_hours"

    tenant_id: str = Field(max_length=64, primary_key=True)
    queue_id: uuid.UUID = Field(primary_key=True)
    range_start: datetime = Field(sa_type=UTCDateTime)
    range_end: datetime = Field(sa_type=UTCDateTime)
    intervals: str = Field(sa_type=Text)  # JSON: [[start, end], ...] in ISO 8601
    fetched_at: datetime = Field(sa_type=UTCDateTime)

    def decoded(self) -> list[Interval]:
        """The stored intervals."""
        return [Interval(datetime.fromisoformat(s), datetime.fromisoformat(e)) for s, e in json.loads(self.intervals)]


class KnownOpeningRepository:
    """Reads and writes of the last known hours; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: str, queue_id: uuid.UUID) -> KnownOpeningHours | None:
        """The queue's last known hours."""
        return await self.session.get(KnownOpeningHours, (tenant_id, queue_id))

    async def put(
        self,
        tenant_id: str,
        queue_id: uuid.UUID,
        start: datetime,
        end: datetime,
        intervals: list[Interval],
        at: datetime,
    ) -> None:
        """Replace the queue's last known hours."""
        encoded = json.dumps([[i.start.isoformat(), i.end.isoformat()] for i in intervals])
        row = await self.get(tenant_id, queue_id)
        if row is None:
            row = KnownOpeningHours(
                tenant_id=tenant_id,
                queue_id=queue_id,
                range_start=start,
                range_end=end,
                intervals=encoded,
                fetched_at=at,
            )
            self.session.add(row)
        else:
            row.range_start, row.range_end, row.intervals, row.fetched_at = start, end, encoded, at
        await self.session.flush()
