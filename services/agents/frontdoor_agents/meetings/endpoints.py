"""Meetings with counsellors: `/v1/meeting-kinds`, `/v1/meeting-kinds/{code}/slots`, `/v1/meetings`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from frontdoor_agents.context import ContextDep
from frontdoor_agents.deps import PageDep, Reader, Writer
from frontdoor_agents.hours.service import window_limit
from frontdoor_agents.meetings import service
from frontdoor_agents.meetings.schemas import (
    MeetingCreate,
    MeetingKindPut,
    MeetingKindView,
    MeetingReschedule,
    MeetingView,
    Moment,
    SlotView,
)
from frontdoor_agents.models import Meeting, MeetingKind
from frontdoor_common.notifier import snapshot
from frontdoor_common.service import SessionDep

router = APIRouter(tags=["meetings"])

KindCode = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


def _kind_view(kind: MeetingKind) -> MeetingKindView:
    return snapshot(MeetingKindView, kind)


def _meeting_view(meeting: Meeting) -> MeetingView:
    return snapshot(MeetingView, meeting)


@router.put("/v1/meeting-kinds/{code}", response_model=MeetingKindView, summary="Create or replace a meeting kind")
async def put_kind(
    code: KindCode, body: MeetingKindPut, session: SessionDep, ctx: ContextDep, principal: Writer
) -> MeetingKindView:
    """Create or replace a meeting kind (length, booking rules, counsellors)."""
    return _kind_view(await service.put_kind(session, principal.tenant_id, code, body, ctx.clock.now()))


@router.get("/v1/meeting-kinds", response_model=list[MeetingKindView], summary="The tenant's meeting kinds")
async def get_kinds(session: SessionDep, principal: Reader, page: PageDep) -> list[MeetingKindView]:
    """The tenant's meeting kinds, by code."""
    return [_kind_view(k) for k in page.of(await service.list_kinds(session, principal.tenant_id))]


@router.get("/v1/meeting-kinds/{code}", response_model=MeetingKindView, summary="A meeting kind")
async def get_kind(code: KindCode, session: SessionDep, principal: Reader) -> MeetingKindView:
    """A meeting kind."""
    return _kind_view(await service.kind_or_404(session, principal.tenant_id, code))


@router.delete("/v1/meeting-kinds/{code}", status_code=204, summary="Remove a meeting kind")
async def delete_kind(code: KindCode, session: SessionDep, principal: Writer) -> Response:
    """Remove a meeting kind (booked meetings stay)."""
    await service.delete_kind(session, principal.tenant_id, code)
    return Response(status_code=204)


@router.get(
    "/v1/meeting-kinds/{code}/slots",
    response_model=list[SlotView],
    summary="Free slots of a meeting kind, earliest first (a window of at most 31 days)",
)
async def get_slots(
    code: KindCode,
    ctx: ContextDep,
    principal: Reader,
    page: PageDep,
    from_: Annotated[Moment | None, Query(alias="from", description="RFC 3339; default now")] = None,
    to: Annotated[Moment | None, Query(description="RFC 3339; default 7 days after from; at most 31")] = None,
    counsellor_id: Annotated[uuid.UUID | None, Query(description="Only this counsellor's slots")] = None,
    department_id: Annotated[
        uuid.UUID | None,
        Query(description="Only counsellors of this department (the members service's id, e.g. the member's)"),
    ] = None,
) -> list[SlotView]:
    """Free slots of a meeting kind: in the counsellors' hours, not on holidays, not in their calendars or meetings."""
    now = ctx.clock.now()
    start = from_ or now
    end = to or start + timedelta(days=7)
    # Read-only: calendars are expanded here, and a read-only transaction never takes the write lock.
    async with ctx.db.snapshot() as session:
        found = await service.slots(
            session, principal.tenant_id, code, start, end, counsellor_id, now, ctx.settings, department_id
        )
    return page.of(found)


@router.post("/v1/meetings", response_model=MeetingView, status_code=201, summary="Book a meeting with a counsellor")
async def post_meeting(body: MeetingCreate, session: SessionDep, ctx: ContextDep, principal: Writer) -> MeetingView:
    """Book a meeting; 409 `slot_taken` (with `next_free`) when the counsellor is no longer free then."""
    await service.warm_calendar(
        ctx.db, principal.tenant_id, body.kind, body.counsellor_id, body.starts_at, ctx.settings
    )
    meeting = await service.book(
        session,
        ctx.meetings,
        principal.tenant_id,
        body,
        ctx.clock.now(),
        ctx.settings,
        member_subject=ctx.member_digest(principal.tenant_id, body.member_id),
    )
    ctx.wake_scheduler_after_commit(session)
    return _meeting_view(meeting)


@router.get("/v1/meetings", response_model=list[MeetingView], summary="Meetings starting in a window")
async def get_meetings(
    session: SessionDep,
    ctx: ContextDep,
    principal: Reader,
    page: PageDep,
    counsellor_id: uuid.UUID | None = None,
    member_id: Annotated[uuid.UUID | None, Query(description="Only this member's meetings")] = None,
    from_: Annotated[Moment | None, Query(alias="from", description="RFC 3339; default now")] = None,
    to: Annotated[Moment | None, Query(description="RFC 3339; default 31 days after from; at most 93")] = None,
) -> list[MeetingView]:
    """The tenant's meetings (any status) starting in the window, earliest first (a member's upcoming ones:
    `member_id` and the default window)."""
    start = from_ or ctx.clock.now()
    end = to or start + timedelta(days=31)
    window_limit(start, end)
    rows = await service.list_meetings(
        session, principal.tenant_id, counsellor_id, start, end, page.offset, page.limit, member_id
    )
    return [_meeting_view(m) for m in rows]


@router.get("/v1/meetings/{meeting_id}", response_model=MeetingView, summary="A meeting")
async def get_meeting(meeting_id: uuid.UUID, session: SessionDep, principal: Reader) -> MeetingView:
    """A meeting."""
    return _meeting_view(await service.meeting_or_404(session, principal.tenant_id, meeting_id))


@router.post("/v1/meetings/{meeting_id}/reschedule", response_model=MeetingView, summary="Move a meeting")
async def post_reschedule(
    meeting_id: uuid.UUID, body: MeetingReschedule, session: SessionDep, ctx: ContextDep, principal: Writer
) -> MeetingView:
    """Move a meeting to another slot of the same counsellor (atomic: the old slot stays if the new one fails)."""
    meeting = await service.reschedule(
        session, ctx.meetings, principal.tenant_id, meeting_id, body.starts_at, ctx.clock.now(), ctx.settings
    )
    ctx.wake_scheduler_after_commit(session)
    return _meeting_view(meeting)


@router.post("/v1/meetings/{meeting_id}/cancel", response_model=MeetingView, summary="Cancel a meeting")
async def post_cancel(meeting_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Writer) -> MeetingView:
    """Cancel a meeting that has not started; its slot is free again."""
    meeting = await service.cancel(session, ctx.meetings, principal.tenant_id, meeting_id, ctx.clock.now())
    ctx.wake_scheduler_after_commit(session)
    return _meeting_view(meeting)


@router.post("/v1/meetings/{meeting_id}/no-show", response_model=MeetingView, summary="Record a no-show")
async def post_no_show(meeting_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Writer) -> MeetingView:
    """Record that the member did not come (once the meeting has started)."""
    meeting = await service.no_show(session, ctx.meetings, principal.tenant_id, meeting_id, ctx.clock.now())
    return _meeting_view(meeting)
