"""Routing's part in the personal-data lifecycle (issue 17): export, erasure and retention hooks.

What routing holds about a member: the calls linked to them (`calls.member_id`, with the number
they called from) and their messages routed as tasks (`tasks.member_id`). Calls and tasks are
what the KPIs, the service level and the channel figures count, so neither an erasure nor the
retention window deletes them: they are anonymised (no number, no member link) and every
aggregate over them comes out unchanged (the KPI arithmetic, `stats/kpis.py`, reads times,
states, durations and queues only).

Writes go through the consumer's (or the retention job's) own transaction as plain UPDATEs, after
the shard's fencing check (`Engine.check_shard`): a process a newer one fenced changes nothing,
here too. The engine's memory holds no caller number nor member id (its cores hold call ids,
queues and agents; rows are read in each change's own transaction), so after the commit memory and
database agree without touching the engine; a change in flight writes only the columns it changed.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from frontdoor_common.events.privacy import ErasureRequested
from frontdoor_common.privacy.seal import phone_subject
from frontdoor_common.privacy.spec import ErasurePart, PrivacySpec, RetentionResult
from frontdoor_routing.context import RoutingContext
from frontdoor_routing.engine.loading import LIVE_STATES
from frontdoor_routing.models import Call
from frontdoor_routing.tasks.models import LIVE_TASK_STATES, Task

PAGE = 500  # rows per read of an export (never the whole history in memory)

_calls = Call.__table__  # type: ignore[attr-defined]
_tasks = Task.__table__  # type: ignore[attr-defined]

KEPT = [
    "calls: each call of the member stays as an anonymous record (no number, no member link): "
    "the KPIs and the service level of its period count it",
    "tasks: each message task of the member stays as an anonymous record (no member link): "
    "the channel figures of its period count it",
]


async def _pages(session: AsyncSession, table: Any, where: ColumnElement[bool]) -> AsyncIterator[dict[str, Any]]:
    """Every row of `table` matching `where`, as a dict of its columns, read by pages of `PAGE`
    in primary-key order."""
    last: uuid.UUID | None = None
    while True:
        query = select(table).where(where)
        if last is not None:
            query = query.where(table.c.id > last)
        rows = (await session.execute(query.order_by(table.c.id).limit(PAGE))).mappings().all()
        for row in rows:
            yield dict(row)
        if len(rows) < PAGE:
            return
        last = rows[-1]["id"]


async def export(
    parts: RoutingContext, session: AsyncSession, tenant: str, member_id: uuid.UUID
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """The member's calls and message tasks, each row with all its columns (numbers in clear:
    this is the member's own access request)."""
    async for row in _pages(session, _calls, and_(_calls.c.tenant_id == tenant, _calls.c.member_id == member_id)):
        yield "calls", row
    async for row in _pages(session, _tasks, and_(_tasks.c.tenant_id == tenant, _tasks.c.member_id == member_id)):
        yield "tasks", row


async def erase(parts: RoutingContext, session: AsyncSession, request: ErasureRequested) -> ErasurePart:
    """The member's calls and tasks anonymised; the numbers they called from are returned as
    subjects, so their seal keys (every published copy of the number) are erased too."""
    await parts.engine.check_shard(session)
    tenant, member = request.tenant_id, request.member_id
    mine = and_(_calls.c.tenant_id == tenant, _calls.c.member_id == member)
    numbers = (
        await session.execute(
            select(_calls.c.caller_number).where(mine, _calls.c.caller_number.is_not(None)).distinct()
        )
    ).scalars()
    subjects = sorted({phone_subject(n) for n in numbers if n})
    calls = await session.execute(update(_calls).where(mine).values(caller_number=None, member_id=None))
    # Calls nobody linked to the member (an unidentified call from their other number): found by the
    # numbers the request names, as keyed digests; their number goes too (the member's data).
    unlinked = await _numbers_named(parts, session, tenant, set(request.subjects))
    unidentified = 0
    for start in range(0, len(unlinked), PAGE):
        chunk = unlinked[start : start + PAGE]
        result = await session.execute(
            update(_calls)
            .where(_calls.c.tenant_id == tenant, _calls.c.member_id.is_(None), _calls.c.caller_number.in_(chunk))
            .values(caller_number=None)
        )
        unidentified += _count(result)
    subjects = sorted({*subjects, *(phone_subject(n) for n in unlinked)})
    tasks = await session.execute(
        update(_tasks).where(_tasks.c.tenant_id == tenant, _tasks.c.member_id == member).values(member_id=None)
    )
    return ErasurePart(
        done={"calls": _count(calls), "unidentified_calls": unidentified, "tasks": _count(tasks)},
        kept=list(KEPT),
        subjects=subjects,
    )


async def _numbers_named(parts: RoutingContext, session: AsyncSession, tenant: str, digests: set[str]) -> list[str]:
    """The caller numbers of the tenant's unlinked calls whose subject digest is one of `digests`
    (read by pages of distinct numbers: an erasure is rare, the scan is bounded by the tenant's numbers)."""
    if not digests:
        return []
    sealer = parts.runtime.sealer
    assert sealer is not None
    c = _calls.c
    found: list[str] = []
    last: str | None = None
    while True:
        query = select(c.caller_number).where(
            c.tenant_id == tenant, c.member_id.is_(None), c.caller_number.is_not(None)
        )
        if last is not None:
            query = query.where(c.caller_number > last)
        numbers = list((await session.execute(query.distinct().order_by(c.caller_number).limit(PAGE))).scalars())
        found += [n for n in numbers if sealer.digest(tenant, phone_subject(n)) in digests]
        if len(numbers) < PAGE:
            return found
        last = numbers[-1]


def _ended_before(cutoff: datetime) -> ColumnElement[bool]:
    """A call that ended before `cutoff`: completed or abandoned then, or closed (refused, ended
    otherwise) with its last change then; live calls never."""
    c = _calls.c
    return and_(
        c.state.not_in(LIVE_STATES),
        or_(
            and_(c.completed_at.is_not(None), c.completed_at < cutoff),
            and_(c.completed_at.is_(None), c.abandoned_at.is_not(None), c.abandoned_at < cutoff),
            and_(c.completed_at.is_(None), c.abandoned_at.is_(None), c.updated_at < cutoff),
        ),
    )


async def retain_call_records(
    parts: RoutingContext, session: AsyncSession, tenant: str, cutoff: datetime
) -> RetentionResult:
    """Calls and tasks that ended before `cutoff` lose their number and member link (anonymised,
    not deleted: the KPIs of old periods count them)."""
    await parts.engine.check_shard(session)
    c, t = _calls.c, _tasks.c
    calls = await session.execute(
        update(_calls)
        .where(
            c.tenant_id == tenant,
            or_(c.caller_number.is_not(None), c.member_id.is_not(None)),
            _ended_before(cutoff),
        )
        .values(caller_number=None, member_id=None)
    )
    tasks = await session.execute(
        update(_tasks)
        .where(
            t.tenant_id == tenant,
            t.member_id.is_not(None),
            t.state.not_in(LIVE_TASK_STATES),
            or_(
                and_(t.completed_at.is_not(None), t.completed_at < cutoff),
                and_(t.completed_at.is_(None), t.updated_at < cutoff),
            ),
        )
        .values(member_id=None)
    )
    return RetentionResult(anonymised=_count(calls) + _count(tasks))


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def privacy_spec() -> PrivacySpec[RoutingContext]:
    """Routing's `ServiceSpec.privacy`."""
    return PrivacySpec(export=export, erase=erase, retention={"call_records": retain_call_records})
