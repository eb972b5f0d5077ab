"""Surveys' part in the personal-data lifecycle (issue 17): the member's export, erasure and the
retention of answers and SMS texts. The hooks of `PrivacySpec` (declared in `app.py`); the common
code runs them (`frontdoor_common.privacy.lifecycle`). Never commits.

What surveys holds about a member: their surveys (answers, comment, the number asked), the SMS
sent to and received from their numbers, their notices, their STOP, and a contact waiting for its
caller's identification. "Their numbers" are the numbers of their surveys, STOPs and notices, and,
on erasure, every number surveys holds whose subject the request names (so an unidentified
caller's survey from the member's number goes too).

Erasure anonymises rather than deletes what the satisfaction index counts: a survey keeps its
status, answers, score, times, queue, team and colleague, and loses the member, the number and the
comment, so every index figure is unchanged. SMS rows keep their status and times (a notice's
status reads them) and lose the number and the text. The STOP of a number is kept (art. 21: an
objection is remembered, or the number would be surveyed again), without the member.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, distinct, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_common.events.privacy import ErasureRequested
from frontdoor_common.privacy.seal import phone_subject
from frontdoor_common.privacy.spec import ErasurePart, PrivacySpec, RetentionResult
from frontdoor_surveys.context import SurveysContext
from frontdoor_surveys.gateway.models import OutgoingSms
from frontdoor_surveys.notices.models import Notice
from frontdoor_surveys.surveys.models import ContactLink, InboundSms, OptOut, Survey

BATCH = 200  # rows per fetch while streaming an export or scanning numbers
_UNSENT = ("pending", "sending")
_OPEN = ("scheduled", "asking")

KEPT = [
    "the member's surveys' answers, scores, times, queue, team and colleague, without the member, the number "
    "and the comment: the satisfaction index counts them and must not change",
    "the STOP of the member's numbers, without the member: an objection (art. 21) must be remembered, or the "
    "numbers would be surveyed again",
    "the SMS rows' status and times, without number and text: notices' statuses and delivery receipts read them",
    "the notices' ids, kinds and times (withdrawn): a notice re-sent by the members service must not go out",
]


def _rows(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _chunks(values: Iterable[str], size: int = 500) -> list[list[str]]:
    items = sorted(set(values))
    return [items[i : i + size] for i in range(0, len(items), size)]


# ------------------------------------------------------------------------------------ the numbers


async def member_numbers(session: AsyncSession, tenant: str, member_id: uuid.UUID) -> set[str]:
    """The numbers surveys holds as the member's: of their surveys, their STOPs, their notices."""
    numbers: set[str] = set()
    queries: list[Any] = [
        select(distinct(col(Survey.phone))).where(
            col(Survey.tenant_id) == tenant, col(Survey.member_id) == member_id, col(Survey.phone).is_not(None)
        ),
        select(col(OptOut.phone)).where(col(OptOut.tenant_id) == tenant, col(OptOut.member_id) == member_id),
        select(distinct(col(OutgoingSms.to_number)))
        .join(Notice, col(Notice.sms_id) == col(OutgoingSms.id))
        .where(col(Notice.tenant_id) == tenant, col(Notice.member_id) == member_id, col(OutgoingSms.to_number) != ""),
    ]
    for query in queries:
        numbers |= {n for n in (await session.scalars(query)).all() if n}
    return numbers


async def numbers_of_subjects(parts: SurveysContext, session: AsyncSession, tenant: str, digests: set[str]) -> set[str]:
    """The numbers surveys holds in the tenant whose subject's digest is one of `digests` (the phone
    subjects of an erasure request): read in batches, never all at once."""
    if not digests:
        return set()
    sealer = parts.runtime.sealer
    assert sealer is not None
    found: set[str] = set()
    columns: list[tuple[Any, ColumnElement[bool]]] = [
        (col(Survey.phone), col(Survey.tenant_id) == tenant),
        (col(OptOut.phone), col(OptOut.tenant_id) == tenant),
        (col(InboundSms.from_number), col(InboundSms.tenant_id) == tenant),
        (col(OutgoingSms.to_number), col(OutgoingSms.tenant_id) == tenant),
    ]
    for column, mine in columns:
        query = select(distinct(column)).where(mine, column.is_not(None), column != "")
        result = await session.stream(query.execution_options(yield_per=BATCH))
        async for batch in result.partitions(BATCH):
            for (number,) in batch:
                if sealer.digest(tenant, phone_subject(number)) in digests:
                    found.add(number)
    for number in {n for _key, n in await _waiting_numbers(session, tenant)}:
        if sealer.digest(tenant, phone_subject(number)) in digests:
            found.add(number)
    return found


async def _waiting_numbers(session: AsyncSession, tenant: str) -> list[tuple[str, str]]:
    """(source key, number) of the tenant's contacts waiting for their caller's identification
    (they wait at most `late_identification_hours`: few rows)."""
    query = select(col(ContactLink.source_key), col(ContactLink.contact)).where(
        col(ContactLink.tenant_id) == tenant, col(ContactLink.contact).is_not(None)
    )
    waiting: list[tuple[str, str]] = []
    result = await session.stream(query.execution_options(yield_per=BATCH))
    async for batch in result.partitions(BATCH):
        for source_key, contact in batch:
            number = ((contact or {}).get("contact") or {}).get("number")
            if isinstance(number, str) and number:
                waiting.append((source_key, number))
    return waiting


