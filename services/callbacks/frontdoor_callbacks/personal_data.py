"""Callbacks' part in the personal-data lifecycle (issue 17): export, erasure and retention hooks.

What callbacks holds about a member: the callbacks that name them, and the callbacks from the
numbers those callbacks were for (a caller nobody had identified yet is the member when the
number is theirs), with their attempts. The common machinery (`frontdoor_common.privacy`) calls
these hooks; each works in the caller's transaction and never commits.

- Erasure anonymises rather than deletes: the row keeps its times, status, outcome, queue and
  colleague (the callback report counts it), and loses its number, reason, member link and the
  attempts' notes. An open callback is cancelled first (with its event, so routing drops a task
  it holds): nobody phones an erased member. The numbers are returned as subjects, so their seal
  keys (every copy of `callback.number` in the event log) are erased with the member's.
- Retention "callbacks": closed callbacks closed before the cutoff are anonymised the same way.
- Retention "call_records": callbacks' copies of answered calls (ids and times) before the cutoff
  are deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, and_, delete, distinct, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_callbacks.callbacks import lifecycle
from frontdoor_callbacks.callbacks.models import Callback, CallbackAttempt
from frontdoor_callbacks.callbacks.notifier import MEMBER_ERASED
from frontdoor_callbacks.context import CallbacksContext
from frontdoor_callbacks.references.models import KnownMember
from frontdoor_callbacks.served.models import AnsweredCall
from frontdoor_common.events.privacy import ErasureRequested
from frontdoor_common.privacy.seal import phone_subject
from frontdoor_common.privacy.spec import ErasurePart, PrivacySpec, RetentionResult

PAGE = 200  # rows per read: an export or an erasure never loads a member's whole history at once
ERASED_NUMBER = ""  # an anonymised callback's number (the column is NOT NULL)

KEPT = [
    "the member's callbacks and their attempts, anonymised (no number, reason, member link or note): their "
    "times, statuses, outcomes, queues and colleagues stay, so the callback report's figures are unchanged",
]


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0) if isinstance(result, CursorResult) else 0


def _item(row: Callback | CallbackAttempt) -> dict[str, Any]:
    """A row as a dict of its columns."""
    return row.model_dump()


async def _numbers_of(session: AsyncSession, tenant: str, member_id: uuid.UUID) -> set[str]:
    """The numbers of the member's callbacks."""
    stmt = select(distinct(col(Callback.number))).where(
        col(Callback.tenant_id) == tenant,
        col(Callback.member_id) == member_id,
        col(Callback.number) != ERASED_NUMBER,
    )
    return {str(n) for n in (await session.scalars(stmt)).all()}


async def _numbers_named(session: AsyncSession, ctx: CallbacksContext, tenant: str, digests: set[str]) -> set[str]:
    """The numbers of callbacks without a member whose subject digest the request names (paged)."""
    sealer = ctx.runtime.sealer
    if not digests or sealer is None:
        return set()
    found: set[str] = set()
    last = ""
    while True:
        page = list(
            (
                await session.scalars(
                    select(distinct(col(Callback.number)))
                    .where(
                        col(Callback.tenant_id) == tenant,
                        col(Callback.member_id).is_(None),
                        col(Callback.number) > last,
                    )
                    .order_by(col(Callback.number))
                    .limit(500)
                )
            ).all()
        )
        found |= {n for n in page if sealer.digest(tenant, phone_subject(n)) in digests}
        if len(page) < 500:
            return found
        last = page[-1]


def _of_member(member_id: uuid.UUID, numbers: set[str]) -> ColumnElement[bool]:
    """The member's callbacks, and those without a member from the member's numbers."""
    mine: ColumnElement[bool] = col(Callback.member_id) == member_id
    if not numbers:
        return mine
    return or_(mine, and_(col(Callback.member_id).is_(None), col(Callback.number).in_(sorted(numbers))))


# ----------------------------------------------------------------------------------------- export


