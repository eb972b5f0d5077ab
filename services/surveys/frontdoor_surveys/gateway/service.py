"""Queueing SMS (a row in the SMS outbox, written in the caller's transaction) and recording the
provider's delivery receipts. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_common.clock import Clock
from frontdoor_surveys.gateway import tenants
from frontdoor_surveys.gateway.base import SmsGateway
from frontdoor_surveys.gateway.file import FileGateway
from frontdoor_surveys.gateway.http import HttpGateway
from frontdoor_surveys.gateway.models import OutgoingSms
from frontdoor_surveys.settings import Settings

_HOOKED = "surveys_sms_hooked"


def build_gateway(settings: Settings, clock: Clock) -> SmsGateway:
    """The configured gateway: the file gateway by default, a provider over HTTP in production."""
    if settings.sms_gateway == "http":
        assert settings.sms_http_url is not None
        return HttpGateway(
            settings.sms_http_url,
            username=settings.sms_http_username,
            password=settings.sms_http_password,
            token=settings.sms_http_token,
            timeout_s=settings.sms_http_timeout_s,
            receipt_url=settings.sms_receipt_url,
        )
    return FileGateway(settings.var_dir / settings.sms_file_name, clock)


class SmsOutbox:
    """Queues SMS in the caller's transaction; tells its listeners (the sender) once that commits."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._listeners: list[Callable[[], None]] = []

    def on_commit(self, listener: Callable[[], None]) -> None:
        """Call `listener` after a transaction that queued messages commits."""
        self._listeners.append(listener)

    async def enqueue(
        self,
        session: AsyncSession,
        *,
        tenant_id: str,
        to: str,
        body: str,
        kind: str,
        not_before: datetime,
        survey_id: uuid.UUID | None = None,
    ) -> OutgoingSms:
        """Queue an SMS; the sender sends it from `not_before` on, once this transaction commits."""
        row = OutgoingSms(
            tenant_id=tenant_id,
            survey_id=survey_id,
            kind=kind,
            to_number=to,
            body=body,
            next_attempt_at=not_before,
            created_at=self.clock.now(),
        )
        session.add(row)
        await session.flush()
        self._notify_after_commit(session)
        return row

    def _notify_after_commit(self, session: AsyncSession) -> None:
        if not self._listeners or session.info.get(_HOOKED):
            return
        session.info[_HOOKED] = True

        def _after_commit(_s: Any) -> None:
            session.info.pop(_HOOKED, None)
            for listener in self._listeners:
                listener()

        sa_event.listen(session.sync_session, "after_commit", _after_commit, once=True)


async def cancel_pending(session: AsyncSession, survey_id: uuid.UUID) -> None:
    """Drop a survey's messages that have not left yet (it was opted out of or closed)."""
    await session.execute(
        update(OutgoingSms)
        .where(col(OutgoingSms.survey_id) == survey_id, col(OutgoingSms.status) == "pending")
        .values(status="cancelled")
    )


async def record_receipt(
    session: AsyncSession, *, provider_message_id: str, status: str, at: datetime, tenant_id: str | None
) -> int:
    """Apply a delivery receipt to the message the provider knows by that id; how many rows changed.

    Only the tenant's own messages when the receipt came in for a tenant; for the platform
    gateway's webhook (tenant_id None) only tenants that send through the platform gateway.
    """
    if tenant_id is not None:
        mine = col(OutgoingSms.tenant_id) == tenant_id
    else:
        mine = col(OutgoingSms.tenant_id).not_in(tenants.tenants_with_own_gateway())
    result = await session.execute(
        update(OutgoingSms)
        .where(col(OutgoingSms.provider_message_id) == provider_message_id, mine)
        .values(delivery_status=status, delivered_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)
