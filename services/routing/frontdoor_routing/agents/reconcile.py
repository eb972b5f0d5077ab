"""At start, routing reconciles its agent replica with the agents service over REST, so a
missed event cannot leave an agent stuck.

A worker does it once the API listens: applying agents loads the tenant, which re-offers its
waiting calls, and an offer no desk can accept yet would time out against a blameless agent.
Startup never waits for another service.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from frontdoor_common.auth import mint_token
from frontdoor_common.clock import Clock
from frontdoor_common.events.agents import AgentSnapshot
from frontdoor_common.logging import get_logger
from frontdoor_common.workers import TaskWorker
from frontdoor_routing.agents.service import upsert_agent
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.settings import Settings

log = get_logger(__name__)


async def reconcile(engine: Engine, client: httpx.AsyncClient, settings: Settings, clock: Clock) -> int:
    """Fetch every loaded tenant's agents from the agents service and apply them."""
    if not settings.agents_url or (settings.jwt_jwks_url and not settings.service_token):
        return 0
    applied = 0
    for tenant_id in list(engine.tenants):
        token = settings.service_token or mint_token(
            tenant_id=tenant_id,
            scopes=["agents:read"],
            subject="routing",
            secret=settings.jwt_secret,
            issuer=settings.jwt_issuer,
            ttl_seconds=300,
        )
        try:
            r = await client.get(
                f"{settings.agents_url}/v1/agents/snapshots",
                headers={"Authorization": f"Bearer {token}"},
                timeout=settings.reconcile_timeout_s,
            )
            if r.status_code != 200:
                log.warning("reconcile: agents service answered", status=r.status_code, tenant=tenant_id)
                continue
            items: Any = r.json()
            items = items.get("items", items) if isinstance(items, dict) else items
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("reconcile: agents service unreachable", error_type=type(exc).__name__, tenant=tenant_id)
            continue
        now = clock.now()
        async with engine.mutation(tenant_id) as m:
            for item in items:
                snap = AgentSnapshot.model_validate(item)
                if snap.tenant_id == tenant_id:
                    await upsert_agent(m, snap, now)
                    applied += 1
    log.info("reconciled agents with the agents service", agents=applied)
    return applied


class ReconcileWorker(TaskWorker):
    """One reconcile, once the API listens; healthy whatever it finds (it is best effort)."""

    name = "agents_reconcile"

    def __init__(
        self, engine: Engine, client: httpx.AsyncClient, settings: Settings, clock: Clock, serving: asyncio.Event
    ) -> None:
        super().__init__()
        self.engine = engine
        self.client = client
        self.settings = settings
        self.clock = clock
        self.serving = serving

    async def run(self) -> None:
        """Wait until the API listens, then reconcile once."""
        await self.serving.wait()
        try:
            await reconcile(self.engine, self.client, self.settings, self.clock)
        except Exception as exc:
            log.warning("reconcile failed", error_type=type(exc).__name__)

    def healthy(self) -> bool:
        """A finished reconcile is fine: the events keep the replica current."""
        return True
