"""The personal-data lifecycle every service runs from its `PrivacySpec`: the erasure consumer,
the retention mirror and its daily job, the export and seal-key endpoints.

Built by `frontdoor_common.service.build_app` when a service declares `privacy`; a service's
own code only writes the hooks (`privacy/spec.py`).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse
from prometheus_client import Counter
from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal, mint_token, require
from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.errors import Gone, NotFound, Problem
from frontdoor_common.events.privacy import APPLIED, COMPLETED, ErasureReport, ErasureRequested, RetentionChanged
from frontdoor_common.logging import get_logger
from frontdoor_common.privacy.seal import UNSEAL_SCOPE, Sealer, Unsealer, member_subject
from frontdoor_common.privacy.spec import EXPORT_SCOPE, PrivacySpec
from frontdoor_common.privacy.tables import retention_policies
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.workers import TaskWorker

# The service's `Runtime` (frontdoor_common.service builds this module's parts into it, so it is
# not imported here: no import cycle, not even a deferred one).
Runtime = Any

log = get_logger(__name__)

PEERS = ("members", "routing", "agents", "callbacks", "surveys")


def build_sealer(runtime: Runtime) -> Sealer:
    """The service's sealer, from its settings."""
    s = runtime.settings
    return Sealer(runtime.spec.name, list(s.seal_keys), s.subject_digest_key)


def build_unsealer(runtime: Runtime, sealer: Sealer) -> Unsealer:
    """Opens other services' sealed values: their addresses from FRONTDOOR_<NAME>_URL (the launcher
    and the k8s manifests set them), a token with `privacy:unseal` for the event's tenant."""
    import os

    s: ServiceSettings = runtime.settings
    urls = {name: os.environ.get(f"FRONTDOOR_{name.upper()}_URL", "") for name in PEERS}

    def token_for(tenant: str) -> str:
        if s.service_token:
            return s.service_token
        return mint_token(
            tenant_id=tenant,
            scopes=[UNSEAL_SCOPE],
            subject=runtime.spec.name,
            secret=s.jwt_secret,
            issuer=s.jwt_issuer,
            audience=s.jwt_audience,
            ttl_seconds=300,
        )

    return Unsealer(sealer, urls, token_for)


# ---------------------------------------------------------------------------------------- erasure


def erasure_router(runtime: Runtime, spec: PrivacySpec[Any], parts: Any) -> EventRouter:
    """The consumer of erasure requests and retention windows (its inbox makes a redelivered event
    change nothing; a crash before the commit redoes the whole part after the restart)."""
    router = EventRouter()
    service = runtime.spec.name
    settings = runtime.settings

    def serves(tenant: str) -> bool:
        return not settings.tenants or tenant in settings.tenants

    if spec.answers_erasures:
        completed = COMPLETED[service]

        @router.on(ErasureRequested.name)
        async def on_erasure(session: AsyncSession, envelope: Envelope) -> None:
            request = ErasureRequested.parse(envelope)
            if not serves(envelope.tenant) or request.tenant_id != envelope.tenant:
                return
            part = await spec.erase(parts, session, request)
            sealer = runtime.sealer
            assert sealer is not None
            digests = {*request.subjects, sealer.digest(request.tenant_id, member_subject(request.member_id))}
            digests |= {sealer.digest(request.tenant_id, s) for s in part.subjects}
            shredded = await sealer.shred(session, request.tenant_id, digests)
            now = datetime.now(UTC)
            report = ErasureReport(done=dict(part.done), kept=list(part.kept), keys_shredded=shredded)
            await runtime.outbox.add(
                session,
                completed(
                    erasure_id=request.erasure_id,
                    tenant_id=request.tenant_id,
                    member_id=request.member_id,
                    service=service,
                    report=report,
                    completed_at=now,
                ),
                tenant=request.tenant_id,
            )
            _erasures(runtime).labels(service).inc()
            log.info("erasure part done", erasure_id=str(request.erasure_id), keys_shredded=shredded)

    @router.on(RetentionChanged.name)
    async def on_retention(session: AsyncSession, envelope: Envelope) -> None:
        event = RetentionChanged.parse(envelope)
        if event.tenant_id != envelope.tenant or not serves(envelope.tenant):
            return
        await save_windows(session, event.tenant_id, event.windows, event.at)

    return router


