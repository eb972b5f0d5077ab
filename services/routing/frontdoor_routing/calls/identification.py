"""Who is calling: the members service's answer, in time for the call or later.

At arrival the lookup has a short budget (the call never waits for it). A lookup that got
no answer (timeout, outage) is retried in the background a few times with backoff; when
the member is found the call is linked and `routing.call.identified` is published through
the outbox. At start (once the API listens and the tenants are loaded), calls of the last
hours without a member and without an answer from members are retried the same way. The
retries live in this process only.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlmodel import col

from frontdoor_common.auth import mint_token
from frontdoor_common.clock import Clock
from frontdoor_common.events import routing as ev
from frontdoor_common.logging import get_logger
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.models import Call
from frontdoor_routing.settings import Settings

log = get_logger(__name__)


class Identification:
    """Who is calling, as the members service answers (or not, in time)."""

    def __init__(self, member_id: uuid.UUID | None = None, candidates: int = 0, *, answered: bool = False) -> None:
        self.member_id = member_id
        self.candidates = candidates
        self.answered = answered  # members answered (found, several or nobody)

    @property
    def result(self) -> str | None:
        """member | ambiguous | unknown, or None when members gave no answer."""
        if not self.answered:
            return None
        if self.member_id is not None:
            return "member"
        return "ambiguous" if self.candidates > 1 else "unknown"


def lookup_number(number: str | None, suffix: str | None) -> str | None:
    """The number as members' lookup takes it (a switchboard extension as "-NNN")."""
    if not number:
        return None
    return f"{number}-{suffix}" if suffix else number


async def identify(
    settings: Settings, client: httpx.AsyncClient | None, number: str | None, authorization: str | None, timeout: float
) -> Identification:
    """Look the number up in the members service; a timeout or outage gives no answer (never raises)."""
    if client is None or not number or not settings.members_url:
        return Identification()
    try:
        response = await client.get(
            f"{settings.members_url}/v1/members/lookup",
            params={"phone": number},
            headers={"Authorization": authorization} if authorization else {},
            timeout=timeout,
        )
        if response.status_code != 200:
            log.info("caller identification: members answered", status=response.status_code)
            return Identification()
        candidates = response.json().get("candidates", [])
        if len(candidates) == 1:
            return Identification(uuid.UUID(str(candidates[0]["member_id"])), 1, answered=True)
        return Identification(None, len(candidates), answered=True)
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        log.info("caller identification skipped", error_type=type(exc).__name__)
        return Identification()


class Retrier:
    """A worker: background retries of lookups that got no answer (bounded in number, attempts
    and time), resumed for recent calls once the API listens and the tenants are loaded."""

    name = "identification"
    MAX_PENDING = 10_000

    def __init__(
        self, engine: Engine, client: httpx.AsyncClient, settings: Settings, clock: Clock, serving: asyncio.Event
    ) -> None:
        self.engine = engine
        self.client = client
        self.settings = settings
        self.clock = clock
        self.serving = serving
        self.tasks: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._resuming: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ worker
    async def start(self) -> None:
        """Resume the retries of recent calls in the background, once the API listens."""
        if self._resuming is None:
            self._resuming = asyncio.create_task(self._resume_when_ready(), name="identification-resume")

    async def _resume_when_ready(self) -> None:
        await self.serving.wait()
        await self.engine.loaded.wait()
        try:
            await self.resume()
        except Exception as exc:  # retries are best effort: the calls go on unidentified
            log.warning("identification not resumed", error_type=type(exc).__name__)

    async def stop(self) -> None:
        """Cancel the resume and the pending retries."""
        pending = [t for t in (self._resuming, *self.tasks.values()) if t is not None]
        self._resuming = None
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(BaseException):
                await task

    def healthy(self) -> bool:
        """Always: a retry that fails leaves a call unidentified, nothing else."""
        return True

    # ------------------------------------------------------------ retries
    def _token(self, tenant_id: str) -> str | None:
        if self.settings.service_token:
            return f"Bearer {self.settings.service_token}"
        if self.settings.jwt_jwks_url:
            return None  # cannot mint tokens where a JWKS verifies them
        token = mint_token(
            tenant_id=tenant_id,
            scopes=["members:read"],
            subject="routing",
            secret=self.settings.jwt_secret,
            issuer=self.settings.jwt_issuer,
            ttl_seconds=300,
        )
        return f"Bearer {token}"

    def later(self, tenant_id: str, call_id: uuid.UUID, number: str | None) -> None:
        """Retry this call's lookup in the background."""
        if not number or not self.settings.members_url or call_id in self.tasks:
            return
        if len(self.tasks) >= self.MAX_PENDING:
            log.warning("identification retries full; call left unidentified", call_id=str(call_id))
            return
        task = asyncio.create_task(self._retry(tenant_id, call_id, number), name=f"identify-{call_id}")
        self.tasks[call_id] = task
        task.add_done_callback(lambda _t: self.tasks.pop(call_id, None))

    async def _retry(self, tenant_id: str, call_id: uuid.UUID, number: str) -> None:
        delay = float(self.settings.identify_retry_backoff_s)
        for attempt in range(1, int(self.settings.identify_retries) + 1):
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)
            who = await identify(
                self.settings,
                self.client,
                number,
                self._token(tenant_id),
                float(self.settings.identify_retry_timeout_s),
            )
            if not who.answered:
                continue
            try:
                await record(self.engine, tenant_id, call_id, who)
            except Exception as exc:  # the database failed: try again later
                log.warning("identification not recorded", call_id=str(call_id), error_type=type(exc).__name__)
                continue
            log.info("caller identified after the call started", call_id=str(call_id), attempt=attempt)
            return
        log.info("caller identification gave up", call_id=str(call_id))

    async def resume(self) -> int:
        """Retry the calls of the last hours that members never answered for."""
        since = self.clock.now() - timedelta(hours=float(self.settings.identify_resume_hours))
        async with self.engine.db.snapshot() as session:
            rows = (
                await session.execute(
                    select(col(Call.tenant_id), col(Call.id), col(Call.caller_number), col(Call.caller_suffix)).where(
                        col(Call.arrived_at) >= since,
                        col(Call.member_id).is_(None),
                        col(Call.identify_result).is_(None),
                        col(Call.caller_number).is_not(None),
                        col(Call.kind) == "call",
                    )
                )
            ).all()
        for tenant_id, call_id, number, suffix in rows:
            if self.engine.served(tenant_id):
                self.later(tenant_id, call_id, lookup_number(number, suffix))
        if rows:
            log.info("identification resumed for calls without an answer", calls=len(rows))
        return len(rows)


async def record(engine: Engine, tenant_id: str, call_id: uuid.UUID, who: Identification) -> None:
    """Members answered for the call: link the member (and say so) unless it was answered before."""
    async with engine.mutation(tenant_id) as m:
        call = await m.get(Call, call_id)
        if call is None or call.tenant_id != tenant_id or call.identify_result is not None:
            return
        call.identify_result = who.result
        call.member_candidates = who.candidates
        if who.member_id is not None and call.member_id is None:
            call.member_id = who.member_id
            call.updated_at = m.at
            m.publish(ev.CallIdentified, call)
