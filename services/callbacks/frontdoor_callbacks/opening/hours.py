"""Where a queue's open intervals come from."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx

from frontdoor_callbacks.opening.known import KnownOpeningRepository
from frontdoor_callbacks.scheduling import Interval, repeat_weekly, weekly_intervals
from frontdoor_callbacks.settings import Settings
from frontdoor_common.auth import mint_token
from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.logging import get_logger

log = get_logger(__name__)
MAX_ASK = timedelta(days=90)


class OpeningHours(Protocol):
    """Open intervals of a queue between two times."""

    async def intervals(self, tenant_id: str, queue_id: uuid.UUID, start: datetime, end: datetime) -> list[Interval]:
        """The queue's open intervals overlapping [start, end)."""
        ...

    def invalidate(self, tenant_id: str, queue_id: uuid.UUID | None) -> None:
        """Forget what is cached for a queue (or the whole tenant when queue_id is None)."""
        ...

    async def close(self) -> None:
        """Release what the source holds (an HTTP client)."""
        ...


@dataclass(frozen=True)
class Opening:
    """Open intervals, and whether they are a guess (the agents service did not answer)."""

    intervals: list[Interval]
    guessed: bool = False


async def opening_for(
    source: OpeningHours, tenant_id: str, queue_id: uuid.UUID, start: datetime, end: datetime
) -> Opening:
    """The queue's hours from `source`, saying whether they are a guess (only the agents service's can be)."""
    if isinstance(source, HttpOpeningHours):
        return await source.lookup(tenant_id, queue_id, start, end)
    return Opening(await source.intervals(tenant_id, queue_id, start, end))


class StaticOpeningHours:
    """Fixed weekly hours (the tenant's default: weekdays 08:00-15:30 Europe/Oslo)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def intervals(self, tenant_id: str, queue_id: uuid.UUID, start: datetime, end: datetime) -> list[Interval]:
        """The default weekly hours between start and end."""
        return self.compute(start, end)

    def compute(self, start: datetime, end: datetime) -> list[Interval]:
        """The default weekly hours between start and end (no I/O)."""
        s = self.settings
        return weekly_intervals(
            start,
            end,
            tz=s.default_timezone,
            weekdays=s.default_open_weekdays,
            opens=s.default_open_from,
            closes=s.default_open_to,
        )

    def invalidate(self, tenant_id: str, queue_id: uuid.UUID | None) -> None:
        """Nothing is cached."""

    async def close(self) -> None:
        """Nothing to release."""


class AlwaysOpen:
    """Open around the clock (tests and tenants without hours)."""

    async def intervals(self, tenant_id: str, queue_id: uuid.UUID, start: datetime, end: datetime) -> list[Interval]:
        """One interval: the whole range."""
        return [Interval(start, end)]

    def invalidate(self, tenant_id: str, queue_id: uuid.UUID | None) -> None:
        """Nothing is cached."""

    async def close(self) -> None:
        """Nothing to release."""


def parse_intervals(body: Any) -> list[Interval]:
    """Read open intervals from the agents service's answer (a list, or a dict holding one)."""
    items = body
    if isinstance(body, dict):
        for key in ("intervals", "open", "items", "opening_hours"):
            if isinstance(body.get(key), list):
                items = body[key]
                break
    if not isinstance(items, list):
        raise ValueError("no list of intervals in the answer")
    out = []
    for item in items:
        start = item.get("start") or item.get("from") or item.get("opens_at")
        end = item.get("end") or item.get("to") or item.get("closes_at")
        s, e = datetime.fromisoformat(str(start)), datetime.fromisoformat(str(end))
        if s.tzinfo is None or e.tzinfo is None:
            raise ValueError("interval times without a time zone")
        if e > s:
            out.append(Interval(s, e))
    return out