# ---------------------------------------------------------------------------------------- export


def _item(row: Any) -> dict[str, Any]:
    data: dict[str, Any] = row.model_dump()
    return data


async def export(
    parts: SurveysContext, session: AsyncSession, tenant: str, member_id: uuid.UUID
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Everything surveys holds about the member, streamed: "surveys" (answers, comments, the number
    asked), "opt_outs", "sms" (sent to and received from their numbers), "notices", "contact_links"."""
    numbers = await member_numbers(session, tenant, member_id)
    sections: list[tuple[str, Any]] = [
        (
            "surveys",
            select(Survey)
            .where(col(Survey.tenant_id) == tenant, col(Survey.member_id) == member_id)
            .order_by(col(Survey.created_at), col(Survey.id)),
        ),
        (
            "opt_outs",
            select(OptOut)
            .where(col(OptOut.tenant_id) == tenant, col(OptOut.member_id) == member_id)
            .order_by(col(OptOut.created_at)),
        ),
        (
            "notices",
            select(Notice)
            .where(col(Notice.tenant_id) == tenant, col(Notice.member_id) == member_id)
            .order_by(col(Notice.requested_at), col(Notice.notice_id)),
        ),
        (
            "contact_links",
            select(ContactLink)
            .where(col(ContactLink.tenant_id) == tenant, col(ContactLink.member_id) == member_id)
            .order_by(col(ContactLink.updated_at)),
        ),
    ]
    for chunk in _chunks(numbers):
        sections.append(
            (
                "sms:sent",
                select(OutgoingSms)
                .where(col(OutgoingSms.tenant_id) == tenant, col(OutgoingSms.to_number).in_(chunk))
                .order_by(col(OutgoingSms.created_at), col(OutgoingSms.id)),
            )
        )
        sections.append(
            (
                "sms:received",
                select(InboundSms)
                .where(col(InboundSms.tenant_id) == tenant, col(InboundSms.from_number).in_(chunk))
                .order_by(col(InboundSms.received_at), col(InboundSms.id)),
            )
        )
    for section, query in sections:
        result = await session.stream_scalars(query.execution_options(yield_per=BATCH))
        async for row in result:
            if section.startswith("sms:"):
                yield "sms", {"direction": section.removeprefix("sms:"), **_item(row)}
            else:
                yield section, _item(row)


# ---------------------------------------------------------------------------------------- erasure


async def erase(parts: SurveysContext, session: AsyncSession, request: ErasureRequested) -> ErasurePart:
    """Anonymise the member's surveys (the index unchanged), clear the SMS to and from their numbers,
    withdraw their notices, forget them in STOPs and waiting contacts. A second run changes nothing."""
    tenant, member_id = request.tenant_id, request.member_id
    now = parts.clock.now()
    numbers = await member_numbers(session, tenant, member_id)
    numbers |= await numbers_of_subjects(parts, session, tenant, set(request.subjects))
    chunks = _chunks(numbers)
    done = {"surveys": 0, "sms_sent": 0, "sms_received": 0, "notices": 0, "opt_outs": 0, "contact_links": 0}

    def theirs(member: Any, phone: Any) -> list[ColumnElement[bool]]:
        """One condition per chunk of numbers (the member's own rows in the first)."""
        if not chunks:
            return [member == member_id]
        return [
            or_(member == member_id, phone.in_(chunk)) if i == 0 else phone.in_(chunk) for i, chunk in enumerate(chunks)
        ]

    for who in theirs(col(Survey.member_id), col(Survey.phone)):
        mine = and_(col(Survey.tenant_id) == tenant, who)
        # an open survey asks no more: its SMS are dropped below; the index counts neither state
        await session.execute(
            update(Survey)
            .where(mine, col(Survey.status) == "scheduled")
            .values(status="skipped", skip_reason="erased", closed_at=now)
        )
        await session.execute(
            update(Survey)
            .where(mine, col(Survey.status) == "asking")
            .values(status="expired", closed_at=now, expires_at=now)
        )
        await session.execute(
            update(Survey).where(mine, col(Survey.awaiting_comment).is_(True)).values(awaiting_comment=False)
        )
        result = await session.execute(
            update(Survey)
            .where(
                mine,
                or_(
                    col(Survey.member_id).is_not(None), col(Survey.phone).is_not(None), col(Survey.comment).is_not(None)
                ),
            )
            .values(member_id=None, phone=None, comment=None)
        )
        done["surveys"] += _rows(result)

    notice_sms = select(col(Notice.sms_id)).where(
        col(Notice.tenant_id) == tenant, col(Notice.member_id) == member_id, col(Notice.sms_id).is_not(None)
    )
    sms_who: list[ColumnElement[bool]] = [col(OutgoingSms.id).in_(notice_sms)]
    sms_who += [col(OutgoingSms.to_number).in_(chunk) for chunk in chunks]
    for who in sms_who:
        mine = and_(col(OutgoingSms.tenant_id) == tenant, who)
        await session.execute(
            update(OutgoingSms)
            .where(mine, col(OutgoingSms.status).in_(_UNSENT), col(OutgoingSms.kind) == "notice")
            .values(status="withdrawn", claimed_until=None)
        )
        await session.execute(
            update(OutgoingSms)
            .where(mine, col(OutgoingSms.status).in_(_UNSENT))
            .values(status="cancelled", claimed_until=None)
        )
        result = await session.execute(
            update(OutgoingSms)
            .where(mine, or_(col(OutgoingSms.to_number) != "", col(OutgoingSms.body) != ""))
            .values(to_number="", body="")
        )
        done["sms_sent"] += _rows(result)

    for chunk in chunks:
        result = await session.execute(
            update(InboundSms)
            .where(
                or_(col(InboundSms.tenant_id) == tenant, col(InboundSms.tenant_id).is_(None)),
                col(InboundSms.from_number).in_(chunk),
                or_(col(InboundSms.from_number) != "", col(InboundSms.text) != ""),
            )
            .values(from_number="", text="")
        )
        done["sms_received"] += _rows(result)

    result = await session.execute(
        update(Notice)
        .where(col(Notice.tenant_id) == tenant, col(Notice.member_id) == member_id, col(Notice.withdrawn).is_(False))
        .values(withdrawn=True, withdrawn_at=now)
    )
    done["notices"] = _rows(result)

    result = await session.execute(
        update(OptOut)
        .where(col(OptOut.tenant_id) == tenant, col(OptOut.member_id) == member_id)
        .values(member_id=None, survey_id=None)
    )
    done["opt_outs"] = _rows(result)

    done["contact_links"] = await _forget_links(session, tenant, member_id, numbers)
    return ErasurePart(done=done, kept=list(KEPT), subjects=[phone_subject(n) for n in sorted(numbers)])


async def _forget_links(session: AsyncSession, tenant: str, member_id: uuid.UUID, numbers: set[str]) -> int:
    """Drop the contacts waiting for the member, or waiting with one of their numbers (these wait at
    most `late_identification_hours`: few rows)."""
    result = await session.execute(
        delete(ContactLink).where(col(ContactLink.tenant_id) == tenant, col(ContactLink.member_id) == member_id)
    )
    dropped = _rows(result)
    if not numbers:
        return dropped
    stale = [key for key, number in await _waiting_numbers(session, tenant) if number in numbers]
    for chunk in _chunks(stale):
        result = await session.execute(
            delete(ContactLink).where(col(ContactLink.tenant_id) == tenant, col(ContactLink.source_key).in_(chunk))
        )
        dropped += _rows(result)
    return dropped


# -------------------------------------------------------------------------------------- retention


async def survey_answers(
    parts: SurveysContext, session: AsyncSession, tenant: str, cutoff: datetime
) -> RetentionResult:
    """Surveys of contacts that ended before `cutoff`, closed: anonymised (no member, number or
    comment), the answers and scores kept so the satisfaction index stays right. An open survey
    (scheduled, asking, waiting for its comment) is left to close first."""
    result = await session.execute(
        update(Survey)
        .where(
            col(Survey.tenant_id) == tenant,
            col(Survey.contact_completed_at) < cutoff,
            col(Survey.status).not_in(_OPEN),
            col(Survey.awaiting_comment).is_(False),
            or_(col(Survey.member_id).is_not(None), col(Survey.phone).is_not(None), col(Survey.comment).is_not(None)),
        )
        .values(member_id=None, phone=None, comment=None)
    )
    return RetentionResult(anonymised=_rows(result))


async def sms_bodies(parts: SurveysContext, session: AsyncSession, tenant: str, cutoff: datetime) -> RetentionResult:
    """SMS sent (or given up) before `cutoff` and SMS received before it: the text and the number
    cleared; the rows stay (a notice's status and a redelivered message's id read them)."""
    sent = await session.execute(
        update(OutgoingSms)
        .where(
            col(OutgoingSms.tenant_id) == tenant,
            col(OutgoingSms.created_at) < cutoff,
            col(OutgoingSms.status).not_in(_UNSENT),
            or_(col(OutgoingSms.to_number) != "", col(OutgoingSms.body) != ""),
        )
        .values(to_number="", body="")
    )
    received = await session.execute(
        update(InboundSms)
        .where(
            col(InboundSms.tenant_id) == tenant,
            col(InboundSms.received_at) < cutoff,
            or_(col(InboundSms.from_number) != "", col(InboundSms.text) != ""),
        )
        .values(from_number="", text="")
    )
    return RetentionResult(anonymised=_rows(sent) + _rows(received))


def privacy_spec() -> PrivacySpec[SurveysContext]:
    """Surveys' `PrivacySpec`."""
    return PrivacySpec[SurveysContext](
        export=export,
        erase=erase,
        retention={"survey_answers": survey_answers, "sms_bodies": sms_bodies},
    )
