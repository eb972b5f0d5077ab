"""Shared parts of routing's integration tests: the app on a port, a CTI client, agent desks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.consumer import claim
from frontdoor_common.bus.events import Envelope, Event
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.db import Database
from frontdoor_common.events.agents import (
    AgentPresenceChanged,
    AgentSnapshot,
    Presence,
    QueueMembership,
    QueueOpeningChanged,
)
from frontdoor_common.migrations import upgrade
from frontdoor_common.privacy.seal import Sealer
from frontdoor_common.testing import auth, eventually, publish, serve_app
from frontdoor_routing.agents.service import upsert_agent
from frontdoor_routing.app import create_app
from frontdoor_routing.context import RoutingContext
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.engine.tenant import TenantState
from frontdoor_routing.inputs import RoutingInputs
from frontdoor_routing.notifier import RoutingNotifier
from frontdoor_routing.queues.schemas import QueueCreate
from frontdoor_routing.queues.service import create_queue
from frontdoor_routing.settings import Settings

TENANT = "7e3a1c52-0000-4000-8000-000000000001"
OTHER_TENANT = "7e3a1c52-0000-4000-8000-000000000002"


def context_of(app: Any) -> RoutingContext:
    """The running app's composition root (its lifespan has started)."""
    parts = app.state.runtime.parts
    assert isinstance(parts, RoutingContext)
    return parts


class Desk:
    """An agent desktop: reads the agent's offer stream in the background."""

    def __init__(self, base: str, token: str, agent_id: uuid.UUID) -> None:
        self.base, self.token, self.agent_id = base, token, agent_id
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    async def _read(self) -> None:
        async with (
            httpx.AsyncClient(base_url=self.base, timeout=None) as client,
            client.stream("GET", f"/v1/agents/{self.agent_id}/offers", headers=auth(self.token)) as response,
        ):
            assert response.status_code == 200
            event = None
            async for line in response.aiter_lines():
                if line.startswith(": connected"):
                    self.connected.set()
                elif line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event:
                    self.events.append((event, json.loads(line[6:])))

    async def start(self) -> Desk:
        self._task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.connected.wait(), 10)
        return self

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    def offers(self) -> list[dict[str, Any]]:
        return [d for e, d in self.events if e == "offer"]