async def export(
    ctx: CallbacksContext, session: AsyncSession, tenant: str, member_id: uuid.UUID
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Sections "callbacks" and "attempts": every row about the member, in pages."""
    which = and_(
        col(Callback.tenant_id) == tenant, _of_member(member_id, await _numbers_of(session, tenant, member_id))
    )
    last: uuid.UUID | None = None
    while True:
        stmt = select(Callback).where(which).order_by(col(Callback.id)).limit(PAGE)
        if last is not None:
            stmt = stmt.where(col(Callback.id) > last)
        rows = list((await session.scalars(stmt)).all())
        for cb in rows:
            yield "callbacks", _item(cb)
        if len(rows) < PAGE:
            break
        last = rows[-1].id
    last = None
    while True:
        attempts = (
            select(CallbackAttempt)
            .join(Callback, col(Callback.id) == col(CallbackAttempt.callback_id))
            .where(which, col(CallbackAttempt.tenant_id) == tenant)
            .order_by(col(CallbackAttempt.id))
            .limit(PAGE)
        )
        if last is not None:
            attempts = attempts.where(col(CallbackAttempt.id) > last)
        found = list((await session.scalars(attempts)).all())
        for attempt in found:
            yield "attempts", _item(attempt)
        if len(found) < PAGE:
            break
        last = found[-1].id


# ---------------------------------------------------------------------------------------- erasure


def _anonymise(cb: Callback) -> None:
    cb.number = ERASED_NUMBER
    cb.reason = None
    cb.member_id = None
    cb.open_key = None


async def _clear_notes(session: AsyncSession, callback_ids: list[uuid.UUID]) -> int:
    if not callback_ids:
        return 0
    result = await session.execute(
        update(CallbackAttempt)
        .where(col(CallbackAttempt.callback_id).in_(callback_ids), col(CallbackAttempt.note).is_not(None))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def erase(ctx: CallbacksContext, session: AsyncSession, request: ErasureRequested) -> ErasurePart:
    """Cancel the member's open callbacks, anonymise all of them, forget the member's id."""
    tenant, member_id = request.tenant_id, request.member_id
    now = ctx.clock.now()
    numbers = await _numbers_of(session, tenant, member_id)
    numbers |= await _numbers_named(session, ctx, tenant, set(request.subjects))
    which = and_(col(Callback.tenant_id) == tenant, _of_member(member_id, numbers))
    anonymised = cancelled = notes = 0
    while True:
        # Locked: a dispatcher tick waits, then finds them cancelled (never dispatched again).
        rows = list((await session.scalars(select(Callback).where(which).limit(PAGE).with_for_update())).all())
        if not rows:
            break
        for cb in rows:
            was_open = cb.is_open
            if was_open:
                lifecycle.close(cb, "cancelled", now)
            _anonymise(cb)
            anonymised += 1
            if was_open:
                # Routing drops the task it may hold; the event carries no number or text any more.
                await ctx.notifier.cancelled(session, cb, reason=MEMBER_ERASED)
                cancelled += 1
        await session.flush()
        notes += await _clear_notes(session, [cb.id for cb in rows])
    forgotten = _rowcount(
        await session.execute(
            delete(KnownMember).where(col(KnownMember.tenant_id) == tenant, col(KnownMember.member_id) == member_id)
        )
    )
    return ErasurePart(
        done={
            "callbacks": anonymised,
            "callbacks_cancelled": cancelled,
            "callback_attempt_notes": notes,
            "known_members": forgotten,
        },
        kept=list(KEPT),
        subjects=sorted(phone_subject(n) for n in numbers),
    )


# -------------------------------------------------------------------------------------- retention


async def retain_callbacks(
    ctx: CallbacksContext, session: AsyncSession, tenant: str, cutoff: datetime
) -> RetentionResult:
    """Anonymise the callbacks closed before `cutoff` (open ones are being served: untouched)."""
    old = and_(
        col(Callback.tenant_id) == tenant,
        col(Callback.closed_at).is_not(None),
        col(Callback.closed_at) < cutoff,
        or_(
            col(Callback.number) != ERASED_NUMBER,
            col(Callback.member_id).is_not(None),
            col(Callback.reason).is_not(None),
        ),
    )
    await session.execute(
        update(CallbackAttempt)
        .where(
            col(CallbackAttempt.tenant_id) == tenant,
            col(CallbackAttempt.note).is_not(None),
            col(CallbackAttempt.callback_id).in_(select(col(Callback.id)).where(old)),
        )
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        update(Callback)
        .where(old)
        .values(number=ERASED_NUMBER, reason=None, member_id=None, open_key=None)
        .execution_options(synchronize_session=False)
    )
    return RetentionResult(anonymised=_rowcount(result))


async def retain_call_records(
    ctx: CallbacksContext, session: AsyncSession, tenant: str, cutoff: datetime
) -> RetentionResult:
    """Delete callbacks' copies of the calls answered before `cutoff`."""
    result = await session.execute(
        delete(AnsweredCall).where(col(AnsweredCall.tenant_id) == tenant, col(AnsweredCall.answered_at) < cutoff)
    )
    return RetentionResult(deleted=_rowcount(result))


def privacy_spec() -> PrivacySpec[CallbacksContext]:
    """Callbacks' `ServiceSpec.privacy`."""
    return PrivacySpec(
        export=export,
        erase=erase,
        retention={"callbacks": retain_callbacks, "call_records": retain_call_records},
    )
