"""End the queue callbacks of a call that was answered; refuse a request for one that was."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.callbacks import lifecycle
from frontdoor_callbacks.callbacks.models import Callback
from frontdoor_callbacks.callbacks.notifier import CALL_ANSWERED, CallbackNotifier
from frontdoor_callbacks.served.repository import AnsweredCallRepository


async def cancel_for_answered(session: AsyncSession, cb: Callback, notifier: CallbackNotifier, now: datetime) -> None:
    """Cancel a waiting callback whose call was answered (routing drops the task if it holds one)."""
    lifecycle.close(cb, "cancelled", now)
    await notifier.cancelled(session, cb, reason=CALL_ANSWERED)


async def call_answered(
    session: AsyncSession,
    notifier: CallbackNotifier,
    tenant_id: str,
    call_id: uuid.UUID,
    answered_at: datetime,
    now: datetime,
) -> list[Callback]:
    """Record the answered call and cancel its waiting callbacks; the cancelled ones are returned."""
    repo = AnsweredCallRepository(session)
    await repo.remember(tenant_id, call_id, answered_at, now)
    ended = await repo.waiting_callbacks_of(tenant_id, call_id)
    for cb in ended:
        await cancel_for_answered(session, cb, notifier, now)
    return ended
