"""Surveys: created from finished contacts, sent, closed by time (replies: `replies`). Never commits.

The decisions are made by the pure parts (`policy.rules`, `conversation.machine`); this
module loads their inputs, stores their outputs, queues the SMS and stages the events.
`SurveyService` is built once, in the composition root, with the clock, the notifier and the
SMS outbox.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import get_args

from sqlalchemy import ColumnElement, and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_common.clock import Clock
from frontdoor_common.logging import get_logger
from frontdoor_surveys.conversation import machine
from frontdoor_surveys.gateway import service as sms
from frontdoor_surveys.gateway.service import SmsOutbox
from frontdoor_surveys.policy import rules
from frontdoor_surveys.policy import service as policies
from frontdoor_surveys.surveys.contacts import ContactFinished, contact_from_json, contact_to_json, with_member
from frontdoor_surveys.surveys.models import ContactLink, OptOut, Survey
from frontdoor_surveys.surveys.notifier import SurveysNotifier

log = get_logger(__name__)

# Surveys that count as "surveyed" for the once-per-N-days rule.
SURVEYED = ("scheduled", "asking", "completed", "expired", "opted_out")
_STATUSES: dict[str, machine.Status] = {status: status for status in get_args(machine.Status)}


class SurveyService:
    """Creating, sending and closing surveys, on the service's clock; events through the notifier."""

    def __init__(
        self, *, clock: Clock, notifier: SurveysNotifier, sms: SmsOutbox, late_identification: timedelta
    ) -> None:
        self.clock = clock
        self.notifier = notifier
        self.sms = sms
        # a contact skipped for want of a member waits this long for its identification
        self.late_identification = late_identification

    async def consider_contact(self, session: AsyncSession, finished: ContactFinished) -> Survey | None:
        """Apply the tenant's policy to a finished contact: a scheduled survey, a skipped one, or None if seen.

        A contact without a member whose caller was identified already (routing.call.identified came
        first) gets that member; one skipped for want of a member waits for its identification.
        """
        source_key = f"{finished.source}:{finished.source_id}"
        seen = (
            await session.execute(
                select(col(Survey.skip_reason)).where(
                    col(Survey.tenant_id) == finished.tenant_id, col(Survey.source_key) == source_key
                )
            )
        ).first()
        if finished.erased:
            return None if seen is not None else await self._skip_erased(session, finished, source_key)
        if seen is not None:
            if finished.contact.member_id is not None and seen.skip_reason == "no_member":
                # the callback's own completion knows the member routing's completion did not: as identified
                return await self.contact_identified(
                    session, tenant_id=finished.tenant_id, source_key=source_key, member_id=finished.contact.member_id
                )
            return None  # the same contact again (a re-published event, or the callback's own completion)
        link = None
        if finished.contact.member_id is None:
            link = await session.get(ContactLink, (finished.tenant_id, source_key), with_for_update=True)
            if link is not None and link.member_id is not None:
                finished = with_member(finished, link.member_id)
        survey = Survey(
            tenant_id=finished.tenant_id,
            source=finished.source,
            source_key=source_key,
            contact_completed_at=finished.completed_at,
            status="skipped",
            created_at=self.clock.now(),
        )
        await self._apply_policy(session, finished, survey)
        if survey.status == "skipped" and survey.skip_reason == "no_member":
            # kept (with the number) until the caller is identified or the window closes
            now = self.clock.now()
            if link is None:
                link = ContactLink(tenant_id=finished.tenant_id, source_key=source_key, updated_at=now)
                session.add(link)
            link.contact = contact_to_json(finished)
            link.updated_at = now
            await session.flush()
        return survey

    async def _skip_erased(self, session: AsyncSession, finished: ContactFinished, source_key: str) -> Survey:
        """A contact whose caller was erased (its number's key is gone): recorded as skipped, with
        nothing personal (no member, no number), so a re-published event changes nothing."""
        survey = Survey(
            tenant_id=finished.tenant_id,
            source=finished.source,
            source_key=source_key,
            call_id=finished.call_id,
            callback_id=finished.callback_id,
            queue_id=finished.queue_id,
            agent_id=finished.agent_id,
            team_id=finished.team_id,
            contact_completed_at=finished.completed_at,
            status="skipped",
            skip_reason="erased",
            created_at=self.clock.now(),
        )
        session.add(survey)
        # a link waiting for this contact may hold the member: the contact is not to be surveyed
        await session.execute(
            delete(ContactLink).where(
                col(ContactLink.tenant_id) == finished.tenant_id, col(ContactLink.source_key) == source_key
            )
        )
        await session.flush()
        log.info("no survey", tenant=finished.tenant_id, source=source_key, reason="erased")
        return survey

    async def contact_identified(
        self, session: AsyncSession, *, tenant_id: str, source_key: str, member_id: uuid.UUID
    ) -> Survey | None:
        """The caller of a contact was identified after the call started: remember the member for a
        completion still to come, or apply the policy now to a completed contact that was skipped for
        want of a member, as if the member had been known. Redelivery changes nothing. The survey
        (re)decided now, or None."""
        current = self.clock.now()
        link = await session.get(ContactLink, (tenant_id, source_key), with_for_update=True)
        if link is None:
            link = ContactLink(tenant_id=tenant_id, source_key=source_key, updated_at=current)
            session.add(link)
        link.member_id = member_id
        link.updated_at = current
        pending, link.contact = link.contact, None
        await session.flush()
        survey = (
            await session.execute(
                select(Survey)
                .where(col(Survey.tenant_id) == tenant_id, col(Survey.source_key) == source_key)
                .with_for_update()
            )
        ).scalar_one_or_none()
        if survey is None:
            return None  # the completion is still to come: it reads the member from the link
        if survey.status != "skipped" or survey.skip_reason != "no_member" or pending is None:
            if survey.member_id is None and survey.status != "skipped":
                survey.member_id = member_id  # surveyed without a member (policy allows it): link it now
            return None
        finished = with_member(contact_from_json(pending), member_id)
        if current - finished.completed_at > self.late_identification:
            return None  # identified too late to ask about that call
        await self._apply_policy(session, finished, survey)
        return survey

    async def forget_unidentified(self, session: AsyncSession) -> int:
        """Drop contacts that waited longer than the window for their member (they hold the number)."""
        cutoff = self.clock.now() - self.late_identification
        result = await session.execute(delete(ContactLink).where(col(ContactLink.updated_at) < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    async def _apply_policy(self, session: AsyncSession, finished: ContactFinished, survey: Survey) -> None:
        """Decide and store on `survey` (new, or a skipped one decided again): skipped with the reason,
        or scheduled with its first SMS queued."""
        policy = await policies.load_policy(session, finished.tenant_id)
        current = self.clock.now()
        contact = finished.contact
        number = rules.normalize_number(contact.number, policy.country)
        decision = rules.decide(
            contact,
            policy,
            opted_out=await is_opted_out(session, finished.tenant_id, number, contact.member_id),
            last_surveyed_at=await last_surveyed_at(session, finished.tenant_id, contact.member_id, number),
            now=current,
        )
        survey.call_id = finished.call_id
        survey.callback_id = finished.callback_id
        survey.member_id = contact.member_id
        survey.language = decision.language
        survey.queue_id = finished.queue_id
        survey.agent_id = finished.agent_id
        survey.team_id = finished.team_id
        survey.contact_completed_at = finished.completed_at
        survey.created_at = current
        survey.status = "skipped"
        survey.skip_reason = decision.reason
        if not decision.survey or decision.number is None:
            session.add(survey)
            await session.flush()
            log.info("no survey", tenant=finished.tenant_id, source=survey.source_key, reason=decision.reason)
            return
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
        await self.sms.enqueue(
            session,
            tenant_id=survey.tenant_id,
            to=decision.number,
            body=outcome.messages[0],
            kind="first",
            not_before=send_at,
            survey_id=survey.id,
        )

    async def mark_sent(self, session: AsyncSession, survey_id: uuid.UUID, at: datetime) -> None:
        """The first SMS left: the survey asks and its expiry starts; SurveySent."""
        survey = await session.get(Survey, survey_id, with_for_update=True)
        if survey is None or survey.status != "scheduled":
            return
        policy = await policies.load_policy(session, survey.tenant_id)
        store_state(survey, machine.sent(state_of(survey), at, policy.expiry))
        survey.sent_at = at
        await session.flush()
        await self.notifier.sent(session, survey, at)

    async def mark_failed(self, session: AsyncSession, survey_id: uuid.UUID, at: datetime) -> None:
        """The gateway refused the first SMS for good (a bad number): the survey failed."""
        survey = await session.get(Survey, survey_id, with_for_update=True)
        if survey is not None and survey.status == "scheduled":
            survey.status = "failed"
            survey.closed_at = at

    async def expire_due(self, session: AsyncSession) -> int:
        """Close surveys (and comment windows) whose time ran out; returns how many surveys expired."""
        current = self.clock.now()
        due = (
            (
                await session.execute(
                    select(Survey)
                    .where(
                        col(Survey.expires_at) <= current,
                        or_(
                            col(Survey.status) == "asking",
                            and_(col(Survey.status) == "completed", col(Survey.awaiting_comment).is_(True)),
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
                await self.notifier.expired(session, survey, current)
                expired += 1
        return expired


def objection_key(member_id: uuid.UUID) -> str:
    """The opt-out row of a member's objection (art. 21): keyed by the member, not by a number, so
    it holds whatever number they call from (never a real number: E.164 has no letters)."""
    return f"obj:{member_id.hex[:16]}"


async def record_objection(session: AsyncSession, tenant_id: str, member_id: uuid.UUID, at: datetime) -> int:
    """A member objected to surveys: an opt-out of the member, and their scheduled surveys skipped
    (their SMS dropped before leaving). Returns how many were skipped; a redelivery changes nothing."""
    if await session.get(OptOut, (tenant_id, objection_key(member_id))) is None:
        session.add(OptOut(tenant_id=tenant_id, phone=objection_key(member_id), member_id=member_id, created_at=at))
    scheduled = (
        await session.scalars(
            select(Survey).where(
                col(Survey.tenant_id) == tenant_id,
                col(Survey.member_id) == member_id,
                col(Survey.status) == "scheduled",
            )
        )
    ).all()
    for survey in scheduled:
        survey.status = "skipped"
        survey.skip_reason = "objected"
        survey.closed_at = at
        await sms.cancel_pending(session, survey.id)
    await session.flush()
    return len(scheduled)


async def is_opted_out(session: AsyncSession, tenant_id: str, number: str | None, member_id: uuid.UUID | None) -> bool:
    """Whether the number or the member replied STOP to this tenant before."""
    conditions: list[ColumnElement[bool]] = []
    if number:
        conditions.append(col(OptOut.phone) == number)
    if member_id is not None:
        conditions.append(col(OptOut.member_id) == member_id)
    if not conditions:
        return False
    found = await session.scalar(
        select(col(OptOut.phone)).where(col(OptOut.tenant_id) == tenant_id, or_(*conditions)).limit(1)
    )
    return found is not None


async def last_surveyed_at(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID | None, number: str | None
) -> datetime | None:
    """When the member (or, without a member, the number) was last surveyed by this tenant."""
    if member_id is not None:
        who = col(Survey.member_id) == member_id
    elif number:
        who = col(Survey.phone) == number
    else:
        return None
    result: datetime | None = await session.scalar(
        select(col(Survey.created_at))
        .where(col(Survey.tenant_id) == tenant_id, who, col(Survey.status).in_(SURVEYED))
        .order_by(col(Survey.created_at).desc())
        .limit(1)
    )
    return result


def state_of(survey: Survey) -> machine.SurveyState:
    """The conversation's state as the row holds it."""
    return machine.SurveyState(
        status=_STATUSES[survey.status],
        language=survey.language,
        questions=tuple(survey.questions),
        answers=tuple(survey.answers),
        clarified_step=survey.clarified_step,
        awaiting_comment=survey.awaiting_comment,
        comment=survey.comment,
        expires_at=survey.expires_at,
    )


def store_state(survey: Survey, state: machine.SurveyState) -> None:
    """Write the conversation's state back to the row."""
    survey.status = state.status
    survey.answers = list(state.answers)
    survey.clarified_step = state.clarified_step
    survey.awaiting_comment = state.awaiting_comment
    survey.comment = state.comment
    survey.expires_at = state.expires_at
