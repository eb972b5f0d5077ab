"""GET /v1/notices: where the members service's notices stand (queued, sent, withdrawn, failed)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from frontdoor_common.auth import Principal, require
from frontdoor_common.pagination import PageDep
from frontdoor_common.service import SessionDep
from frontdoor_surveys.context import ContextDep
from frontdoor_surveys.notices.schemas import NoticePage, NoticeView
from frontdoor_surveys.notices.service import status

router = APIRouter(prefix="/v1/notices", tags=["notices"])

Reader = Annotated[Principal, require("surveys:read")]


@router.get("", response_model=NoticePage, summary="Notices to members, newest first, with their status")
async def list_notices(
    session: SessionDep, principal: Reader, ctx: ContextDep, page: PageDep, member_id: uuid.UUID | None = None
) -> NoticePage:
    """The tenant's notices (one member's with `member_id`)."""
    rows = await ctx.notices.page(
        session, principal.tenant_id, member_id=member_id, offset=page.offset, limit=page.limit
    )
    items = [
        NoticeView(
            notice_id=n.notice_id,
            member_id=n.member_id,
            kind=n.kind,
            status=status(n, sms),
            not_before=n.not_before,
            requested_at=n.requested_at,
            sent_at=sms.sent_at if sms is not None else None,
            withdrawn_at=n.withdrawn_at,
        )
        for n, sms in rows
    ]
    return NoticePage(items=items, limit=page.limit, offset=page.offset)
