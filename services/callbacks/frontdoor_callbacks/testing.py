"""Helpers for the callbacks service's tests (tests import this, never conftest)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import jwt
import pytest
from fastapi import FastAPI, Header, Query
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from frontdoor_callbacks.callbacks.models import Callback
from frontdoor_callbacks.context import CallbacksContext
from frontdoor_callbacks.dispatcher.service import Dispatcher
from frontdoor_callbacks.queues.repository import QueueRepository
from frontdoor_callbacks.references.repository import ReferenceRepository
from frontdoor_callbacks.scheduling import Interval
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.tables import outbox
from frontdoor_common.db import Database
from frontdoor_common.events.routing import QueueSnapshot
from frontdoor_common.settings import DEV_JWT_SECRET
from frontdoor_common.testing import parts_of
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
    """The running app's callbacks context (its composition root)."""
    return parts_of(app, CallbacksContext)


def dispatcher(app: FastAPI) -> Dispatcher:
    """The running app's dispatcher."""
    return context(app).dispatcher


def second_dispatcher(app: FastAPI) -> Dispatcher:
    """Another dispatcher on the running app's parts, as in a second replica of the service."""
    ctx = context(app)
    return Dispatcher(settings=ctx.settings, clock=ctx.clock, db=ctx.db, notifier=ctx.notifier, opening=ctx.opening)


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


async def opened(app: FastAPI, tenant: str, value: str | None) -> str | None:
    """The plaintext of a value the running app sealed in an event (None once its key is erased)."""
    sealer = app.state.runtime.sealer
    async with context(app).db.transaction() as s:
        result: str | None = await sealer.open_own(s, tenant, value)
    return result


async def count_rows(db: Database) -> tuple[int, int]:
    """(callbacks, outbox rows)."""
    async with db.transaction() as s:
        callbacks = int(await s.scalar(select(func.count()).select_from(Callback)) or 0)
        events = int(await s.scalar(select(func.count()).select_from(outbox)) or 0)
    return callbacks, events


async def read_topic(bootstrap: str, topic: str, *, want: int, timeout: float = 15.0) -> list[Envelope]:
    """Envelopes on `topic` from the beginning, once at least `want` arrived (plus a short grace)."""
    return await read_envelopes(bootstrap, topic, want=want, timeout=timeout, grace=0.2)


async def know(app: FastAPI, kind: Literal["member", "agent"], tenant: str, ref_id: uuid.UUID) -> None:
    """Put a member or agent id into the mirror (as the members or agents event would)."""
    async with context(app).db.transaction() as s:
        await ReferenceRepository(s).remember(kind, tenant, ref_id, context(app).clock.now())


async def returns(check: Callable[[], Awaitable[object]], want: object) -> bool:
    """Whether `check()` answers `want` now (for `eventually(lambda: returns(status, "completed"))`)."""
    return bool(await check() == want)


class SwitchableHours:
    """Opening hours a test can change (the agents service's answer, without the service):
    open around the clock, or closed until `closed_until`."""

    def __init__(self) -> None:
        self.closed_until: datetime | None = None
        self.asked = 0

    async def intervals(self, tenant_id: str, queue_id: uuid.UUID, start: datetime, end: datetime) -> list[Interval]:
        """One interval from `start` (or from when it opens again) to `end`."""
        self.asked += 1
        opens = max(start, self.closed_until) if self.closed_until else start
        return [Interval(opens, end)] if opens < end else []

    def invalidate(self, tenant_id: str, queue_id: uuid.UUID | None) -> None:
        """Nothing is cached."""

    async def close(self) -> None:
        """Nothing to release."""


class FakeOwners:
    """The members and agents services as far as callbacks asks them, for a loopback HTTP server.

    `members` and `agents` hold (tenant, id) pairs; `open_around_the_clock` holds (tenant, queue)
    pairs whose opening hours are the whole range asked (others: none).
    """

    def __init__(self) -> None:
        self.members: set[tuple[str, uuid.UUID]] = set()
        self.agents: set[tuple[str, uuid.UUID]] = set()
        self.open_around_the_clock: set[tuple[str, uuid.UUID]] = set()
        self.asked: list[str] = []

    def app(self) -> FastAPI:
        """A FastAPI app answering GET member, GET agent and GET opening hours."""
        api = FastAPI()

        def tenant_of(authorization: str | None) -> str:
            token = (authorization or "").removeprefix("Bearer ")
            claims = jwt.decode(token, DEV_JWT_SECRET, algorithms=["HS256"], options={"verify_aud": False})
            return str(claims["tenant"])

        @api.get("/v1/members/{member_id}")
        async def member(member_id: uuid.UUID, authorization: Annotated[str | None, Header()] = None) -> Any:
            self.asked.append(f"member {member_id}")
            if (tenant_of(authorization), member_id) not in self.members:
                return JSONResponse({"error_id": "member_not_found"}, status_code=404)
            return {"member_id": str(member_id)}

        @api.get("/v1/agents/{agent_id}")
        async def agent(agent_id: uuid.UUID, authorization: Annotated[str | None, Header()] = None) -> Any:
            self.asked.append(f"agent {agent_id}")
            if (tenant_of(authorization), agent_id) not in self.agents:
                return JSONResponse({"error_id": "agent_not_found"}, status_code=404)
            return {"agent_id": str(agent_id)}

        @api.get("/v1/queues/{queue_id}/opening-hours")
        async def opening(
            queue_id: uuid.UUID,
            from_: Annotated[datetime, Query(alias="from")],
            to: datetime,
            authorization: Annotated[str | None, Header()] = None,
        ) -> Any:
            self.asked.append(f"opening {queue_id}")
            if (tenant_of(authorization), queue_id) in self.open_around_the_clock:
                return {"intervals": [{"start": from_.isoformat(), "end": to.isoformat()}]}
            return {"intervals": []}

        return api