class Platform:
    """The routing app on a port, a CTI client, and an agents-service stand-in on the bus."""

    def __init__(self, base: str, settings: Settings, bus: KafkaBus, token: str, app: Any) -> None:
        self.base, self.settings, self.bus, self.token, self.app = base, settings, bus, token, app
        self.http = httpx.AsyncClient(base_url=base, headers=auth(token), timeout=60)

    @property
    def context(self) -> RoutingContext:
        return context_of(self.app)

    @property
    def engine(self) -> Engine:
        return self.context.engine

    def tenant(self, tenant: str = TENANT) -> Any:
        return self.engine.tenants.get(tenant)

    async def agent(
        self,
        agent_id: uuid.UUID,
        queues: dict[uuid.UUID, int],
        presence: Presence = "available",
        tenant: str = TENANT,
        blocked: bool = False,
    ) -> None:
        """Publish what the agents service would: the agent's current snapshot."""
        now = datetime.now(UTC)
        snap = AgentSnapshot(
            agent_id=agent_id,
            tenant_id=tenant,
            name=f"Agent {str(agent_id)[:4]}",
            presence=presence,
            presence_since=now,
            blocked=blocked,
            available=presence == "available" and not blocked,
            queues=[QueueMembership(queue_id=q, proficiency=p) for q, p in queues.items()],
        )
        await self.publish(AgentPresenceChanged(current=snap, at=now), tenant)

    async def agent_known(self, agent_id: uuid.UUID, available: bool = True) -> None:
        def check() -> bool:
            tenant = self.tenant()
            return bool(
                tenant
                and agent_id in tenant.agents
                and (tenant.router.agent_status(agent_id) in ("idle", "offered", "busy")) == available
            )

        await eventually(check)

    async def staff(self, queues: dict[uuid.UUID, int], presence: Presence = "available") -> uuid.UUID:
        """A new agent in these queues, once routing knows them."""
        agent = uuid.uuid4()
        await self.agent(agent, queues, presence=presence)
        await self.agent_known(agent, available=presence == "available")
        return agent

    async def opening(self, open_: bool, queue_id: uuid.UUID | None = None, **kw: Any) -> None:
        await self.publish(
            QueueOpeningChanged(
                tenant_id=TENANT,
                queue_id=queue_id,
                open=open_,
                reason=kw.pop("reason", "holiday"),
                at=datetime.now(UTC),
                **kw,
            ),
            TENANT,
        )

    async def publish(self, event: Any, tenant: str = TENANT, source: str = "agents") -> None:
        await publish(self.bus.producer, self.settings.topic(event.topic), event, tenant=tenant, source=source)

    async def queue(self, **body: Any) -> dict[str, Any]:
        r = await self.http.post("/v1/queues", json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def call(self, **body: Any) -> httpx.Response:
        return await self.http.post("/v1/calls", json=body)


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(Settings, known_agent_preference_seconds=0)


@asynccontextmanager
async def platform(settings: Settings, token_for: Callable[..., str], app: Any = None) -> AsyncIterator[Platform]:
    """The routing app serving on a port, with a CTI client and an agents stand-in on the bus."""
    app = app or create_app(settings)
    bus = KafkaBus(str(settings.kafka_bootstrap_servers), client_id="test-agents")
    await bus.start()
    try:
        async with serve_app(app) as base:
            p = Platform(base, settings, bus, token_for(TENANT), app)
            try:
                yield p
            finally:
                await p.http.aclose()
    finally:
        await bus.stop()


@pytest.fixture
def make_platform(token_for: Callable[..., str]) -> Callable[..., Any]:
    """`async with make_platform(settings) as p:` the routing app serving on a port."""

    def factory(settings: Settings, app: Any = None) -> Any:
        return platform(settings, token_for, app)

    return factory


# ---------------------------------------------------------------- the engine alone
# Unit tests of the engine, the lifecycle, the inputs and the KPIs: the real engine on a real
# (migrated) database, no broker, no HTTP, and a clock that moves only when the test says.

MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Oslo


class Rig:
    """An engine on a fresh database, with a manual clock and helpers to set a tenant up."""

    def __init__(self, engine: Engine, clock: ManualClock, db: Database, settings: Settings) -> None:
        self.engine, self.clock, self.db, self.settings = engine, clock, db, settings
        sealer = engine.notifier.sealer
        assert sealer is not None
        self.sealer: Sealer = sealer
        self.inputs = RoutingInputs(engine)

    def tenant(self, tenant: str = TENANT) -> TenantState:
        state = self.engine.tenants.get(tenant)
        assert state is not None, "the tenant is not loaded"
        return state

    async def queue(self, tenant: str = TENANT, **values: Any) -> uuid.UUID:
        """A new queue (through the queues service); returns its id."""
        values.setdefault("name", f"Queue {uuid.uuid4().hex[:4]}")
        view = await create_queue(self.engine, tenant, QueueCreate(**values))
        return view.id

    async def agent(
        self,
        queues: dict[uuid.UUID, int],
        presence: str = "available",
        *,
        agent_id: uuid.UUID | None = None,
        tenant: str = TENANT,
        blocked: bool = False,
    ) -> uuid.UUID:
        """An agent as the agents service announces them (applied as the consumer would)."""
        agent_id = agent_id or uuid.uuid4()
        snap = AgentSnapshot.model_validate(
            {
                "agent_id": agent_id,
                "tenant_id": tenant,
                "name": "Agent",
                "presence": presence,
                "presence_since": self.clock.now(),
                "blocked": blocked,
                "available": presence == "available" and not blocked,
                "queues": [{"queue_id": q, "proficiency": p} for q, p in queues.items()],
            }
        )
        async with self.engine.mutation(tenant) as m:
            await upsert_agent(m, snap, self.clock.now())
        return agent_id

    async def events(self, tenant: str = TENANT) -> list[Envelope]:
        """Every event routing put in its outbox for the tenant, in order."""
        async with self.db.snapshot() as session:
            rows = (
                await session.execute(select(outbox.c.payload).where(outbox.c.tenant == tenant).order_by(outbox.c.id))
            ).all()
        return [Envelope.model_validate_json(payload) for (payload,) in rows]

    async def types(self, subject: uuid.UUID | str | None = None, tenant: str = TENANT) -> list[str]:
        """The types of the tenant's events (of one call or queue when `subject` is given)."""
        return [e.type for e in await self.events(tenant) if subject is None or e.subject == str(subject)]

    def envelope(self, event: Event, tenant: str = TENANT, source: str = "agents") -> Envelope:
        """An event as another service's relay would deliver it."""
        return Envelope.wrap(event, tenant=tenant, source=source)

    async def deliver(self, event: Event | Envelope, tenant: str = TENANT, source: str = "agents") -> bool:
        """Hand an event to routing's consumer handler as the consumer runner would (inbox
        included); False when the inbox says it was handled before."""
        envelope = event if isinstance(event, Envelope) else self.envelope(event, tenant, source)

        async def claim_it(session: AsyncSession) -> bool:
            return await claim(session, "inputs", envelope.id, envelope.type)

        return await self.inputs.run(envelope, claim_it)


@pytest.fixture
async def rig(db_url: str) -> AsyncIterator[Rig]:
    """The routing engine alone on a fresh database; the clock stands at Monday 09:00 in Oslo."""
    settings = Settings(environment="test", database_url=db_url, known_agent_preference_seconds=0, log_json=True)
    db = Database(settings.effective_database_url)
    await upgrade(db, "frontdoor_routing:migrations", "routing")
    clock = ManualClock(MONDAY_9)
    # events seal the caller's number as in production (the app's runtime.sealer, from the settings)
    sealer = Sealer("routing", list(settings.seal_keys), settings.subject_digest_key)
    notifier = RoutingNotifier(Outbox("routing"), clock, sealer)
    engine = Engine(db=db, settings=settings, clock=clock, notifier=notifier, registry=CollectorRegistry())
    try:
        yield Rig(engine, clock, db, settings)
    finally:
        await db.dispose()