async def save_windows(session: AsyncSession, tenant: str, windows: dict[str, int], at: datetime) -> None:
    """Mirror the tenant's windows (an older event never overwrites a newer one)."""
    row = (
        await session.execute(select(retention_policies.c.updated_at).where(retention_policies.c.tenant == tenant))
    ).first()
    payload = json.dumps({k: int(v) for k, v in sorted(windows.items())})
    if row is None:
        await session.execute(retention_policies.insert().values(tenant=tenant, windows=payload, updated_at=at))
        return
    previous = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=UTC)
    if previous <= at:
        await session.execute(
            retention_policies.update()
            .where(retention_policies.c.tenant == tenant)
            .values(windows=payload, updated_at=at)
        )


async def load_windows(session: AsyncSession) -> dict[str, dict[str, int]]:
    """Every tenant's windows (days per kind)."""
    rows = (await session.execute(select(retention_policies.c.tenant, retention_policies.c.windows))).all()
    return {r.tenant: {k: int(v) for k, v in json.loads(r.windows).items()} for r in rows}


_COUNTERS: dict[int, tuple[Counter, Counter]] = {}


def _counters(runtime: Runtime) -> tuple[Counter, Counter]:
    key = id(runtime.metrics.registry)
    if key not in _COUNTERS:
        r = runtime.metrics.registry
        _COUNTERS[key] = (
            Counter(
                "frontdoor_erasures_total", "Erasure requests this service did its part of", ["service"], registry=r
            ),
            Counter(
                "frontdoor_retention_items_total",
                "Rows the retention job deleted or anonymised",
                ["service", "kind", "action"],
                registry=r,
            ),
        )
    return _COUNTERS[key]


def _erasures(runtime: Runtime) -> Counter:
    return _counters(runtime)[0]


# -------------------------------------------------------------------------------------- retention


class RetentionJob(TaskWorker):
    """The daily retention job: for every tenant and every kind this service holds with a window
    set, delete or anonymise what is older than the window, one transaction per tenant and kind,
    each with its `<service>.retention.applied` event. `run_once(now)` is the job itself (a test
    drives it with a manual clock)."""

    name = "retention"

    def __init__(self, runtime: Runtime, spec: PrivacySpec[Any], parts: Any) -> None:
        super().__init__()
        self.runtime = runtime
        self.spec = spec
        self.parts = parts
        self.last_run: datetime | None = None

    def _now(self) -> datetime:
        clock = getattr(self.parts, "clock", None)
        return clock.now() if clock is not None else datetime.now(UTC)

    async def run(self) -> None:
        s = self.runtime.settings
        await asyncio.sleep(s.retention_first_run_delay_s)
        while True:
            try:
                await self.run_once(self._now())
            except Exception as exc:  # a failed run is retried at the next one; named in the log
                log.warning("retention run failed", error_type=type(exc).__name__)
            await asyncio.sleep(s.retention_interval_s)

    async def run_once(self, now: datetime) -> list[dict[str, Any]]:
        """Apply every window as of `now`; returns what was done (one entry per tenant and kind)."""
        runtime = self.runtime
        service = runtime.spec.name
        async with runtime.db.transaction() as session:
            windows = await load_windows(session)
        done: list[dict[str, Any]] = []
        applied = APPLIED[service]
        counter = _counters(runtime)[1]
        for tenant, kinds in sorted(windows.items()):
            if runtime.settings.tenants and tenant not in runtime.settings.tenants:
                continue
            for kind, hook in self.spec.retention.items():
                days = kinds.get(kind)
                if days is None:
                    continue
                cutoff = now - timedelta(days=days)
                async with runtime.db.transaction() as session:
                    result = await hook(self.parts, session, tenant, cutoff)
                    await runtime.outbox.add(
                        session,
                        applied(
                            tenant_id=tenant,
                            service=service,
                            kind=kind,
                            window_days=days,
                            cutoff=cutoff,
                            deleted=result.deleted,
                            anonymised=result.anonymised,
                            at=now,
                        ),
                        tenant=tenant,
                        at=now,
                    )
                counter.labels(service, kind, "deleted").inc(result.deleted)
                counter.labels(service, kind, "anonymised").inc(result.anonymised)
                done.append(
                    {
                        "tenant": tenant,
                        "kind": kind,
                        "cutoff": cutoff,
                        "deleted": result.deleted,
                        "anonymised": result.anonymised,
                    }
                )
        self.last_run = now
        return done


