"""The personal-data lifecycle over HTTP: erasure requests, the access request, retention windows."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal, require
from frontdoor_common.errors import InvalidInput, NotFound, Problem
from frontdoor_common.events.privacy import RETENTION_KINDS, MemberObjected, RetentionChanged
from frontdoor_common.privacy.lifecycle import save_windows
from frontdoor_common.privacy.spec import ERASE_SCOPE, EXPORT_SCOPE
from frontdoor_common.privacy.tables import retention_policies
from frontdoor_common.service import SessionDep
from frontdoor_members.audit import service as audit
from frontdoor_members.context import ContextDep
from frontdoor_members.deps import MAX_LIMIT, Configurer, Reader, RequestIdDep, Writer
from frontdoor_members.dossier import service as dossier
from frontdoor_members.members import repository as members
from frontdoor_members.privacy import access, erasures
from frontdoor_members.privacy.schemas import (
    MAX_DAYS,
    ErasureCreate,
    ErasureList,
    ErasureView,
    ObjectionCreate,
    ObjectionView,
    RetentionView,
    RetentionWindows,
)

router = APIRouter(tags=["personal data"])

Eraser = Annotated[Principal, require(ERASE_SCOPE)]
Exporter = Annotated[Principal, require(EXPORT_SCOPE)]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such member (or another tenant's, or erased)"}
}


@router.post(
    "/v1/members/{member_id}/erasure",
    response_model=ErasureView,
    status_code=202,
    summary="Ask for a member's personal data to be erased everywhere (art. 17)",
    description=(
        "Records the request and publishes `members.erasure.requested` (naming the member's subjects by"
        " keyed digest only) in one transaction; every service does its part and reports it, and the"
        " request is `completed` once all have. 202 with the new request; 200 with the existing one when"
        " the member has a request already. Scope `privacy:erase`."
    ),
    responses={200: {"model": ErasureView, "description": "The member's existing request"}, **_NOT_FOUND},
)
async def request_erasure(
    member_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    principal: Eraser,
    response: Response,
    body: ErasureCreate | None = None,
) -> ErasureView:
    row, created = await erasures.request(
        session, ctx, principal, member_id, body.note if body else None, now=ctx.clock.now()
    )
    if not created:
        response.status_code = 200
    return erasures.view(row)


OBJECTIONS = {"surveys": "satisfaction surveys"}


@router.post(
    "/v1/members/{member_id}/objection",
    response_model=ObjectionView,
    status_code=201,
    summary="Record a member's objection to processing on the union's legitimate interest (art. 21)",
    description=(
        '`to: ["surveys"]`: the member gets no satisfaction survey any more, whatever number they call'
        " from. A remark in the dossier and `members.member.objected` commit together; the surveys"
        " service records it as an opt-out of the member. Scope `members:write` (an agent records it in"
        " the call where the member objects)."
    ),
    responses=_NOT_FOUND,
)
async def object_to_processing(
    member_id: uuid.UUID, body: ObjectionCreate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> ObjectionView:
    member = await members.require(session, principal.tenant_id, member_id)
    now = ctx.clock.now()
    what = ", ".join(OBJECTIONS[t] for t in body.to)
    entry = await dossier.add(
        session,
        ctx.notifier,
        member,
        now=now,
        kind="remark",
        author=principal.subject[:200],
        summary=f"Objected to {what} (art. 21)" + (f": {body.note}" if body.note else ""),
    )
    event = MemberObjected(tenant_id=principal.tenant_id, member_id=member_id, to=list(body.to), at=now)
    await ctx.runtime.outbox.add(session, event, tenant=principal.tenant_id, at=now)
    return ObjectionView(member_id=member_id, to=list(body.to), at=now, dossier_entry_id=entry.id)


@router.get(
    "/v1/erasures",
    response_model=ErasureList,
    summary="The tenant's erasure requests, newest first",
    description="`cursor`: the `next_cursor` of the previous page. Scope `privacy:erase`.",
)
async def list_erasures(
    session: SessionDep,
    principal: Eraser,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="requests to return")] = 100,
    cursor: Annotated[uuid.UUID | None, Query(description="`next_cursor` of the previous page")] = None,
) -> ErasureList:
    rows, next_cursor = await erasures.page(session, principal.tenant_id, limit=limit, cursor=cursor)
    return ErasureList(items=[erasures.view(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/v1/erasures/{erasure_id}",
    response_model=ErasureView,
    summary="An erasure request and each service's report",
    responses={404: {"model": Problem}},
)
async def get_erasure(erasure_id: uuid.UUID, session: SessionDep, principal: Eraser) -> ErasureView:
    return erasures.view(await erasures.get(session, principal.tenant_id, erasure_id))


@router.get(
    "/v1/members/{member_id}/personal-data",
    summary="Everything the platform holds about a member (art. 15), as JSON or a readable document",
    description=(
        "Members' own sections (the registry row with the national ID in clear, phones, invoices, dossier,"
        " messages with their texts, the audit trail of reads of the member's data, ...) and every other"
        " service's (`GET /internal/v1/personal-data/members/{member_id}` on each, with the caller's token), streamed:"
        ' `{"member_id", "generated_at", "items": [{"service", "section", "item"}], "unavailable": [...]}`;'
        " a service that does not answer in time is named in `unavailable`. `format=html`: a readable"
        " document (every value escaped). The read is audited. Scope `privacy:export`."
    ),
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/json": {}, "text/html": {}}},
        **_NOT_FOUND,
    },
)
async def access_request(
    member_id: uuid.UUID,
    request: Request,
    ctx: ContextDep,
    principal: Exporter,
    request_id: RequestIdDep,
    format: Annotated[Literal["json", "html"], Query(description="json (default) or html")] = "json",
) -> StreamingResponse:
    now = ctx.clock.now()
    async with ctx.db.transaction() as session:
        member = await erasures.member_row(session, principal.tenant_id, member_id)
        if member is None or member.status == "erased":
            raise NotFound("No such member.", error_id="member_not_found")
        await audit.record_read(
            session,
            tenant_id=principal.tenant_id,
            member_id=member_id,
            subject=principal.subject,
            purpose="access_request",
            fields=["all"],
            contact_id=None,
            request_id=request_id,
            at=now,
        )
    authorization = request.headers.get("authorization", "")
    headers = {"Cache-Control": "no-store"}
    if format == "html":
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return StreamingResponse(
            access.as_html(ctx, principal.tenant_id, member_id, authorization, now),
            media_type="text/html; charset=utf-8",
            headers=headers,
        )
    return StreamingResponse(
        access.as_json(ctx, principal.tenant_id, member_id, authorization, now),
        media_type="application/json",
        headers=headers,
    )


async def _windows(session: AsyncSession, tenant: str) -> RetentionView:
    row = (
        await session.execute(
            select(retention_policies.c.windows, retention_policies.c.updated_at).where(
                retention_policies.c.tenant == tenant
            )
        )
    ).first()
    if row is None:
        return RetentionView(windows={})
    at = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=UTC)  # SQLite: naive UTC
    return RetentionView(windows={k: int(v) for k, v in json.loads(row.windows).items()}, updated_at=at)


@router.get(
    "/v1/retention",
    response_model=RetentionView,
    summary="The tenant's retention windows (days per kind of data)",
    description="An absent kind is kept until deleted. Scope `members:read`.",
)
async def get_retention(session: SessionDep, principal: Reader) -> RetentionView:
    return await _windows(session, principal.tenant_id)


@router.put(
    "/v1/retention",
    response_model=RetentionView,
    summary="Set the tenant's retention windows (days per kind of data)",
    description=(
        f"Kinds: {', '.join(RETENTION_KINDS)}; days 1..{MAX_DAYS}; an absent kind is kept until deleted."
        " The whole set replaces the previous one and is published (`members.tenant.retention_changed`)"
        " in the same transaction; every service's daily job applies it. Scope `members:configure`."
    ),
    responses={422: {"model": Problem, "description": "An unknown kind or days out of range (`field` names it)"}},
)
async def put_retention(
    body: RetentionWindows, session: SessionDep, ctx: ContextDep, principal: Configurer
) -> RetentionView:
    for kind, days in body.windows.items():
        if kind not in RETENTION_KINDS:
            raise InvalidInput(
                f"Unknown kind of data; one of: {', '.join(RETENTION_KINDS)}.",
                error_id="unknown_retention_kind",
                field=f"windows.{kind[:100]}",
            )
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(
                f"Days must be between 1 and {MAX_DAYS}.",
                error_id="retention_days_out_of_range",
                field=f"windows.{kind}",
            )
    now: datetime = ctx.clock.now()
    windows = dict(sorted(body.windows.items()))
    await save_windows(session, principal.tenant_id, windows, now)
    await ctx.runtime.outbox.add(
        session,
        RetentionChanged(tenant_id=principal.tenant_id, windows=windows, at=now),
        tenant=principal.tenant_id,
        at=now,
    )
    return await _windows(session, principal.tenant_id)
