"""Members' own part of the personal-data lifecycle (its `PrivacySpec`): the export of everything
it holds about a member, the erasure of it, and the retention windows it applies.

Export: one section per member-keyed table (`SECTIONS` names them; a test checks every table with
a member column is here), each row as the dict of its columns, the national ID and message texts
decrypted (it is the member's own access request), read as streams (never a whole list).

Erasure: the member row becomes a tombstone (status `erased`, fixed placeholders for every
personal field, the id kept so the erasure report and kept invoices refer to it); phones, powers
of attorney, messages (texts, attachments, replies and their mails) and the forwards' mails are
deleted; free texts (dossier summaries, forwards' summaries, membership notes, notices' texts) and
the caller numbers of contacts, verification attempts and calls are cleared. Rows the trends and
the seat counts count stay (anonymised). Kept by law or accountability: invoices (dues
accounting) and the audit of reads. A second run changes nothing and reports zeros.

Retention: `dossier_entries` past the window lose their free text (the keyword trends count their
keywords, which hang on the entry, so the entry stays with its kind, reason, outcome and dates);
`messages` past the window are deleted (text, attachments, replies and the replies' mails);
`audit_entries` are pruned by the audit's own `prune_audit` (the chain stays verifiable).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events.privacy import ErasureRequested
from frontdoor_common.privacy.seal import is_sealed
from frontdoor_common.privacy.spec import ErasurePart, PrivacySpec, RetentionResult
from frontdoor_members.audit.models import PersonalDataRead
from frontdoor_members.calls.models import CallRecord
from frontdoor_members.contacts.models import Contact, VerificationAttempt
from frontdoor_members.context import MembersContext
from frontdoor_members.courses.models import Course, CourseSignup
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.forwards.models import FollowUp, Forward, OutgoingMail
from frontdoor_members.keywords.models import EntryKeyword
from frontdoor_members.members.models import Invoice, Member, MemberPhone, PowerOfAttorney
from frontdoor_members.membership.models import MembershipChange
from frontdoor_members.messages.models import Message, MessageAttachment, MessageReply
from frontdoor_members.notices.models import MemberNotice
from frontdoor_members.privacy import erasures
from frontdoor_members.privacy.models import ErasureRequest
from frontdoor_members.trends.models import ContactRecord

PAGE = 500  # rows fetched at a time by the export's streams

ERASED = "erased"
PLACEHOLDER_NAME = "(erased)"

KEPT = [
    "invoices: kept, dues accounting is kept by law (linked to the anonymised member record only)",
    "audit of reads of the member's personal data (personal_data_reads): kept, accountability for who read what",
    "the member record's id, as an anonymised tombstone (status erased): the report and kept invoices refer to it",
    "course sign-ups, contact records and dossier entries without their texts or keywords: counted by seat"
    " counts and the contact-reason trends, linked to the tombstone only",
]


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


MEMBERS = _t(Member)
PHONES = _t(MemberPhone)
INVOICES = _t(Invoice)
POWERS = _t(PowerOfAttorney)
CONTACTS = _t(Contact)
ATTEMPTS = _t(VerificationAttempt)
CALLS = _t(CallRecord)
DOSSIER = _t(DossierEntry)
KEYWORDS = _t(EntryKeyword)
CHANGES = _t(MembershipChange)
RECORDS = _t(ContactRecord)
READS = _t(PersonalDataRead)
FORWARDS = _t(Forward)
MAILS = _t(OutgoingMail)
FOLLOWUPS = _t(FollowUp)
SIGNUPS = _t(CourseSignup)
COURSES = _t(Course)
MESSAGES = _t(Message)
ATTACHMENTS = _t(MessageAttachment)
REPLIES = _t(MessageReply)
NOTICES = _t(MemberNotice)
ERASURES = _t(ErasureRequest)

# table -> the export's section holding its rows: every table keyed by a member (a test checks that
# each table with a member column is listed, so a new one cannot be forgotten)
SECTIONS: dict[str, str] = {
    "members": "member",
    "member_phones": "phones",
    "invoices": "invoices",
    "powers_of_attorney": "powers_of_attorney",
    "contacts": "contacts",
    "verification_attempts": "verification_attempts",
    "call_records": "calls",
    "dossier_entries": "dossier",
    "entry_keywords": "dossier_keywords",
    "membership_changes": "membership_changes",
    "contact_records": "contact_records",
    "personal_data_reads": "audit",
    "forwards": "forwards",
    "mail_outgoing": "mails",
    "followups": "followups",
    "course_signups": "course_signups",
    "messages": "messages",
    "message_attachments": "message_attachments",
    "message_replies": "message_replies",
    "member_notices": "notices",
    "erasure_requests": "erasure_requests",
}


# ------------------------------------------------------------------------------------------ export


async def _rows(session: AsyncSession, query: Select[Any]) -> AsyncIterator[dict[str, Any]]:
    """The query's rows as dicts, streamed `PAGE` at a time."""
    result = await session.stream(query.execution_options(yield_per=PAGE))
    async for row in result:
        yield dict(row._mapping)


