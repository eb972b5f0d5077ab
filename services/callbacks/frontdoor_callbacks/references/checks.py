"""Is this member (agent) the tenant's? The mirror answers at once; on a miss the owner is asked.

A person's request is never refused because the mirror is a moment behind the owning
service, and never accepted with an id nobody could confirm: a miss asks the members (or
agents) service over REST with a short timeout; 404 there is 404 here, and an owner that
does not answer is a retryable 503.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx

from frontdoor_callbacks.references.repository import Kind, ReferenceRepository
from frontdoor_callbacks.settings import Settings
from frontdoor_common.auth import mint_token
from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.errors import NotFound, Unavailable
from frontdoor_common.logging import get_logger

log = get_logger(__name__)

RETRY_AFTER_S = 2


class ReferenceChecker:
    """Checks member_id and agent_id against the mirror, then the owning service."""

    def __init__(self, settings: Settings, db: Database, clock: Clock, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.client = client or httpx.AsyncClient(timeout=settings.references_timeout_s)
        self.asked = 0  # REST asks (the mirror missed)

    async def close(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()

    async def check(self, tenant_id: str, *, member_id: uuid.UUID | None, agent_id: uuid.UUID | None) -> None:
        """Raise NotFound (404 naming the field) or Unavailable (503) unless each named id is the tenant's."""
        refs: list[tuple[Kind, uuid.UUID | None]] = [("member", member_id), ("agent", agent_id)]
        for kind, ref_id in refs:
            if ref_id is not None:
                await self._check_one(kind, tenant_id, ref_id)

    async def _check_one(self, kind: Kind, tenant_id: str, ref_id: uuid.UUID) -> None:
        async with self.db.transaction() as session:
            if await ReferenceRepository(session).known(kind, tenant_id, ref_id):
                return
        if not await self._ask_owner(kind, tenant_id, ref_id):
            raise NotFound(f"No such {kind}.", error_id=f"{kind}_not_found", field=f"{kind}_id")
        async with self.db.transaction() as session:
            await ReferenceRepository(session).remember(kind, tenant_id, ref_id, self.clock.now())

    def _unavailable(self, kind: Kind, reason: str) -> Unavailable:
        log.warning("reference check failed", kind=kind, reason=reason)
        error = Unavailable(
            f"cannot verify {kind} right now; try again shortly",
            error_id=f"{kind}_unverifiable",
            field=f"{kind}_id",
            retryable=True,
        )
        error.headers = {"Retry-After": str(RETRY_AFTER_S)}
        return error

    async def _ask_owner(self, kind: Kind, tenant_id: str, ref_id: uuid.UUID) -> bool:
        """True: the owner has it; False: 404 there. Raises Unavailable otherwise."""
        base = self.settings.members_url if kind == "member" else self.settings.agents_url
        if not base:
            raise self._unavailable(kind, "no address configured for the owning service")
        self.asked += 1
        configured = self.settings.members_token if kind == "member" else self.settings.agents_token
        token = configured or mint_token(
            tenant_id=tenant_id,
            scopes="members:read" if kind == "member" else "agents:read",
            subject="svc-callbacks",
            secret=self.settings.jwt_secret,
            issuer=self.settings.jwt_issuer,
            ttl_seconds=300,
            audience=self.settings.jwt_audience,
        )
        path = f"/v1/members/{ref_id}" if kind == "member" else f"/v1/agents/{ref_id}"
        params = {"purpose": "callback_reference_check"} if kind == "member" else None
        timeout = self.settings.references_timeout_s
        try:
            # The whole ask, connection included, is bounded: a hung owner must not hold the caller.
            response = await asyncio.wait_for(
                self.client.get(
                    f"{base.rstrip('/')}{path}",
                    params=params,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=timeout,
                ),
                timeout,
            )
        except (TimeoutError, httpx.HTTPError) as exc:
            raise self._unavailable(kind, type(exc).__name__) from None
        if response.status_code == 200:
            return True
        if response.status_code == 404:
            return False
        raise self._unavailable(kind, f"status {response.status_code}")
