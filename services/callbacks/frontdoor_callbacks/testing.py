"""Helpers for the callbacks service's tests (tests import this, never conftest)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from frontdoor_callbacks.callbacks.models import Callback
from frontdoor_callbacks.context import STATE_KEY, CallbacksContext
from frontdoor_callbacks.dispatcher.service import Dispatcher
from frontdoor_callbacks.queues.repository import QueueRepository
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.tables import outbox
from frontdoor_common.db import Database
from frontdoor_common.events.routing import QueueSnapshot
from frontdoor_common.testing.bus import read_envelopes

# Monday 23 November 2026, 09:00 in Oslo (08:00 UTC): the queues are open.
MONDAY_0900_OSLO = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TENANT = "11111111-1111-4111-8111-111111111111"
OTHER_TENANT = "22222222-2222-4222-8222-222222222222"
QUEUE = uuid.UUID("0000000b-0000-4000-8000-000000000001")
OTHER_QUEUE = uuid.UUID("0000000b-0000-4000-8000-000000000002")
OTHER_TENANTS_QUEUE = uuid.UUID("0000000b-0000-4000-8000-000000000009")

# For tests whose subject is not storage: they run on SQLite only, which keeps the two-engine
# run short; everything that depends on the engine (locks, unique keys, queries) runs on both.
sqlite_only = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


def context(app: FastAPI) -> CallbacksContext:
    """The running app's callbacks context."""
    ctx: CallbacksContext = app.state.runtime.state[STATE_KEY]
    return ctx


def dispatcher(app: FastAPI) -> Dispatcher:
    """The running app's dispatcher."""
    d = context(app).dispatcher
    assert d is not None
    return d


async def add_queue(app: FastAPI, tenant: str, queue_id: uuid.UUID, name: str = "Queue") -> None:
    """Put a queue into the replica (as routing's event would)."""
    async with context(app).db.transaction() as s:
        await QueueRepository(s).upsert(
            QueueSnapshot(queue_id=queue_id, tenant_id=tenant, name=name), context(app).clock.now()
        )


async def outbox_events(db: Database, event_type: str | None = None) -> list[Envelope]:
    """Envelopes staged in the outbox, in order (optionally of one type)."""
    async with db.transaction() as s:
        stmt = select(outbox.c.payload, outbox.c.type).order_by(outbox.c.id)
        if event_type is not None:
            stmt = stmt.where(outbox.c.type == event_type)
        rows = (await s.execute(stmt)).all()
    return [Envelope.model_validate_json(r.payload) for r in rows]


async def count_rows(db: Database) -> tuple[int, int]:
    """(callbacks, outbox rows)."""
    async with db.transaction() as s:
        callbacks = int(await s.scalar(select(func.count()).select_from(Callback)) or 0)
        events = int(await s.scalar(select(func.count()).select_from(outbox)) or 0)
    return callbacks, events


async def read_topic(bootstrap: str, topic: str, *, want: int, timeout: float = 15.0) -> list[Envelope]:
    """Envelopes on `topic` from the beginning, once at least `want` arrived (plus a short grace)."""
    return await read_envelopes(bootstrap, topic, want=want, timeout=timeout, grace=0.2)
