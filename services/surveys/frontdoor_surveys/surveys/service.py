"""Surveys: created from finished contacts, sent, closed by time (replies: `replies`). Never commits.

The decisions are made by the pure parts (`policy.rules`, `conversation.machine`); this
module loads their inputs, stores their outputs, queues the SMS and stages the events.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events.surveys import (
    SurveyEvent,
    SurveyExpired,
    SurveySent,
    SurveySnapshot,
)
from frontdoor_common.logging import get_logger
from frontdoor_common.service import Runtime
from frontdoor_surveys.clock import now
from frontdoor_surveys.conversation import machine
from frontdoor_surveys.gateway import service as sms
from frontdoor_surveys.policy import rules
from frontdoor_surveys.policy import service as policies
from frontdoor_surveys.surveys.models import OptOut, Survey

log = get_logger(__name__)

# Surveys that count as "surveyed" for the once-per-N-days rule.
SURVEYED = ("scheduled", "asking", "completed", "expired", "opted_out")


@dataclass(frozen=True)
class ContactFinished:
    """A finished call or callback, as the consumer read it from an event."""

    tenant_id: str
    source: str  # call | callback
    source_id: uuid.UUID
    contact: rules.Contact
    completed_at: datetime
    call_id: uuid.UUID | None = None
    callback_id: uuid.UUID | None = None
    queue_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None


def snapshot(survey: Survey) -> SurveySnapshot:
    """The survey as events carry it (no phone number, no comment text)."""
    return SurveySnapshot(
        survey_id=survey.id,
        tenant_id=survey.tenant_id,
        source=survey.source,  # type: ignore[arg-type]
        call_id=survey.call_id,
        callback_id=survey.callback_id,
        member_id=survey.member_id,
        queue_id=survey.queue_id,
        agent_id=survey.agent_id,
        team_id=survey.team_id,
        language=survey.language,
        status=survey.status,  # type: ignore[arg-type]
        questions=len(survey.questions),
        answers=list(survey.answers),
        score=survey.score,
        has_comment=bool(survey.comment),
        contact_completed_at=survey.contact_completed_at,
        sent_at=survey.sent_at,
        completed_at=survey.completed_at,
        expires_at=survey.expires_at,
    )


async def publish(session: AsyncSession, runtime: Runtime, event: SurveyEvent) -> None:
    await runtime.outbox.add(session, event, tenant=event.survey.tenant_id)


async def consider_contact(session: AsyncSession, runtime: Runtime, finished: ContactFinished) -> Survey | None:
    """Apply the tenant's policy to a finished contact: a scheduled survey, a skipped one, or None if seen."""
    source_key = f"{finished.source}:{finished.source_id}"
    seen = await session.scalar(
        select(Survey.id).where(Survey.tenant_id == finished.tenant_id, Survey.source_key == source_key)
    )
    if seen is not None:
        return None  # the same contact again (a re-published event, or the callback's own completion)
    policy = await policies.load_policy(session, finished.tenant_id)
    current = now(runtime)
    contact = finished.contact
    number = rules.normalize_number(contact.number, policy.country)
    decision = rules.decide(
        contact,
        policy,
        opted_out=await is_opted_out(session, finished.tenant_id, number, contact.member_id),
        last_surveyed_at=await last_surveyed_at(session, finished.tenant_id, contact.member_id, number),
        now=current,
    )
    survey = Survey(
        tenant_id=finished.tenant_id,
        source=finished.source,
        source_key=source_key,
        call_id=finished.call_id,
        callback_id=finished.callback_id,
        member_id=contact.member_id,
        language=decision.language,
        queue_id=finished.queue_id,
        agent_id=finished.agent_id,
        team_id=finished.team_id,
        contact_completed_at=finished.completed_at,
        created_at=current,
        status="skipped",
        skip_reason=decision.reason,
    )
    if not decision.survey or decision.number is None:
        session.add(survey)
        await session.flush()
        log.info("no survey", tenant=finished.tenant_id, source=source_key, reason=decision.reason)
        return survey
    questions = await policies.questions_for(session, finished.tenant_id, decision.language)
    outcome = machine.start(decision.language, questions)
    zone = rules.member_time_zone(decision.number, policy.time_zone)
    send_at = rules.next_send_time(current, zone, policy.quiet_start, policy.quiet_end)
    survey.status = outcome.state.status
    survey.skip_reason = None
    survey.phone = decision.number
    survey.questions = list(questions)
    survey.scheduled_for = send_at
    session.add(survey)
    await session.flush()
    await sms.enqueue(
        session,
        runtime,
        tenant_id=survey.tenant_id,
        to=decision.number,
        body=outcome.messages[0],
        kind="first",
        not_before=send_at,
        survey_id=survey.id,
    )
    return survey


