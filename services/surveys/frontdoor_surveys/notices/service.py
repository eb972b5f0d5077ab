"""Turning the members service's notices into SMS, in the consumer's one transaction (never commits).

- requested: the text goes into the SMS outbox as kind "notice", due at `not_before` (the sender
  sends nothing before a row's `next_attempt_at`). Its place in the number's order is when it
  becomes due: a reminder queued for tomorrow evening must not hold back today's messages to the
  same number (the sender keeps one number's messages in the order of `created_at`).
- withdrawn: the notice's SMS, if not sent yet, becomes `withdrawn` and is never sent; one sent
  already stays sent.

Deduplicated by notice id (the primary key), whatever the event's id; the event's tenant must be
the envelope's.

The number and the text come sealed (issue 17): they are opened with the unsealer first, and the
checks run on the opened values. A notice whose key was erased (the member was erased) is recorded
as withdrawn and sends nothing; a members service that cannot be reached raises
`UnsealUnavailable` (the consumer retries). Plain values (older events) pass as they are.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_common.clock import Clock
from frontdoor_common.events.members import NoticeRequested, NoticeWithdrawn
from frontdoor_common.logging import get_logger
from frontdoor_common.privacy.seal import Unsealer
from frontdoor_surveys.gateway.models import OutgoingSms
from frontdoor_surveys.gateway.service import SmsOutbox
from frontdoor_surveys.notices.models import Notice
from frontdoor_surveys.notices.schemas import NoticeStatus

log = get_logger(__name__)

MAX_NUMBER = 20  # the SMS outbox's column
MAX_TEXT = 1600  # ten SMS parts: a platform template is far shorter; anything longer is not ours


@dataclass
class NoticeService:
    """Queues and withdraws the members service's notices."""

    clock: Clock
    sms: SmsOutbox
    unsealer: Unsealer

    async def requested(self, session: AsyncSession, tenant_id: str, event: NoticeRequested) -> Notice | None:
        """Queue the notice's SMS once; None when it is another tenant's, seen before, or unusable.
        One whose number or text was erased is recorded as withdrawn (returned, with no SMS)."""
        if event.tenant_id != tenant_id:
            return None
        if await session.get(Notice, event.notice_id) is not None:
            return None  # a re-send, or withdrawn before it came
        to = await self.unsealer.unseal(session, tenant_id, event.to)
        body = await self.unsealer.unseal(session, tenant_id, event.body)
        now = self.clock.now()
        if to is None or body is None:  # the key is erased: the member was erased
            notice = Notice(
                notice_id=event.notice_id,
                tenant_id=tenant_id,
                member_id=event.member_id,
                kind=event.kind,
                withdrawn=True,
                not_before=event.not_before,
                requested_at=now,
                withdrawn_at=now,
            )
            session.add(notice)
            await session.flush()
            log.info("notice not sent: erased", notice_id=str(event.notice_id), kind=event.kind)
            return notice
        if len(to) > MAX_NUMBER or not to.startswith("+") or not body.strip():
            log.warning("notice not sendable", notice_id=str(event.notice_id), kind=event.kind)
            return None
        notice = Notice(
            notice_id=event.notice_id,
            tenant_id=tenant_id,
            member_id=event.member_id,
            kind=event.kind,
            not_before=event.not_before,
            requested_at=now,
        )
        row = await self.sms.enqueue(
            session,
            tenant_id=tenant_id,
            to=to,
            body=body[:MAX_TEXT],
            kind="notice",
            not_before=event.not_before,
        )
        row.created_at = max(now, event.not_before)
        notice.sms_id = row.id
        session.add(notice)
        await session.flush()
        return notice

    async def withdrawn(self, session: AsyncSession, tenant_id: str, event: NoticeWithdrawn) -> bool:
        """Drop the notice's SMS if it has not left; True when one was dropped."""
        if event.tenant_id != tenant_id:
            return False
        notice = await session.get(Notice, event.notice_id)
        now = self.clock.now()
        if notice is None:  # withdrawn before the request came: remember, so it queues nothing
            session.add(
                Notice(
                    notice_id=event.notice_id,
                    tenant_id=tenant_id,
                    member_id=event.member_id,
                    kind="withdrawn",
                    withdrawn=True,
                    requested_at=now,
                    withdrawn_at=now,
                )
            )
            await session.flush()
            return False
        if notice.tenant_id != tenant_id or notice.withdrawn:
            return False
        notice.withdrawn, notice.withdrawn_at = True, now
        dropped = 0
        if notice.sms_id is not None:
            result = await session.execute(
                update(OutgoingSms)
                .where(col(OutgoingSms.id) == notice.sms_id, col(OutgoingSms.status) == "pending")
                .values(status="withdrawn")
            )
            dropped = int(getattr(result, "rowcount", 0) or 0)
        await session.flush()
        return dropped == 1

    async def page(
        self, session: AsyncSession, tenant_id: str, *, member_id: uuid.UUID | None, offset: int, limit: int
    ) -> list[tuple[Notice, OutgoingSms | None]]:
        """The tenant's notices, newest first, each with its SMS row."""
        query = (
            select(Notice, OutgoingSms)
            .outerjoin(OutgoingSms, col(OutgoingSms.id) == col(Notice.sms_id))
            .where(col(Notice.tenant_id) == tenant_id)
        )
        if member_id is not None:
            query = query.where(col(Notice.member_id) == member_id)
        rows = await session.execute(
            query.order_by(col(Notice.requested_at).desc(), col(Notice.notice_id)).offset(offset).limit(limit)
        )
        return [(n, s) for n, s in rows.tuples().all()]


def status(notice: Notice, sms: OutgoingSms | None) -> NoticeStatus:
    """queued (not sent yet), sent, withdrawn or failed (the gateway refused it)."""
    if sms is not None and sms.status == "sent":
        return "sent"
    if notice.withdrawn or sms is None or sms.status == "withdrawn":
        return "withdrawn"
    return "failed" if sms.status == "failed" else "queued"
