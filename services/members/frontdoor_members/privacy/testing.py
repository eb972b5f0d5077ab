"""Helpers for the privacy tests (and any scenario that needs a member touching every table):
`seed_everything` writes one row (or more) in every member-keyed table for one member."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from frontdoor_common.bus.tables import outbox
from frontdoor_members.audit import service as audit
from frontdoor_members.calls.models import CallRecord
from frontdoor_members.contacts.models import Contact, VerificationAttempt
from frontdoor_members.courses.models import Course, CourseSignup
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.forwards.models import FollowUp, Forward, OutgoingMail
from frontdoor_members.keywords.models import EntryKeyword, KeywordExtraction
from frontdoor_members.members.models import Invoice, PowerOfAttorney
from frontdoor_members.membership.models import MembershipChange
from frontdoor_members.messages.models import Message, MessageAttachment, MessageReply
from frontdoor_members.notices.models import MemberNotice
from frontdoor_members.testing import context_of
from frontdoor_members.trends.models import ContactRecord

CALLER_NUMBER = "+4799887766"  # a number the member called from (not one of their registered phones)
MESSAGE_TEXT = "Jeg har et spørsmål om kontingenten min, hilsen Astrid"
REPLY_TEXT = "Hei Astrid, vi ser på saken din."
DOSSIER_TEXT = "Astrid ringte om sykemelding <script>alert('x')</script>"
FORWARD_TEXT = "Astrid trenger hjelp med arbeidsavtalen"
NOTICE_TEXT = "Hei Astrid, påminnelse om kurset i morgen"
GRANTEE = "Ola Fjellheim"


@dataclass
class Seeded:
    """What `seed_everything` wrote: ids by table name."""

    member_id: uuid.UUID
    ids: dict[str, list[uuid.UUID]] = field(default_factory=dict)


async def seed_everything(app: FastAPI, tenant: str, member_id: uuid.UUID, *, at: datetime) -> Seeded:
    """One row for the member in every member-keyed table (and the tables hanging on them)."""
    ctx = context_of(app)
    seeded = Seeded(member_id)

    def note(row: Any) -> Any:
        seeded.ids.setdefault(row.__tablename__, []).append(row.id if hasattr(row, "id") else row.entry_id)
        return row

    async with ctx.db.transaction() as s:
        s.add(
            note(
                Invoice(
                    tenant_id=tenant,
                    member_id=member_id,
                    kid=f"9{uuid.uuid4().int % 10**12:012d}",
                    amount=Decimal("450.00"),
                    due_date=date(2026, 12, 1),
                    description="dues December",
                    created_at=at,
                )
            )
        )
        s.add(
            note(
                PowerOfAttorney(
                    tenant_id=tenant,
                    member_id=member_id,
                    grantee_name=GRANTEE,
                    grantee_phone="+4791112222",
                    granted_via_contact_id=uuid.uuid4(),
                    recorded_by="agent-1",
                    granted_at=at,
                )
            )
        )
        contact = note(
            Contact(
                tenant_id=tenant,
                channel="phone",
                caller_number=CALLER_NUMBER,
                agent="agent-1",
                recognised_member_id=member_id,
                member_id=member_id,
                level="member",
                created_at=at,
                expires_at=at + timedelta(hours=1),
            )
        )
        s.add(contact)
        await s.flush()
        s.add(
            note(
                VerificationAttempt(
                    tenant_id=tenant,
                    contact_id=contact.id,
                    method="member",
                    success=True,
                    member_id=member_id,
                    caller_number=CALLER_NUMBER,
                    agent="agent-1",
                    at=at,
                )
            )
        )
        call_id = uuid.uuid4()
        s.add(
            note(
                CallRecord(
                    tenant_id=tenant,
                    call_id=call_id,
                    member_id=member_id,
                    end_state="completed",
                    ended_at=at,
                    completed={"call_id": str(call_id), "caller_number": CALLER_NUMBER, "state": "completed"},
                    created_at=at,
                    updated_at=at,
                )
            )
        )
        entry = note(
            DossierEntry(
                tenant_id=tenant,
                member_id=member_id,
                kind="log",
                channel="phone",
                reason="dues_invoice",
                summary=DOSSIER_TEXT,
                outcome="resolved",
                noted_on=at.date(),
                author="agent-1",
                occurred_at=at,
                created_at=at,
            )
        )
        s.add(entry)
        await s.flush()
        s.add(KeywordExtraction(entry_id=entry.id, tenant_id=tenant, keywords=1, text_chars=40, extracted_at=at))
        s.add(
            note(
                EntryKeyword(
                    tenant_id=tenant,
                    entry_id=entry.id,
                    keyword="sykemelding",
                    rank=0,
                    day=at.date(),
                    week=at.strftime("%G-W%V"),
                    created_at=at,
                )
            )
        )
        s.add(
            note(
                MembershipChange(
                    tenant_id=tenant,
                    member_id=member_id,
                    kind="move_union",
                    to_union="Fellesforbundet",
                    requested_on=at.date(),
                    note="Astrid flytter til annet forbund",
                    requested_by="agent-1",
                    created_at=at,
                    updated_at=at,
                )
            )
        )
        s.add(
            note(
                ContactRecord(
                    tenant_id=tenant,
                    call_id=call_id,
                    entry_id=entry.id,
                    member_id=member_id,
                    reason="dues_invoice",
                    channel="phone",
                    occurred_at=at,
                    created_at=at,
                )
            )
        )
        forward = note(
            Forward(
                tenant_id=tenant,
                member_id=member_id,
                department_id=uuid.uuid4(),
                reason="employment_contract",
                summary=FORWARD_TEXT,
                author="agent-1",
                created_at=at,
            )
        )
        s.add(forward)
        await s.flush()
        s.add(
            note(
                OutgoingMail(
                    tenant_id=tenant,
                    forward_id=forward.id,
                    to_address="jus@union.example",
                    subject="Henvendelse: Astrid Fjellheim",
                    body=FORWARD_TEXT,
                    message_id=f"<{uuid.uuid4()}@union.example>",
                    next_attempt_at=at,
                    created_at=at,
                )
            )
        )
        s.add(
            note(
                FollowUp(
                    tenant_id=tenant,
                    member_id=member_id,
                    forward_id=forward.id,
                    deadline=at.date() + timedelta(days=7),
                    escalate_at=at + timedelta(days=5),
                    created_at=at,
                )
            )
        )
        course = Course(
            tenant_id=tenant,
            title="Tillitsvalgtkurs",
            starts_at=at + timedelta(days=10),
            ends_at=at + timedelta(days=10, hours=3),
            seats=10,
            seats_taken=1,
            signup_deadline=at + timedelta(days=9),
            created_at=at,
            updated_at=at,
        )
        s.add(course)
        await s.flush()
        s.add(
            note(
                CourseSignup(
                    tenant_id=tenant,
                    course_id=course.id,
                    member_id=member_id,
                    status="confirmed",
                    author="agent-1",
                    created_at=at,
                    confirmed_at=at,
                )
            )
        )
        message = note(
            Message(
                tenant_id=tenant,
                channel="email",
                mailbox="kontakt",
                sender_address="astrid.fjellheim@example.org",
                sender_name="Astrid Fjellheim",
                member_id=member_id,
                identified_by="email",
                subject="Kontingent",
                text_encrypted=ctx.vault.encrypt(MESSAGE_TEXT),
                text_chars=len(MESSAGE_TEXT),
                received_at=at,
            )
        )
        s.add(message)
        await s.flush()
        s.add(
            note(
                MessageAttachment(
                    tenant_id=tenant, message_id=message.id, filename="lonnsslipp.pdf", content_type="application/pdf"
                )
            )
        )
        reply_mail = note(
            OutgoingMail(
                tenant_id=tenant,
                to_address="astrid.fjellheim@example.org",
                subject="Re: Kontingent",
                body=REPLY_TEXT,
                message_id=f"<{uuid.uuid4()}@union.example>",
                next_attempt_at=at,
                created_at=at,
            )
        )
        s.add(reply_mail)
        await s.flush()
        s.add(
            note(
                MessageReply(
                    tenant_id=tenant,
                    message_id=message.id,
                    mail_id=reply_mail.id,
                    text_encrypted=ctx.vault.encrypt(REPLY_TEXT),
                    author="agent-1",
                    created_at=at,
                )
            )
        )
        s.add(
            note(
                MemberNotice(
                    tenant_id=tenant,
                    member_id=member_id,
                    kind="course_reminder",
                    subject_id=course.id,
                    to_number="+4748123456",
                    body=NOTICE_TEXT,
                    not_before=at + timedelta(days=9),
                    created_at=at,
                )
            )
        )
        read = await audit.record_read(
            s,
            tenant_id=tenant,
            member_id=member_id,
            subject="agent-7",
            purpose="dues_question",
            fields=["national_id"],
            contact_id=contact.id,
            request_id="req-1",
            at=at,
        )
        seeded.ids.setdefault("personal_data_reads", []).append(read.id)
    return seeded


async def outbox_events(app: FastAPI, event_type: str) -> list[dict[str, Any]]:
    """The envelopes (parsed) of the outbox's events of `event_type`, oldest first."""
    async with context_of(app).db.transaction() as s:
        rows = (
            await s.execute(select(outbox.c.payload).where(outbox.c.type == event_type).order_by(outbox.c.id))
        ).all()
    return [json.loads(r.payload) for r in rows]


async def outbox_text(app: FastAPI) -> str:
    """Every outbox payload, concatenated (to look for plaintext in)."""
    async with context_of(app).db.transaction() as s:
        rows = (await s.execute(select(outbox.c.payload).order_by(outbox.c.id))).all()
    return "\n".join(r.payload for r in rows)