async def is_opted_out(session: AsyncSession, tenant_id: str, number: str | None, member_id: uuid.UUID | None) -> bool:
    """Whether the number or the member replied STOP to this tenant before."""
    conditions = []
    if number:
        conditions.append(OptOut.phone == number)
    if member_id is not None:
        conditions.append(OptOut.member_id == member_id)
    if not conditions:
        return False
    found = await session.scalar(select(OptOut.phone).where(OptOut.tenant_id == tenant_id, or_(*conditions)).limit(1))
    return found is not None


async def last_surveyed_at(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID | None, number: str | None
) -> datetime | None:
    """When the member (or, without a member, the number) was last surveyed by this tenant."""
    if member_id is not None:
        who = Survey.member_id == member_id
    elif number:
        who = Survey.phone == number
    else:
        return None
    result: datetime | None = await session.scalar(
        select(Survey.created_at)
        .where(Survey.tenant_id == tenant_id, who, Survey.status.in_(SURVEYED))  # type: ignore[attr-defined]
        .order_by(Survey.created_at.desc())  # type: ignore[attr-defined]
        .limit(1)
    )
    return result


def state_of(survey: Survey) -> machine.SurveyState:
    return machine.SurveyState(
        status=survey.status,  # type: ignore[arg-type]
        language=survey.language,
        questions=tuple(survey.questions),
        answers=tuple(survey.answers),
        clarified_step=survey.clarified_step,
        awaiting_comment=survey.awaiting_comment,
        comment=survey.comment,
        expires_at=survey.expires_at,
    )


def store_state(survey: Survey, state: machine.SurveyState) -> None:
    survey.status = state.status
    survey.answers = list(state.answers)
    survey.clarified_step = state.clarified_step
    survey.awaiting_comment = state.awaiting_comment
    survey.comment = state.comment
    survey.expires_at = state.expires_at


async def mark_sent(session: AsyncSession, runtime: Runtime, survey_id: uuid.UUID, at: datetime) -> None:
    """The first SMS left: the survey asks and its expiry starts; SurveySent."""
    survey = await session.get(Survey, survey_id, with_for_update=True)
    if survey is None or survey.status != "scheduled":
        return
    policy = await policies.load_policy(session, survey.tenant_id)
    store_state(survey, machine.sent(state_of(survey), at, policy.expiry))
    survey.sent_at = at
    await session.flush()
    await publish(session, runtime, SurveySent(survey=snapshot(survey), at=at))


async def mark_failed(session: AsyncSession, survey_id: uuid.UUID, at: datetime) -> None:
    """The gateway refused the first SMS for good (a bad number): the survey failed."""
    survey = await session.get(Survey, survey_id, with_for_update=True)
    if survey is not None and survey.status == "scheduled":
        survey.status = "failed"
        survey.closed_at = at


async def expire_due(session: AsyncSession, runtime: Runtime) -> int:
    """Close surveys (and comment windows) whose time ran out; returns how many surveys expired."""
    current = now(runtime)
    due = (
        (
            await session.execute(
                select(Survey)
                .where(
                    Survey.expires_at <= current,  # type: ignore[operator]
                    or_(
                        Survey.status == "asking",
                        and_(Survey.status == "completed", Survey.awaiting_comment.is_(True)),  # type: ignore[attr-defined]
                    ),
                )
                .limit(500)
                .with_for_update(skip_locked=True)  # a reply holding a survey is left to the next sweep
            )
        )
        .scalars()
        .all()
    )
    expired = 0
    for survey in due:
        outcome = machine.expire(state_of(survey), current)
        store_state(survey, outcome.state)
        if any(isinstance(e, machine.Expired) for e in outcome.effects):
            survey.closed_at = current
            await sms.cancel_pending(session, survey.id)
            await session.flush()
            await publish(session, runtime, SurveyExpired(survey=snapshot(survey), at=current))
            expired += 1
    return expired
