"""Replies: an inbound SMS, deduplicated by the provider's message id, applied to its survey. Never commits.

`ReplyService` is built once, in the composition root, with the clock, the notifier and the SMS outbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_common.bus.events import Envelope
from frontdoor_common.clock import Clock
from frontdoor_common.logging import get_logger
from frontdoor_surveys.conversation import machine
from frontdoor_surveys.gateway import service as sms
from frontdoor_surveys.gateway import tenants
from frontdoor_surveys.gateway.service import SmsOutbox
from frontdoor_surveys.policy import service as policies
from frontdoor_surveys.surveys import service
from frontdoor_surveys.surveys.models import InboundSms, OptOut, Survey
from frontdoor_surveys.surveys.notifier import SurveysNotifier

log = get_logger(__name__)


@dataclass(frozen=True)
class InboundResult:
    """What an inbound SMS did: answered, clarified, opted_out, ..., duplicate or unmatched."""

    status: str
    survey_id: uuid.UUID | None = None


async def _record_inbound(session: AsyncSession, values: dict[str, object]) -> bool:
    dialect = session.bind.dialect.name if session.bind is not None else ""
    table = InboundSms.metadata.tables[str(InboundSms.__tablename__)]
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert_fn(table).values(**values).on_conflict_do_nothing(index_elements=["scope", "provider_message_id"])
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


async def _survey_for_reply(session: AsyncSession, number: str, tenant_id: str | None) -> Survey | None:
    """The survey a reply from `number` belongs to: the newest open one, else the newest at all.

    Only the tenant's own surveys when the reply came in for a tenant; for the platform gateway's
    webhook (tenant_id None) only tenants that send through the platform gateway.
    """
    if tenant_id is not None:
        whose = col(Survey.tenant_id) == tenant_id
    else:
        whose = col(Survey.tenant_id).not_in(tenants.tenants_with_own_gateway())
    candidates = (
        (
            await session.execute(
                select(Survey)
                .where(col(Survey.phone) == number, whose, col(Survey.status).in_(service.SURVEYED))
                .order_by(col(Survey.created_at).desc())
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


class ReplyService:
    """Members' replies, on the service's clock; events through the notifier, answers through the SMS outbox."""

    def __init__(self, *, clock: Clock, notifier: SurveysNotifier, sms: SmsOutbox) -> None:
        self.clock = clock
        self.notifier = notifier
        self.sms = sms

    async def handle_inbound(
        self,
        session: AsyncSession,
        *,
        from_number: str,
        text: str,
        provider_message_id: str,
        to_number: str | None = None,
        tenant_id: str | None,
    ) -> InboundResult:
        """Apply a reply once (a redelivery with the same provider message id is a no-op).

        `tenant_id`: the tenant the webhook came in for (its own address, or a bearer token of it);
        None for the platform gateway's webhook. A reply never reaches another tenant's survey.
        """
        current = self.clock.now()
        inbound_id = uuid.uuid4()
        inserted = await _record_inbound(
            session,
            {
                "id": inbound_id,
                "scope": tenant_id or "platform",
                "tenant_id": tenant_id,
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
        survey = await _survey_for_reply(session, from_number, tenant_id)
        if survey is None:
            inbound.outcome = "unmatched"
            log.info("reply from an unknown number", provider_message_id=provider_message_id)
            return InboundResult("unmatched")
        inbound.tenant_id, inbound.survey_id = survey.tenant_id, survey.id
        result = await self.apply_reply(session, survey, text, current)
        inbound.outcome = result.status
        return result

    async def apply_reply(self, session: AsyncSession, survey: Survey, text: str, current: datetime) -> InboundResult:
        """Run the conversation on one reply and carry out what it decided."""
        policy = await policies.load_policy(session, survey.tenant_id)
        outcome = machine.reply(service.state_of(survey), text, current, policy.expiry)
        service.store_state(survey, outcome.state)
        survey.last_reply_at = current
        kind = "reply"
        status = "ignored"
        # Published after the effects are stored: every event carries the survey's final snapshot.
        events: list[Callable[[], Awaitable[Envelope]]] = []
        notify = self.notifier
        for effect in outcome.effects:
            match effect:
                case machine.Answered(question=q, value=v):
                    survey.score = machine.score(survey.answers) if survey.status == "completed" else None
                    kind, status = "question", "answered"
                    events.append(partial(notify.answered, session, survey, current, question=q, value=v))
                case machine.Completed():
                    survey.completed_at = current
                    survey.score = machine.score(survey.answers)
                    kind, status = "comment", "completed"
                    events.append(partial(notify.completed, session, survey, current))
                case machine.Commented():
                    survey.commented_at = current
                    kind, status = "thanks", "commented"
                    events.append(partial(notify.commented, session, survey, current))
                case machine.Clarified():
                    kind, status = "clarify", "clarified"
                case machine.OptedOut():
                    kind, status = "opted_out", "opted_out"
                    await _opt_out(session, survey, current)
                    events.append(partial(notify.opted_out, session, survey, current))
                case machine.Expired():
                    survey.closed_at = current
                    await sms.cancel_pending(session, survey.id)
                    events.append(partial(notify.expired, session, survey, current))
                case machine.Ignored(reason=reason):
                    status = f"ignored:{reason}" if status == "ignored" else status
        await session.flush()
        for publish in events:
            await publish()
        for body in outcome.messages:
            assert survey.phone is not None
            await self.sms.enqueue(
                session,
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
            OptOut(
                tenant_id=survey.tenant_id,
                phone=survey.phone,
                member_id=survey.member_id,
                survey_id=survey.id,
                created_at=at,
            )
        )
