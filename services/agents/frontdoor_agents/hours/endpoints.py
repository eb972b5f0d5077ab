"""Tenant settings, closures and opening hours: `/v1/settings`, `/v1/closures`, `/v1/opening`, `/v1/queues/...`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from frontdoor_agents.context import ContextDep
from frontdoor_agents.deps import PageDep, Reader, Writer
from frontdoor_agents.hours import service
from frontdoor_agents.hours.schemas import (
    ClosureCreate,
    ClosureView,
    OpeningHoursView,
    OpeningView,
    QueueHoursUpdate,
    TenantSettingsUpdate,
    TenantSettingsView,
)
from frontdoor_agents.models import Closure, TenantConfig
from frontdoor_common.notifier import snapshot
from frontdoor_common.service import SessionDep

router = APIRouter(tags=["opening hours"])


def _settings_view(cfg: TenantConfig) -> TenantSettingsView:
    return snapshot(TenantSettingsView, cfg, feed_allow_hosts=cfg.feed_allow_hosts or [])


def _closure_view(c: Closure) -> ClosureView:
    return snapshot(ClosureView, c, start=c.start_at, end=c.end_at)


@router.get(
    "/v1/settings", response_model=TenantSettingsView, summary="The tenant's time zone, country, away reasons, hours"
)
async def get_settings(session: SessionDep, principal: Reader) -> TenantSettingsView:
    """The tenant's time zone, country, away reasons, hours."""
    return _settings_view(await service.get_settings(session, principal.tenant_id))


@router.put("/v1/settings", response_model=TenantSettingsView, summary="Change the tenant's settings")
async def put_settings(
    body: TenantSettingsUpdate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> TenantSettingsView:
    """Change the tenant's settings."""
    now = ctx.clock.now()
    cfg = await service.update_settings(session, principal.tenant_id, body, now)
    if body.model_fields_set & {"timezone", "country", "subdivision"}:
        await ctx.notifier.settings_changed(session, cfg, now)
    ctx.wake_scheduler_after_commit(session)
    return _settings_view(cfg)


@router.get("/v1/closures", response_model=list[ClosureView], summary="The tenant's own closures")
async def get_closures(session: SessionDep, principal: Reader, page: PageDep) -> list[ClosureView]:
    """The tenant's own closures."""
    return [_closure_view(c) for c in page.of(await service.list_closures(session, principal.tenant_id))]


@router.post("/v1/closures", response_model=ClosureView, status_code=201, summary="Close the tenant or a queue")
async def post_closure(body: ClosureCreate, session: SessionDep, ctx: ContextDep, principal: Writer) -> ClosureView:
    """Close the tenant or a queue."""
    closure = await service.add_closure(session, principal.tenant_id, body)
    ctx.wake_scheduler_after_commit(session)
    return _closure_view(closure)


@router.delete("/v1/closures/{closure_id}", status_code=204, summary="Remove a closure")
async def delete_closure(closure_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Writer) -> Response:
    """Remove a closure."""
    await service.delete_closure(session, principal.tenant_id, closure_id)
    ctx.wake_scheduler_after_commit(session)
    return Response(status_code=204)


@router.get("/v1/opening", response_model=OpeningView, summary="Open now (or at a time), and the next change")
async def get_opening(
    session: SessionDep,
    ctx: ContextDep,
    principal: Reader,
    queue_id: uuid.UUID | None = None,
    at: Annotated[AwareDatetime | None, Query(description="RFC 3339; default now")] = None,
) -> OpeningView:
    """Open now (or at a time), and the next change."""
    return await service.opening_at(session, principal.tenant_id, queue_id, at or ctx.clock.now())


@router.put(
    "/v1/queues/{queue_id}/opening-hours", response_model=OpeningHoursView, summary="A queue's own weekly hours"
)
async def put_queue_hours(
    queue_id: uuid.UUID, body: QueueHoursUpdate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> OpeningHoursView:
    """A queue's own weekly hours."""
    now = ctx.clock.now()
    await service.set_queue_hours(session, principal.tenant_id, queue_id, body, now)
    ctx.wake_scheduler_after_commit(session)
    return await service.queue_hours(session, principal.tenant_id, queue_id, now, now + timedelta(days=7))


@router.get(
    "/v1/queues/{queue_id}/opening-hours",
    response_model=OpeningHoursView,
    summary="A queue's open intervals in a window (holidays and closures applied)",
)
async def get_queue_hours(
    queue_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    principal: Reader,
    from_: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    to: AwareDatetime | None = None,
) -> OpeningHoursView:
    """A queue's open intervals in a window (holidays and closures applied)."""
    start = from_ or ctx.clock.now()
    end = to or start + timedelta(days=7)
    service.window_limit(start, end)
    return await service.queue_hours(session, principal.tenant_id, queue_id, start, end)