def _member_messages(tenant: str, member_id: uuid.UUID, email: str | None) -> ColumnElement[bool]:
    """The member's messages: linked to them, or sent from their address and linked to nobody yet
    (a message linked to someone else sharing the address is theirs)."""
    linked: ColumnElement[bool] = MESSAGES.c.member_id == member_id
    if email:
        unlinked_from_them = and_(
            MESSAGES.c.member_id.is_(None), func.lower(MESSAGES.c.sender_address) == email.strip().lower()
        )
        linked = or_(linked, unlinked_from_them)
    return (MESSAGES.c.tenant_id == tenant) & linked


def _decrypt(ctx: MembersContext, token: str | None) -> str | None:
    if not token:
        return None
    try:
        return ctx.vault.decrypt(token)
    except Exception:  # a token no configured key opens: say so, never fail the whole export
        return "(unreadable: encrypted with a key no longer configured)"


async def export(
    ctx: MembersContext, session: AsyncSession, tenant: str, member_id: uuid.UUID
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Every item members holds about the member, section by section (nothing for another tenant's)."""
    member = (
        (await session.execute(select(MEMBERS).where(MEMBERS.c.id == member_id, MEMBERS.c.tenant_id == tenant)))
        .mappings()
        .first()
    )
    if member is None:
        return
    item = {k: v for k, v in member.items() if k not in ("national_id_encrypted", "national_id_digest")}
    item["national_id"] = _decrypt(ctx, member["national_id_encrypted"])
    yield "member", item
    email = member["email"]

    def of(table: Table, *order: Any) -> Select[Any]:
        return select(table).where(table.c.tenant_id == tenant, table.c.member_id == member_id).order_by(*order)

    simple: list[tuple[str, Select[Any]]] = [
        ("phones", of(PHONES, PHONES.c.position)),
        ("invoices", of(INVOICES, INVOICES.c.due_date, INVOICES.c.id)),
        ("powers_of_attorney", of(POWERS, POWERS.c.granted_at, POWERS.c.id)),
        (
            "contacts",
            select(CONTACTS)
            .where(
                CONTACTS.c.tenant_id == tenant,
                or_(CONTACTS.c.member_id == member_id, CONTACTS.c.recognised_member_id == member_id),
            )
            .order_by(CONTACTS.c.created_at, CONTACTS.c.id),
        ),
        ("verification_attempts", of(ATTEMPTS, ATTEMPTS.c.at, ATTEMPTS.c.id)),
        ("calls", of(CALLS, CALLS.c.created_at, CALLS.c.id)),
        ("dossier", of(DOSSIER, DOSSIER.c.occurred_at, DOSSIER.c.id)),
        (
            "dossier_keywords",
            select(KEYWORDS)
            .join(DOSSIER, DOSSIER.c.id == KEYWORDS.c.entry_id)
            .where(DOSSIER.c.tenant_id == tenant, DOSSIER.c.member_id == member_id)
            .order_by(KEYWORDS.c.day, KEYWORDS.c.id),
        ),
        ("membership_changes", of(CHANGES, CHANGES.c.created_at, CHANGES.c.id)),
        ("contact_records", of(RECORDS, RECORDS.c.occurred_at, RECORDS.c.id)),
        ("forwards", of(FORWARDS, FORWARDS.c.created_at, FORWARDS.c.id)),
        (
            "mails",
            select(MAILS)
            .where(
                MAILS.c.tenant_id == tenant,
                or_(
                    MAILS.c.forward_id.in_(
                        select(FORWARDS.c.id).where(FORWARDS.c.tenant_id == tenant, FORWARDS.c.member_id == member_id)
                    ),
                    MAILS.c.id.in_(
                        select(REPLIES.c.mail_id).where(
                            REPLIES.c.message_id.in_(
                                select(MESSAGES.c.id).where(_member_messages(tenant, member_id, email))
                            )
                        )
                    ),
                ),
            )
            .order_by(MAILS.c.created_at, MAILS.c.id),
        ),
        ("followups", of(FOLLOWUPS, FOLLOWUPS.c.created_at, FOLLOWUPS.c.id)),
        (
            "course_signups",
            select(SIGNUPS, COURSES.c.title.label("course_title"), COURSES.c.starts_at.label("course_starts_at"))
            .join(COURSES, COURSES.c.id == SIGNUPS.c.course_id)
            .where(SIGNUPS.c.tenant_id == tenant, SIGNUPS.c.member_id == member_id)
            .order_by(SIGNUPS.c.created_at, SIGNUPS.c.id),
        ),
        ("notices", of(NOTICES, NOTICES.c.created_at, NOTICES.c.id)),
        (
            "audit",
            select(READS).where(READS.c.tenant_id == tenant, READS.c.member_id == member_id).order_by(READS.c.seq),
        ),
        ("erasure_requests", of(ERASURES, ERASURES.c.requested_at)),
    ]
    for section, query in simple:
        async for row in _rows(session, query):
            yield section, row

    messages = select(MESSAGES).where(_member_messages(tenant, member_id, email))
    async for row in _rows(session, messages.order_by(MESSAGES.c.received_at, MESSAGES.c.id)):
        token = row.pop("text_encrypted", None)
        row["text"] = _decrypt(ctx, token)
        yield "messages", row
    ids = select(MESSAGES.c.id).where(_member_messages(tenant, member_id, email))
    attachments = (
        select(ATTACHMENTS)
        .where(ATTACHMENTS.c.message_id.in_(ids))
        .order_by(ATTACHMENTS.c.message_id, ATTACHMENTS.c.position)
    )
    async for row in _rows(session, attachments):
        yield "message_attachments", row
    replies = select(REPLIES).where(REPLIES.c.message_id.in_(ids)).order_by(REPLIES.c.created_at, REPLIES.c.id)
    async for row in _rows(session, replies):
        token = row.pop("text_encrypted", None)
        row["text"] = _decrypt(ctx, token)
        yield "message_replies", row


# ----------------------------------------------------------------------------------------- erasure


async def _count(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def _delete_messages(session: AsyncSession, which: ColumnElement[bool]) -> int:
    """Delete the messages `which` selects, with their attachments, replies and the replies' mails."""
    ids = select(MESSAGES.c.id).where(which)
    await session.execute(delete(ATTACHMENTS).where(ATTACHMENTS.c.message_id.in_(ids)))
    reply_mails = select(REPLIES.c.mail_id).where(REPLIES.c.message_id.in_(ids))
    await session.execute(delete(MAILS).where(MAILS.c.id.in_(reply_mails)))  # before the replies naming them
    await session.execute(delete(REPLIES).where(REPLIES.c.message_id.in_(ids)))
    return await _count(session, delete(MESSAGES).where(which))


async def erase(ctx: MembersContext, session: AsyncSession, request: ErasureRequested) -> ErasurePart:
    """Anonymise the member (see the module's docstring); idempotent."""
    tenant, member_id = request.tenant_id, request.member_id
    member = await erasures.member_row(session, tenant, member_id, lock=True)
    if member is None:
        return ErasurePart(done={}, kept=[])
    numbers = await erasures.known_numbers(session, tenant, member_id)
    email = member.email
    done: dict[str, int] = {}

    def of(table: Table) -> ColumnElement[bool]:
        return (table.c.tenant_id == tenant) & (table.c.member_id == member_id)

    done["phones"] = await _count(session, delete(PHONES).where(of(PHONES)))
    done["powers_of_attorney"] = await _count(session, delete(POWERS).where(of(POWERS)))
    done["messages"] = await _delete_messages(session, _member_messages(tenant, member_id, email))
    forwards = select(FORWARDS.c.id).where(of(FORWARDS))
    done["forward_mails"] = await _count(session, delete(MAILS).where(MAILS.c.forward_id.in_(forwards)))
    done["forwards"] = await _count(
        session, update(FORWARDS).where(of(FORWARDS), FORWARDS.c.summary != "").values(summary="")
    )
    done["notices"] = await _count(
        session,
        update(NOTICES)
        .where(of(NOTICES), or_(NOTICES.c.body != "", NOTICES.c.to_number != ""))
        .values(body="", to_number=""),
    )
    done["dossier_entries"] = await _count(
        session, update(DOSSIER).where(of(DOSSIER), DOSSIER.c.summary.is_not(None)).values(summary=None)
    )
    # the keywords extracted from the member's texts are words of those texts (a street, a name):
    # they go with them (the keyword trends lose the member's share; the reason trends count entries)
    done["dossier_keywords"] = await _count(
        session, delete(KEYWORDS).where(KEYWORDS.c.entry_id.in_(select(DOSSIER.c.id).where(of(DOSSIER))))
    )
    done["membership_changes"] = await _count(
        session,
        update(CHANGES)
        .where(of(CHANGES), or_(CHANGES.c.note.is_not(None), CHANGES.c.to_union.is_not(None)))
        .values(note=None, to_union=None),
    )
    done["contacts"] = await _count(
        session,
        update(CONTACTS)
        .where(
            CONTACTS.c.tenant_id == tenant,
            or_(CONTACTS.c.member_id == member_id, CONTACTS.c.recognised_member_id == member_id),
            CONTACTS.c.caller_number.is_not(None),
        )
        .values(caller_number=None),
    )
    done["verification_attempts"] = await _count(
        session,
        update(ATTEMPTS).where(of(ATTEMPTS), ATTEMPTS.c.caller_number.is_not(None)).values(caller_number=None),
    )
    calls = 0
    rows = await session.execute(select(CALLS.c.id, CALLS.c.completed).where(of(CALLS), CALLS.c.completed.is_not(None)))
    for call_id, completed in rows.all():
        if isinstance(completed, dict) and any(completed.get(k) for k in ("caller_number", "transferred_to_number")):
            cleared = {**completed, "caller_number": None, "transferred_to_number": None}
            await session.execute(update(CALLS).where(CALLS.c.id == call_id).values(completed=cleared))
            calls += 1
    done["calls"] = calls
    done["member"] = 0
    if not is_tombstone(member):  # (its status is `erased` from the request on: see erasures.request)
        _tombstone(member, ctx.clock.now())
        session.add(member)
        done["member"] = 1
    await session.flush()
    return ErasurePart(
        done=done, kept=list(KEPT), subjects=erasures.phone_subjects(n for n in numbers if not is_sealed(n))
    )


def is_tombstone(member: Member) -> bool:
    """Whether the member row is anonymised already (its number is derived from its id)."""
    return member.member_number == f"erased-{member.id.hex[:24]}"


def _tombstone(member: Member, now: datetime) -> None:
    """Every personal field replaced by a fixed placeholder or cleared; the id and tenant stay."""
    member.member_number = f"erased-{member.id.hex[:24]}"  # unique per tenant, derived from nothing personal
    member.first_name = PLACEHOLDER_NAME
    member.last_name = PLACEHOLDER_NAME
    member.national_id_encrypted = None
    member.national_id_masked = None
    member.national_id_kind = None
    member.national_id_digest = None
    member.email = None
    member.address_line1 = None
    member.address_line2 = None
    member.postal_code = None
    member.city = None
    member.address_country = None
    member.returned_mail = False
    member.employer = None
    member.workplace = None
    member.is_shop_steward = False
    member.shop_steward_name = None
    member.insurances = []
    member.joined_on = None
    member.left_on = None
    member.status = ERASED
    member.updated_at = now  # the phone index's change marker: its entries for the member go


# --------------------------------------------------------------------------------------- retention


async def retain_dossier(ctx: MembersContext, session: AsyncSession, tenant: str, cutoff: datetime) -> RetentionResult:
    """Entries that occurred before `cutoff` lose their free text (anonymised, not deleted: the
    keyword trends count their keywords, which hang on the entry)."""
    n = await _count(
        session,
        update(DOSSIER)
        .where(DOSSIER.c.tenant_id == tenant, DOSSIER.c.occurred_at < cutoff, DOSSIER.c.summary.is_not(None))
        .values(summary=None),
    )
    return RetentionResult(anonymised=n)


async def retain_messages(ctx: MembersContext, session: AsyncSession, tenant: str, cutoff: datetime) -> RetentionResult:
    """Messages received before `cutoff` are deleted (texts, attachments, replies, replies' mails)."""
    which = (MESSAGES.c.tenant_id == tenant) & (MESSAGES.c.received_at < cutoff)
    return RetentionResult(deleted=await _delete_messages(session, which))


async def retain_audit(ctx: MembersContext, session: AsyncSession, tenant: str, cutoff: datetime) -> RetentionResult:
    """The audit of reads before `cutoff`, pruned so the chain stays verifiable (the audit's own code)."""
    from frontdoor_members.audit.retention import prune_audit  # type: ignore[import-not-found,unused-ignore]

    deleted: int = await prune_audit(session, tenant, cutoff)
    return RetentionResult(deleted=deleted)


def spec() -> PrivacySpec[MembersContext]:
    """Members' `PrivacySpec` (its `app.py` declares it)."""
    return PrivacySpec(
        export=export,
        erase=erase,
        retention={"dossier_entries": retain_dossier, "messages": retain_messages, "audit_entries": retain_audit},
    )