def _clip(intervals: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [Interval(max(i.start, start), min(i.end, end)) for i in intervals if i.end > start and i.start < end]


class HttpOpeningHours:
    """`GET {agents}/v1/queues/{id}/opening-hours?from=&to=`: short timeout, cached, a guess on failure.

    Never blocks for longer than the timeout. Every answer is stored (`known_opening_hours`,
    when a database is given); on a failure the last known hours of the queue, repeated week
    by week, are the guess, and the static default only when nothing was ever known. A guess
    says so (`Opening.guessed`), so what was scheduled on it is corrected once the truth
    arrives; the failure is remembered for a few seconds so a down service is not asked on
    every request.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock,
        fallback: OpeningHours | None = None,
        client: httpx.AsyncClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        db: Database | None = None,
    ) -> None:
        assert settings.agents_url, "HttpOpeningHours needs agents_url"
        self.settings = settings
        self.clock = clock
        self.base_url = settings.agents_url.rstrip("/")
        self.fallback = fallback or StaticOpeningHours(settings)
        self.client = client or httpx.AsyncClient(timeout=settings.opening_timeout_s)
        self.monotonic = monotonic
        self.db = db
        # (tenant, queue) -> (range start, range end, intervals, expires at on the monotonic clock, guessed)
        self._cache: dict[tuple[str, uuid.UUID], tuple[datetime, datetime, list[Interval], float, bool]] = {}
        self.fallbacks = 0

    async def close(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()

    def invalidate(self, tenant_id: str, queue_id: uuid.UUID | None) -> None:
        """Forget a queue's (or a tenant's) cached hours."""
        for key in list(self._cache):
            if key[0] == tenant_id and (queue_id is None or key[1] == queue_id):
                del self._cache[key]

    async def intervals(self, tenant_id: str, queue_id: uuid.UUID, start: datetime, end: datetime) -> list[Interval]:
        """The queue's open intervals overlapping [start, end) (a guess when the agents service is away)."""
        return (await self.lookup(tenant_id, queue_id, start, end)).intervals

    async def lookup(self, tenant_id: str, queue_id: uuid.UUID, start: datetime, end: datetime) -> Opening:
        """The queue's open intervals overlapping [start, end), and whether they are a guess."""
        end = min(end, start + MAX_ASK)
        key = (tenant_id, queue_id)
        hit = self._cache.get(key)
        if hit is not None and hit[0] <= start and end <= hit[1] and hit[3] > self.monotonic():
            return Opening(_clip(hit[2], start, end), guessed=hit[4])
        # Ask for a horizon at once (one call serves many requests), within the 90 days the
        # agents service answers for; beyond that the first 90 days decide.
        fetch_end = min(max(end, start + timedelta(days=self.settings.opening_horizon_days)), start + MAX_ASK)
        try:
            # The whole ask, connection included, is bounded (a hung peer must not hold us).
            found = await asyncio.wait_for(
                self._fetch(tenant_id, queue_id, start, fetch_end), self.settings.opening_timeout_s
            )
        except Exception as exc:
            self.fallbacks += 1
            found, basis = await self._guess(tenant_id, queue_id, start, fetch_end)
            log.warning("opening hours unavailable; using a guess", queue_id=str(queue_id), basis=basis, error=str(exc))
            self._cache[key] = (start, fetch_end, found, self.monotonic() + self.settings.opening_failure_cache_s, True)
            return Opening(_clip(found, start, end), guessed=True)
        self._cache[key] = (start, fetch_end, found, self.monotonic() + self.settings.opening_cache_s, False)
        await self._remember(tenant_id, queue_id, start, fetch_end, found)
        return Opening(_clip(found, start, end), guessed=False)

    async def _remember(
        self, tenant_id: str, queue_id: uuid.UUID, start: datetime, end: datetime, found: list[Interval]
    ) -> None:
        if self.db is None:
            return
        try:
            async with self.db.transaction() as session:
                await KnownOpeningRepository(session).put(tenant_id, queue_id, start, end, found, self.clock.now())
        except Exception as exc:  # a concurrent ask stored them, or the database hiccupped: next time
            log.info("last known opening hours not stored", queue_id=str(queue_id), error_type=type(exc).__name__)

    async def _guess(
        self, tenant_id: str, queue_id: uuid.UUID, start: datetime, end: datetime
    ) -> tuple[list[Interval], str]:
        if self.db is not None:
            try:
                async with self.db.transaction() as session:
                    known = await KnownOpeningRepository(session).get(tenant_id, queue_id)
                    stored = (known.decoded(), known.range_start) if known is not None else None
            except Exception as exc:
                log.warning("last known opening hours unreadable", error_type=type(exc).__name__)
                stored = None
            if stored is not None:
                return repeat_weekly(stored[0], stored[1], start, end), "last_known"
        return await self.fallback.intervals(tenant_id, queue_id, start, end), "default"

    async def _fetch(self, tenant_id: str, queue_id: uuid.UUID, start: datetime, end: datetime) -> list[Interval]:
        token = self.settings.agents_token or mint_token(
            tenant_id=tenant_id,
            scopes="agents:read",
            subject="svc-callbacks",
            secret=self.settings.jwt_secret,
            issuer=self.settings.jwt_issuer,
            ttl_seconds=300,
            audience=self.settings.jwt_audience,
        )
        response = await self.client.get(
            f"{self.base_url}/v1/queues/{queue_id}/opening-hours",
            params={"from": start.isoformat(), "to": end.isoformat()},
            headers={"Authorization": f"Bearer {token}"},
            timeout=self.settings.opening_timeout_s,
        )
        response.raise_for_status()
        return parse_intervals(response.json())
