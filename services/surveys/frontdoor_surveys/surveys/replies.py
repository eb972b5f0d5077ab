"""Replies: an inbound SMS, deduplicated by the provider's message id, applied to its survey. Never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events.surveys import (
    SurveyAnswered,
    SurveyCommented,
    SurveyCompleted,
    SurveyEvent,
    SurveyExpired,
    SurveyOptedOut,
)
from frontdoor_common.logging import get_logger
from frontdoor_common.service import Runtime
from frontdoor_surveys.clock import now
from frontdoor_surveys.conversation import machine
from frontdoor_surveys.gateway import service as sms
from frontdoor_surveys.policy import service as policies
from frontdoor_surveys.surveys import service
from frontdoor_surveys.surveys.models import InboundSms, OptOut, Survey

log = get_logger(__name__)


@dataclass(frozen=True)
class InboundResult:
    """What an inbound SMS did: answered, clarified, opted_out, ..., duplicate or unmatched."""

    status: str
    survey_id: uuid.UUID | None = None


async def _record_inbound(session: AsyncSession, values: dict[str, object]) -> bool:
    dialect = session.bind.dialect.name if session.bind is not None else ""
    table = InboundSms.__table__  # type: ignore[attr-defined]
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert_fn(table).values(**values).on_conflict_do_nothing(index_elements=["provider_message_id"])
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


async def _survey_for_reply(session: AsyncSession, number: str) -> Survey | None:
    """The survey a reply from `number` belongs to: the newest open one, else the newest at all."""
    candidates = (
        (
            await session.execute(
                select(Survey)
                .where(Survey.phone == number, Survey.status.in_(service.SURVEYED))  # type: ignore[attr-defined]
                .order_by(Survey.created_at.desc())  # type: ignore[attr-defined]
                .limit(20)
                # Two replies at once from one number must not both answer the same question.
                .with_for_update()
            )
        )
        .scalars()
        .all()
    )
    for survey in candidates:
        if survey.status == "asking" or (survey.status == "completed" and survey.awaiting_comment):
            return survey
    return candidates[0] if candidates else None


async def handle_inbound(
    session: AsyncSession,
    runtime: Runtime,
    *,
    from_number: str,
    text: str,
    provider_message_id: str,
    to_number: str | None = None,
) -> InboundResult:
    """Apply a reply once (a redelivery with the same provider message id is a no-op)."""
    current = now(runtime)
    inbound_id = uuid.uuid4()
    inserted = await _record_inbound(
        session,
        {
            "id": inbound_id,
            "provider_message_id": provider_message_id,
            "from_number": from_number,
            "to_number": to_number,
            "text": text,
            "received_at": current,
            "outcome": "received",
        },
    )
    if not inserted:
        return InboundResult("duplicate")
    inbound = await session.get(InboundSms, inbound_id)
    assert inbound is not None
    survey = await _survey_for_reply(session, from_number)
    if survey is None:
        inbound.outcome = "unmatched"
        log.info("reply from an unknown number", provider_message_id=provider_message_id)
        return InboundResult("unmatched")
    inbound.tenant_id, inbound.survey_id = survey.tenant_id, survey.id
    result = await apply_reply(session, runtime, survey, text, current)
    inbound.outcome = result.status
    return result


async def apply_reply(
    session: AsyncSession, runtime: Runtime, survey: Survey, text: str, current: datetime
) -> InboundResult:
    """Run the conversation on one reply and carry out what it decided."""
    policy = await policies.load_policy(session, survey.tenant_id)
    outcome = machine.reply(service.state_of(survey), text, current, policy.expiry)
    service.store_state(survey, outcome.state)
    survey.last_reply_at = current
    kind = "reply"
    status = "ignored"
    events: list[SurveyEvent] = []
    for effect in outcome.effects:
        match effect:
            case machine.Answered(question=q, value=v):
                survey.score = machine.score(survey.answers) if survey.status == "completed" else None
                kind, status = "question", "answered"
                events.append(SurveyAnswered(survey=service.snapshot(survey), at=current, question=q, value=v))
            case machine.Completed():
                survey.completed_at = current
                survey.score = machine.score(survey.answers)
                kind, status = "comment", "completed"
                events.append(SurveyCompleted(survey=service.snapshot(survey), at=current))
            case machine.Commented():
                survey.commented_at = current
                kind, status = "thanks", "commented"
                events.append(SurveyCommented(survey=service.snapshot(survey), at=current))
            case machine.Clarified():
                kind, status = "clarify", "clarified"
            case machine.OptedOut():
                kind, status = "opted_out", "opted_out"
                await _opt_out(session, survey, current)
                events.append(SurveyOptedOut(survey=service.snapshot(survey), at=current))
            case machine.Expired():
                survey.closed_at = current
                await sms.cancel_pending(session, survey.id)
                events.append(SurveyExpired(survey=service.snapshot(survey), at=current))
            case machine.Ignored(reason=reason):
                status = f"ignored:{reason}" if status == "ignored" else status
    # The snapshot of an answer that completed the survey should carry the final state.
    events = [e.model_copy(update={"survey": service.snapshot(survey)}) for e in events]
    await session.flush()
    for event in events:
        await service.publish(session, runtime, event)
    for body in outcome.messages:
        assert survey.phone is not None
        await sms.enqueue(
            session,
            runtime,
            tenant_id=survey.tenant_id,
            to=survey.phone,
            body=body,
            kind=kind,
            not_before=current,
            survey_id=survey.id,
        )
    return InboundResult(status, survey.id)


async def _opt_out(session: AsyncSession, survey: Survey, at: datetime) -> None:
    if survey.status == "opted_out":
        survey.closed_at = at
        await sms.cancel_pending(session, survey.id)
    if survey.phone is None:
        return
    existing = await session.get(OptOut, (survey.tenant_id, survey.phone))
    if existing is None:
        session.add(
            OptOut(tenant_id=survey.tenant_id, phone=survey.phone, member_id=survey.member_id, survey_id=survey.id)
        )
