"""Reads and writes of callbacks and attempts; every read is scoped by tenant; never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_callbacks.callbacks.models import OPEN_STATUSES, WAITING_STATUSES, Callback, CallbackAttempt


@dataclass(frozen=True)
class CallbackFilter:
    """What GET /v1/callbacks narrows by."""

    status: list[str] | None = None
    queue_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    number: str | None = None
    due: bool | None = None
    overdue: bool | None = None
    at_risk: bool | None = None


def due_clause(now: datetime) -> ColumnElement[bool]:
    """Open and due: scheduled with its time come, or already with routing or an agent."""
    return or_(
        and_(col(Callback.status).in_(("pending", "scheduled")), col(Callback.due_at) <= now),
        col(Callback.status).in_(("dispatched", "in_progress")),
    )


def overdue_clause(now: datetime, overdue_before: datetime) -> ColumnElement[bool]:
    """Due for longer than the grace period and nobody has reached the member yet."""
    return and_(col(Callback.status).in_(WAITING_STATUSES), col(Callback.due_at) < overdue_before)


class CallbackRepository:
    """Callbacks and their attempts."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: str, callback_id: uuid.UUID, *, for_update: bool = False) -> Callback | None:
        """The tenant's callback (None for another tenant's)."""
        stmt = select(Callback).where(col(Callback.id) == callback_id, col(Callback.tenant_id) == tenant_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_any(self, callback_id: uuid.UUID, *, for_update: bool = False) -> Callback | None:
        """A callback by id whatever its tenant (consumers check the event's tenant themselves)."""
        stmt = select(Callback).where(col(Callback.id) == callback_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def find_open(self, key: str, *, for_update: bool = True) -> Callback | None:
        """The open callback holding a number+queue key."""
        stmt = select(Callback).where(col(Callback.open_key) == key)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, callback: Callback) -> Callback:
        """Insert (flushes, so a unique-key race surfaces here)."""
        self.session.add(callback)
        await self.session.flush()
        return callback

    async def search(
        self, tenant_id: str, f: CallbackFilter, *, now: datetime, overdue_before: datetime, limit: int, offset: int
    ) -> tuple[list[Callback], int]:
        """A page of the tenant's callbacks matching the filter, most urgent first, and the total."""
        conds: list[Any] = [col(Callback.tenant_id) == tenant_id]
        if f.status:
            conds.append(col(Callback.status).in_(f.status))
        if f.queue_id is not None:
            conds.append(col(Callback.queue_id) == f.queue_id)
        if f.agent_id is not None:
            conds.append(col(Callback.agent_id) == f.agent_id)
        if f.member_id is not None:
            conds.append(col(Callback.member_id) == f.member_id)
        if f.number is not None:
            conds.append(col(Callback.number) == f.number)
        if f.due is not None:
            clause = and_(col(Callback.status).in_(OPEN_STATUSES), due_clause(now))
            conds.append(clause if f.due else ~clause)
        if f.overdue is not None:
            clause = overdue_clause(now, overdue_before)
            conds.append(clause if f.overdue else ~clause)
        if f.at_risk is not None:
            clause = and_(col(Callback.status).in_(OPEN_STATUSES), col(Callback.at_risk).is_(True))
            conds.append(clause if f.at_risk else ~clause)
        total = int(await self.session.scalar(select(func.count()).select_from(Callback).where(*conds)) or 0)
        rows = await self.session.execute(
            select(Callback)
            .where(*conds)
            .order_by(col(Callback.priority).desc(), col(Callback.due_at), col(Callback.requested_at), col(Callback.id))
            .limit(limit)
            .offset(offset)
        )
        return list(rows.scalars()), total

    async def due_for_dispatch(self, now: datetime, limit: int) -> list[Callback]:
        """Scheduled callbacks whose time has come, locked (others' locked rows are skipped)."""
        stmt = (
            select(Callback)
            .where(col(Callback.status).in_(("pending", "scheduled")), col(Callback.due_at) <= now)
            .where(col(Callback.needs_reschedule).is_(False))
            .order_by(col(Callback.due_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def to_expire(self, now: datetime, limit: int) -> list[Callback]:
        """Waiting callbacks whose window or deadline has passed."""
        stmt = (
            select(Callback)
            .where(col(Callback.status).in_(WAITING_STATUSES))
            .where(or_(col(Callback.deadline) <= now, col(Callback.window_end) <= now))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def with_deadline(self, limit: int) -> list[Callback]:
        """Open callbacks with a deadline (their priority and risk move with time)."""
        stmt = (
            select(Callback)
            .where(col(Callback.status).in_(OPEN_STATUSES), col(Callback.deadline).is_not(None))
            .order_by(col(Callback.deadline))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def needing_reschedule(self, limit: int) -> list[Callback]:
        """Scheduled callbacks whose opening hours changed, or were a guess (those changed first)."""
        stmt = (
            select(Callback)
            .where(
                col(Callback.status).in_(("pending", "scheduled")),
                or_(col(Callback.needs_reschedule).is_(True), col(Callback.hours_guessed).is_(True)),
            )
            .order_by(col(Callback.needs_reschedule).desc())
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def mark_reschedule(self, tenant_id: str, queue_id: uuid.UUID | None) -> int:
        """Flag a queue's (or a tenant's) scheduled callbacks for the dispatcher to reschedule."""
        stmt = select(Callback).where(
            col(Callback.tenant_id) == tenant_id,
            col(Callback.status).in_(("pending", "scheduled")),
        )
        if queue_id is not None:
            stmt = stmt.where(col(Callback.queue_id) == queue_id)
        rows = list((await self.session.execute(stmt)).scalars())
        for row in rows:
            row.needs_reschedule = True
        await self.session.flush()
        return len(rows)

    async def attempts(self, callback_id: uuid.UUID) -> list[CallbackAttempt]:
        """A callback's attempts, in order."""
        rows = await self.session.execute(
            select(CallbackAttempt)
            .where(col(CallbackAttempt.callback_id) == callback_id)
            .order_by(col(CallbackAttempt.number))
        )
        return list(rows.scalars())

    async def add_attempt(self, attempt: CallbackAttempt) -> CallbackAttempt:
        """Insert an attempt."""
        self.session.add(attempt)
        await self.session.flush()
        return attempt

    async def in_period(
        self, tenant_id: str, start: datetime, end: datetime, queue_id: uuid.UUID | None
    ) -> list[Callback]:
        """Callbacks requested or closed in [start, end)."""
        conds: list[Any] = [
            col(Callback.tenant_id) == tenant_id,
            or_(
                and_(col(Callback.requested_at) >= start, col(Callback.requested_at) < end),
                and_(col(Callback.closed_at) >= start, col(Callback.closed_at) < end),
            ),
        ]
        if queue_id is not None:
            conds.append(col(Callback.queue_id) == queue_id)
        return list((await self.session.execute(select(Callback).where(*conds))).scalars())

    async def open_callbacks(self, tenant_id: str, queue_id: uuid.UUID | None) -> list[Callback]:
        """The tenant's open callbacks."""
        conds: list[Any] = [col(Callback.tenant_id) == tenant_id, col(Callback.status).in_(OPEN_STATUSES)]
        if queue_id is not None:
            conds.append(col(Callback.queue_id) == queue_id)
        return list((await self.session.execute(select(Callback).where(*conds))).scalars())
