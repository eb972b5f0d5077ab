"""State changes of a callback shared by the API, the dispatcher and the consumers.

Each function changes the row and writes its events; none commits.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.callbacks.models import Callback, CallbackAttempt
from frontdoor_callbacks.callbacks.notifier import CallbackNotifier, RecordedBy
from frontdoor_callbacks.callbacks.repository import CallbackRepository
from frontdoor_callbacks.scheduling import Interval, after_attempt, deadline_priority, is_at_risk, next_due
from frontdoor_callbacks.settings import Settings
from frontdoor_common.events.callbacks import AttemptOutcome, CallbackStatus, ExpiryReason


def base_priority(settings: Settings, source: str) -> int:
    """Queue callbacks keep their place among live calls; the others wait below them."""
    return settings.queue_callback_priority if source == "queue" else settings.other_callback_priority


def priority_now(settings: Settings, cb: Callback, now: datetime) -> int:
    """The callback's priority at `now` (it rises as a deadline nears)."""
    return deadline_priority(
        base=base_priority(settings, cb.source), deadline=cb.deadline, now=now, steps=settings.deadline_priority_steps
    )


def close(cb: Callback, status: CallbackStatus, now: datetime, reason: ExpiryReason | None = None) -> None:
    """End a callback: it no longer holds its number+queue key."""
    cb.status = status
    cb.closed_at = now
    cb.closed_reason = reason
    cb.open_key = None
    cb.needs_reschedule = False
    cb.updated_at = now


def reschedule(cb: Callback, opening: list[Interval], now: datetime) -> datetime | None:
    """Recompute due_at from not_before, the window and the opening hours; None if nothing is left."""
    due = next_due(
        not_before=max(cb.not_before, now),
        window_start=cb.window_start,
        window_end=cb.window_end,
        deadline=cb.deadline,
        opening=opening,
    )
    cb.due_at = due
    cb.needs_reschedule = False
    cb.updated_at = now
    return due


async def flag_risk(
    session: AsyncSession,
    cb: Callback,
    settings: Settings,
    notifier: CallbackNotifier,
    now: datetime,
    *,
    no_opening: bool = False,
) -> None:
    """Raise the at-risk flag once, with its event, when the deadline may be missed."""
    if cb.at_risk or cb.deadline is None:
        return
    if no_opening or is_at_risk(
        deadline=cb.deadline, now=now, due=cb.due_at, lead=timedelta(seconds=settings.at_risk_lead_s)
    ):
        cb.at_risk = True
        left = (cb.deadline - now).total_seconds()
        near = left <= settings.at_risk_lead_s
        await notifier.at_risk(
            session, cb, seconds_left=left, reason="deadline_near" if near else "no_opening_before_deadline"
        )


async def record_attempt(
    session: AsyncSession,
    cb: Callback,
    *,
    outcome: AttemptOutcome,
    agent_id: uuid.UUID | None,
    note: str | None,
    recorded_by: RecordedBy,
    now: datetime,
    settings: Settings,
    notifier: CallbackNotifier,
    opening: list[Interval] | None,
) -> CallbackAttempt:
    """Record an attempt and what follows: completion, failure, expiry or a retry.

    With `opening` the retry's due time is computed now; without (a consumer must not wait
    on another service) the dispatcher computes it on its next tick.
    """
    cb.attempts += 1
    attempt = await CallbackRepository(session).add_attempt(
        CallbackAttempt(
            callback_id=cb.id,
            tenant_id=cb.tenant_id,
            number=cb.attempts,
            outcome=outcome,
            agent_id=agent_id,
            note=note,
            dispatch=cb.dispatches if cb.status in ("dispatched", "in_progress") else 0,
            recorded_by=recorded_by,
            at=now,
        )
    )
    cb.last_outcome = outcome
    cb.updated_at = now
    decision = after_attempt(
        outcome=outcome,
        attempts=cb.attempts,
        max_attempts=cb.max_attempts,
        at=now,
        retry_interval=timedelta(seconds=settings.retry_interval_s),
    )
    if decision.status == "scheduled":
        assert decision.not_before is not None
        cb.status = "scheduled"
        cb.not_before = decision.not_before
        cb.routing_call_id = None
        cb.answered_at = None
        if opening is None:
            cb.due_at = decision.not_before
            cb.needs_reschedule = True
        elif reschedule(cb, opening, now) is None:
            # No opening left before the window or deadline ends: it waits without a due time
            # (the team is told if a deadline is at stake) and expires when the end passes.
            await flag_risk(session, cb, settings, notifier, now, no_opening=True)
    elif decision.status == "completed":
        close(cb, "completed", now)
        cb.handling_agent_id = agent_id or cb.handling_agent_id
    else:
        close(cb, decision.status, now, decision.reason)
    await notifier.attempted(
        session, cb, outcome=outcome, agent_id=agent_id, number=cb.attempts, recorded_by=recorded_by
    )
    if cb.status == "completed":
        await notifier.completed(session, cb, agent_id=agent_id)
    elif cb.status in ("expired", "failed"):
        await notifier.expired(session, cb, reason=decision.reason or "window_passed")
    return attempt


def last_moment(cb: Callback) -> datetime | None:
    """The window's end or the deadline, whichever comes first."""
    ends = [t for t in (cb.window_end, cb.deadline) if t is not None]
    return min(ends) if ends else None
