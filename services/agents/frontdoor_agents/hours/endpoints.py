"""Tenant settings, closures and opening hours: `/v1/settings`, `/v1/closures`, `/v1/opening`, `/v1/queues/...`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from frontdoor_agents.availability.compute import open_intervals, opening_state
from frontdoor_agents.deps import Reader, Writer, clock_of, wake_scheduler_after_commit
from frontdoor_agents.hours import repository as repo
from frontdoor_agents.hours import service
from frontdoor_agents.hours.schemas import (
    ClosureIn,
    ClosureOut,
    IntervalOut,
    OpeningHoursOut,
    OpeningOut,
    QueueHoursIn,
    TenantSettingsIn,
    TenantSettingsOut,
)
from frontdoor_agents.models import Closure, TenantConfig
from frontdoor_common.service import RuntimeDep, SessionDep

router = APIRouter(tags=["opening hours"])


def _settings_out(cfg: TenantConfig) -> TenantSettingsOut:
    return TenantSettingsOut(
        timezone=cfg.timezone,
        country=cfg.country,
        subdivision=cfg.subdivision,
        away_reasons=cfg.away_reasons,
        opening_hours=cfg.opening_hours,
    )


def _closure_out(c: Closure) -> ClosureOut:
    return ClosureOut(id=c.id, title=c.title, start=c.start_at, end=c.end_at, queue_id=c.queue_id)


@router.get(
    "/v1/settings", response_model=TenantSettingsOut, summary="The tenant's time zone, country, away reasons, hours"
)
async def get_settings(session: SessionDep, principal: Reader) -> TenantSettingsOut:
    """The tenant's time zone, country, away reasons, hours."""
    return _settings_out(await repo.get_config(session, principal.tenant_id))


@router.put("/v1/settings", response_model=TenantSettingsOut, summary="Change the tenant's settings")
async def put_settings(
    body: TenantSettingsIn, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> TenantSettingsOut:
    """Change the tenant's settings."""
    cfg = await service.update_settings(session, principal.tenant_id, body)
    wake_scheduler_after_commit(session, runtime)
    return _settings_out(cfg)


@router.get("/v1/closures", response_model=list[ClosureOut], summary="The tenant's own closures")
async def get_closures(session: SessionDep, principal: Reader) -> list[ClosureOut]:
    """The tenant's own closures."""
    return [_closure_out(c) for c in await repo.list_closures(session, principal.tenant_id)]


@router.post("/v1/closures", response_model=ClosureOut, status_code=201, summary="Close the tenant or a queue")
async def post_closure(body: ClosureIn, session: SessionDep, runtime: RuntimeDep, principal: Writer) -> ClosureOut:
    """Close the tenant or a queue."""
    closure = await service.add_closure(session, principal.tenant_id, body)
    wake_scheduler_after_commit(session, runtime)
    return _closure_out(closure)


@router.delete("/v1/closures/{closure_id}", status_code=204, summary="Remove a closure")
async def delete_closure(
    closure_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> Response:
    """Remove a closure."""
    await service.delete_closure(session, principal.tenant_id, closure_id)
    wake_scheduler_after_commit(session, runtime)
    return Response(status_code=204)


@router.get("/v1/opening", response_model=OpeningOut, summary="Open now (or at a time), and the next change")
async def get_opening(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    queue_id: uuid.UUID | None = None,
    at: Annotated[AwareDatetime | None, Query(description="RFC 3339; default now")] = None,
) -> OpeningOut:
    """Open now (or at a time), and the next change."""
    moment = at or clock_of(runtime).now()
    cfg = await repo.get_config(session, principal.tenant_id)
    queue = await service.queue_or_404(session, principal.tenant_id, queue_id) if queue_id else None
    rules = await service.opening_rules(session, cfg, queue, moment - timedelta(days=8), moment + timedelta(days=15))
    state = opening_state(rules, moment)
    return OpeningOut(
        queue_id=queue_id,
        at=moment,
        open=state.on,
        reason="hours" if state.on else (state.reason or "hours"),
        since=state.since,
        next_change_at=state.until,
    )


@router.put("/v1/queues/{queue_id}/opening-hours", response_model=OpeningHoursOut, summary="A queue's own weekly hours")
async def put_queue_hours(
    queue_id: uuid.UUID, body: QueueHoursIn, session: SessionDep, runtime: RuntimeDep, principal: Writer
) -> OpeningHoursOut:
    """A queue's own weekly hours."""
    await service.set_queue_hours(session, principal.tenant_id, queue_id, body)
    wake_scheduler_after_commit(session, runtime)
    now = clock_of(runtime).now()
    return await _hours(session, principal.tenant_id, queue_id, now, now + timedelta(days=7))


@router.get(
    "/v1/queues/{queue_id}/opening-hours",
    response_model=OpeningHoursOut,
    summary="A queue's open intervals in a window (holidays and closures applied)",
)
async def get_queue_hours(
    queue_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    from_: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    to: AwareDatetime | None = None,
) -> OpeningHoursOut:
    """A queue's open intervals in a window (holidays and closures applied)."""
    start = from_ or clock_of(runtime).now()
    end = to or start + timedelta(days=7)
    service.window_limit(start, end)
    return await _hours(session, principal.tenant_id, queue_id, start, end)


async def _hours(session: SessionDep, tenant: str, queue_id: uuid.UUID, start, end) -> OpeningHoursOut:  # type: ignore[no-untyped-def]
    queue = await service.queue_or_404(session, tenant, queue_id)
    cfg = await repo.get_config(session, tenant)
    rules = await service.opening_rules(session, cfg, queue, start, end)
    return OpeningHoursOut(
        queue_id=queue_id,
        timezone=cfg.timezone,
        weekly=queue.opening_hours if queue.opening_hours is not None else cfg.opening_hours,
        uses_tenant_hours=queue.opening_hours is None,
        intervals=[IntervalOut(start=i.start, end=i.end) for i in open_intervals(rules, start, end)],
    )
