"""A tenant's settings as the pages need them, from the agents and members services, cached.

The time zone, country and away reasons come from agents (`GET /v1/settings`), the contact
reasons from members (`GET /v1/tenant/settings`). When a service does not answer, the page
still renders with defaults for a few seconds (and says which list it could not load).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from frontdoor_common.clock import Clock
from frontdoor_common.events.members import DEFAULT_REASONS
from frontdoor_console.auth.tokens import ServiceTokens
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.clients.services import Services
from frontdoor_console.settings import Settings

DEFAULT_TIMEZONE = "Europe/Oslo"
DEFAULT_AWAY_REASONS = ("break", "lunch", "meeting", "training", "other")
FAILURE_CACHE = timedelta(seconds=5)


@dataclass(frozen=True)
class TenantInfo:
    """A tenant's settings (defaults where a service did not answer)."""

    tenant_id: str
    timezone: str = DEFAULT_TIMEZONE
    country: str = "NO"
    away_reasons: tuple[str, ...] = DEFAULT_AWAY_REASONS
    contact_reasons: tuple[str, ...] = DEFAULT_REASONS
    agents_down: bool = False
    members_down: bool = False


class TenantDirectory:
    """Tenant settings, cached for `tenant_info_cache_s`."""

    def __init__(self, services: Services, tokens: ServiceTokens, settings: Settings, clock: Clock) -> None:
        self.services = services
        self.tokens = tokens
        self.settings = settings
        self.clock = clock
        self._cache: dict[str, tuple[float, TenantInfo]] = {}

    async def get(self, user: User) -> TenantInfo:
        """The user's tenant's settings."""
        now = self.clock.time()
        cached = self._cache.get(user.tenant_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        token = self.tokens.for_user(user)
        agents, members = await asyncio.gather(
            self._get(self.services.agents.get("/v1/settings", token)),
            self._get(self.services.members.get("/v1/tenant/settings", token)),
        )
        info = TenantInfo(
            tenant_id=user.tenant_id,
            timezone=str(agents.get("timezone") or DEFAULT_TIMEZONE) if agents else DEFAULT_TIMEZONE,
            country=str((agents or {}).get("country") or (members or {}).get("country") or "NO"),
            away_reasons=tuple((agents or {}).get("away_reasons") or DEFAULT_AWAY_REASONS),
            contact_reasons=tuple((members or {}).get("reasons") or DEFAULT_REASONS),
            agents_down=agents is None,
            members_down=members is None,
        )
        ttl = (
            FAILURE_CACHE.total_seconds()
            if info.agents_down or info.members_down
            else self.settings.tenant_info_cache_s
        )
        self._cache[user.tenant_id] = (now + ttl, info)
        return info

    def forget(self, tenant_id: str) -> None:
        """Drop the cached settings (the next page reads them again)."""
        self._cache.pop(tenant_id, None)

    @staticmethod
    async def _get(call: Awaitable[Any]) -> dict[str, Any] | None:
        try:
            answer = await call
        except (ServiceDown, ServiceRefused):
            return None
        return answer if isinstance(answer, dict) else None
