"""Queueing SMS: a row in the SMS outbox, written in the caller's transaction (never commits)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.service import Runtime
from frontdoor_surveys.clock import now
from frontdoor_surveys.gateway.base import SmsGateway
from frontdoor_surveys.gateway.file import FileGateway
from frontdoor_surveys.gateway.http import HttpGateway
from frontdoor_surveys.gateway.models import OutgoingSms
from frontdoor_surveys.settings import Settings


def build_gateway(settings: Settings) -> SmsGateway:
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
    return FileGateway(settings.var_dir / settings.sms_file_name)


async def enqueue(
    session: AsyncSession,
    runtime: Runtime,
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
        created_at=now(runtime),
    )
    session.add(row)
    await session.flush()
    _wake_sender_after_commit(session, runtime)
    return row


async def cancel_pending(session: AsyncSession, survey_id: uuid.UUID) -> None:
    """Drop a survey's messages that have not left yet (it was opted out of or closed)."""
    await session.execute(
        update(OutgoingSms)
        .where(OutgoingSms.survey_id == survey_id, OutgoingSms.status == "pending")  # type: ignore[arg-type]
        .values(status="cancelled")
    )


def _wake_sender_after_commit(session: AsyncSession, runtime: Runtime) -> None:
    sender: Any = runtime.state.get("sms_sender")
    if sender is None or session.info.get("surveys_sms_hooked"):
        return
    session.info["surveys_sms_hooked"] = True

    def _after_commit(_s: Any) -> None:
        session.info.pop("surveys_sms_hooked", None)
        sender.wake()

    sa_event.listen(session.sync_session, "after_commit", _after_commit, once=True)