# -------------------------------------------------------------------------------------- endpoints

_KID = re.compile(r"^[0-9a-f]{32}$")


class SealKey(BaseModel):
    kid: str
    key: str


def privacy_router() -> APIRouter:
    """`GET /internal/v1/personal-data/members/{member_id}` (this service's part of an access request,
    NDJSON) and `GET /internal/v1/seal-keys/{kid}` (a data key, for another service's consumer)."""
    router = APIRouter(tags=["personal data"])

    @router.get(
        "/internal/v1/personal-data/members/{member_id}",
        summary="Everything this service holds about a member (art. 15), as NDJSON lines",
        description=(
            'One JSON object per line: `{"service", "section", "item"}`, streamed (a large dossier '
            "never sits in memory). The members service gathers every service's lines into the access "
            "request (`GET /v1/members/{member_id}/personal-data`). Scope `privacy:export`; another "
            "tenant's member has no lines."
        ),
        response_class=StreamingResponse,
        responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
    )
    async def export(
        request: Request,
        member_id: uuid.UUID,
        principal: Annotated[Principal, require(EXPORT_SCOPE)],
    ) -> StreamingResponse:
        runtime = request.app.state.runtime
        spec: PrivacySpec[Any] | None = runtime.spec.privacy
        if spec is None:
            raise NotFound("This service holds no member data.", error_id="no_member_data")
        return StreamingResponse(
            export_lines(runtime, spec, principal.tenant_id, member_id), media_type="application/x-ndjson"
        )

    @router.get(
        "/internal/v1/seal-keys/{kid}",
        summary="A data key sealing personal fields of this service's events (for consumers)",
        description=(
            "Scope `privacy:unseal` (services' tokens only); the caller's tenant only (another tenant's "
            "key is 404). 410 when the key was erased: what it sealed is erased."
        ),
        response_model=SealKey,
        responses={404: {"model": Problem}, 410: {"model": Problem}},
    )
    async def seal_key(
        request: Request,
        kid: Annotated[str, Path(pattern=_KID.pattern, description="The key id in a sealed value")],
        principal: Annotated[Principal, require(UNSEAL_SCOPE)],
    ) -> SealKey:
        runtime = request.app.state.runtime
        async with runtime.db.transaction() as session:
            exists, key = await runtime.sealer.key(session, principal.tenant_id, kid)
        if not exists:
            raise NotFound("No such key.", error_id="seal_key_not_found")
        if key is None:
            raise Gone("The key was erased.", error_id="seal_key_erased")
        return SealKey(kid=kid, key=key)

    @router.post(
        "/admin/seal-keys/rewrap",
        summary="Re-wrap this service's data keys with the newest of its seal keys (key rotation)",
        description=(
            "After `<SVC>_SEAL_KEYS` got a new first key (the old ones after it), every data key is wrapped "
            "again with the new one; then the old wrapping key can be removed. Nothing sealed changes. "
            "Every tenant's keys (an operator's endpoint, scope `admin`)."
        ),
    )
    async def rewrap(request: Request, _p: Annotated[Principal, require("admin")]) -> dict[str, int]:
        runtime = request.app.state.runtime
        async with runtime.db.transaction() as session:
            rewrapped, current = await runtime.sealer.rewrap(session)
        log.info("seal keys re-wrapped", rewrapped=rewrapped, already=current)
        return {"rewrapped": rewrapped, "already_newest": current}

    return router


async def export_lines(
    runtime: Runtime, spec: PrivacySpec[Any], tenant: str, member_id: uuid.UUID
) -> AsyncIterator[bytes]:
    """The service's NDJSON lines about the member, from one read transaction."""
    service = runtime.spec.name
    async with runtime.db.transaction() as session:
        async for section, item in spec.export(runtime.parts, session, tenant, member_id):
            line = {"service": service, "section": section, "item": to_jsonable_python(item)}
            yield (json.dumps(line, ensure_ascii=False) + "\n").encode()
