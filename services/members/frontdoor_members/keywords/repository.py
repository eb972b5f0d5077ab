"""Queries on keywords: entries waiting for extraction, an entry's keywords, counts per week."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.forwards.models import Forward
from frontdoor_members.keywords.models import EntryKeyword, KeywordExtraction
from frontdoor_members.members.models import Member

# entries whose text an agent wrote (calls, callbacks and membership changes are the system's words)
TEXT_KINDS = ("log", "remark", "message")  # a member's message is read too: what the country writes about


@dataclass(frozen=True)
class Pending:
    """An entry waiting for its keywords, with the first characters of its text."""

    entry_id: uuid.UUID
    tenant_id: str
    department_id: uuid.UUID | None
    occurred_at: datetime
    created_at: datetime
    text: str
    text_chars: int  # the whole text's length
    # the member's names and their shop steward's, lower-cased words: never keywords (the trends
    # aggregate keywords across members, and a name there is personal data)
    names: frozenset[str] = frozenset()


def _name_words(*names: str | None) -> frozenset[str]:
    return frozenset(w.strip(".,-'").lower() for n in names if n for w in n.split() if w.strip(".,-'"))


async def pending(session: AsyncSession, *, limit: int, max_chars: int, since: datetime | None = None) -> list[Pending]:
    """The oldest agent-written entries without an extraction. A forward's remark is read as the
    agent's summary alone (its first line is the system's). Only `max_chars` characters of each text
    leave the database. `since`: only entries created then or later (a walk along the index on
    `created_at`; without it every text entry is looked at)."""
    text = func.coalesce(col(Forward.summary), col(DossierEntry.summary))
    query = (
        select(
            col(DossierEntry.id),
            col(DossierEntry.tenant_id),
            col(DossierEntry.department_id),
            col(DossierEntry.occurred_at),
            col(DossierEntry.created_at),
            func.substr(text, 1, max_chars),
            func.length(text),
            col(Member.first_name),
            col(Member.last_name),
            col(Member.shop_steward_name),
        )
        .outerjoin(Member, col(Member.id) == col(DossierEntry.member_id))
        .outerjoin(KeywordExtraction, col(KeywordExtraction.entry_id) == col(DossierEntry.id))
        .outerjoin(Forward, col(Forward.dossier_entry_id) == col(DossierEntry.id))
        .where(
            col(KeywordExtraction.entry_id).is_(None),
            col(DossierEntry.kind).in_(TEXT_KINDS),
            col(DossierEntry.summary).is_not(None),
            *([col(DossierEntry.created_at) >= since] if since is not None else []),
        )
        .order_by(col(DossierEntry.created_at), col(DossierEntry.id))
        .limit(limit)
    )
    result = await session.execute(query)
    return [
        Pending(
            entry_id=i,
            tenant_id=t,
            department_id=d,
            occurred_at=at,
            created_at=c,
            text=s or "",
            text_chars=n or 0,
            names=_name_words(first, last, steward),
        )
        for i, t, d, at, c, s, n, first, last, steward in result.all()
    ]


async def of_entries(
    session: AsyncSession, tenant_id: str, entry_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """Each entry's keywords, most relevant first (entries without any are absent)."""
    if not entry_ids:
        return {}
    result = await session.execute(
        select(col(EntryKeyword.entry_id), col(EntryKeyword.keyword))
        .where(col(EntryKeyword.tenant_id) == tenant_id, col(EntryKeyword.entry_id).in_(list(entry_ids)))
        .order_by(col(EntryKeyword.entry_id), col(EntryKeyword.rank))
    )
    found: dict[uuid.UUID, list[str]] = {}
    for entry_id, keyword in result.all():
        found.setdefault(entry_id, []).append(keyword)
    return found


def _scope(tenant_id: str, department_id: uuid.UUID | None, since: date, until: date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        col(EntryKeyword.tenant_id) == tenant_id,
        col(EntryKeyword.day) >= since,
        col(EntryKeyword.day) <= until,
    ]
    if department_id is not None:
        where.append(col(EntryKeyword.department_id) == department_id)
    return where


async def top(
    session: AsyncSession, tenant_id: str, *, since: date, until: date, department_id: uuid.UUID | None, limit: int
) -> list[tuple[str, int]]:
    """The `limit` keywords in the most entries over [since, until], ties by name."""
    n = func.count()
    result = await session.execute(
        select(col(EntryKeyword.keyword), n)
        .where(and_(*_scope(tenant_id, department_id, since, until)))
        .group_by(col(EntryKeyword.keyword))
        .order_by(n.desc(), col(EntryKeyword.keyword))
        .limit(limit)
    )
    return [(k, int(c)) for k, c in result.all()]


async def per_week(
    session: AsyncSession,
    tenant_id: str,
    keywords: Sequence[str],
    *,
    since: date,
    until: date,
    department_id: uuid.UUID | None,
) -> list[tuple[str, str, int]]:
    """(keyword, week, entries) of these keywords over [since, until]."""
    if not keywords:
        return []
    result = await session.execute(
        select(col(EntryKeyword.keyword), col(EntryKeyword.week), func.count())
        .where(
            and_(*_scope(tenant_id, department_id, since, until)),
            col(EntryKeyword.keyword).in_(list(keywords)),
        )
        .group_by(col(EntryKeyword.keyword), col(EntryKeyword.week))
    )
    return [(k, w, int(c)) for k, w, c in result.all()]


async def rising(
    session: AsyncSession,
    tenant_id: str,
    *,
    week: str,
    previous_week: str,
    since: date,
    until: date,
    department_id: uuid.UUID | None,
    min_count: int,
    limit: int,
) -> list[tuple[str, int, int]]:
    """(keyword, entries in `week`, entries in `previous_week`) for the keywords in at least
    `min_count` entries of `week` and in more than the week before, the largest increase first,
    ties by name. [since, until] are the two weeks' days."""
    latest = func.sum(case((col(EntryKeyword.week) == week, literal(1)), else_=literal(0)))
    before = func.sum(case((col(EntryKeyword.week) == previous_week, literal(1)), else_=literal(0)))
    increase = latest - before
    result = await session.execute(
        select(col(EntryKeyword.keyword), latest, before)
        .where(and_(*_scope(tenant_id, department_id, since, until)))
        .group_by(col(EntryKeyword.keyword))
        .having(and_(latest >= min_count, increase > 0))
        .order_by(increase.desc(), col(EntryKeyword.keyword))
        .limit(limit)
    )
    return [(k, int(a), int(b)) for k, a, b in result.all()]
