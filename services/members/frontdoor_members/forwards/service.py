"""Forwarding an enquiry: the forward, its mail, the dossier's remark, the follow-up, the audit and
the events, all in the caller's one transaction (never commits). Follow-ups marked done."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.errors import InvalidInput, NotFound
from frontdoor_members.audit import service as audit
from frontdoor_members.dossier import service as dossier
from frontdoor_members.dossier.schemas import DossierEntryCreate
from frontdoor_members.forwards import deadlines, mail, repository
from frontdoor_members.forwards.models import FollowUp, Forward, OutgoingMail
from frontdoor_members.forwards.notifier import ForwardsNotifier
from frontdoor_members.forwards.schemas import ForwardCreate
from frontdoor_members.members import repository as members
from frontdoor_members.members.models import Member
from frontdoor_members.notifier import MembersNotifier
from frontdoor_members.tenants import repository as departments
from frontdoor_members.tenants import service as tenants
from frontdoor_members.tenants.models import Department

_HOOKED = "members_mail_hooked"


class MailQueue:
    """Queues mail in the caller's transaction; tells its listeners (the sender) once that commits."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def on_commit(self, listener: Callable[[], None]) -> None:
        """Call `listener` after a transaction that queued mail commits."""
        self._listeners.append(listener)

    def queued(self, session: AsyncSession) -> None:
        """Mail was added in `session`'s transaction."""
        if not self._listeners or session.info.get(_HOOKED):
            return
        session.info[_HOOKED] = True

        def _after_commit(_s: Any) -> None:
            session.info.pop(_HOOKED, None)
            for listener in self._listeners:
                listener()

        sa_event.listen(session.sync_session, "after_commit", _after_commit, once=True)


@dataclass(frozen=True)
class ForwardRules:
    """What forwarding needs from the settings."""

    mail_domain: str
    lead_working_days: int
    default_country: str
    default_timezone: str


def _usable_address(address: str | None) -> str | None:
    """The department's address if it is one plain address (one @, no spaces, no list), else None."""
    value = (address or "").strip()
    if value.count("@") != 1 or any(c.isspace() or c in ",;<>()\"'\\" for c in value):
        return None
    local, domain = value.split("@")
    return value if local and "." in domain else None


async def _department(session: AsyncSession, tenant_id: str, member: Member, body: ForwardCreate) -> Department:
    department_id = body.department_id or member.department_id
    if department_id is None:
        raise InvalidInput(
            "department_id: the member has no department; name the department to forward to.",
            error_id="department_required",
            field="department_id",
        )
    department = await tenants.require_department(session, tenant_id, department_id, "department_id")
    if not (department.email or "").strip():
        raise InvalidInput(
            "department_id: the department has no email address to forward to.",
            error_id="department_without_email",
            field="department_id",
        )
    if _usable_address(mail.one_line(department.email or "", "department_id")) is None:
        raise InvalidInput(
            "department_id: the department's email address is not a single plain address.",
            error_id="department_email_invalid",
            field="department_id",
        )
    return department


async def forward(
    session: AsyncSession,
    principal: Principal,
    notifier: ForwardsNotifier,
    members_notifier: MembersNotifier,
    queue: MailQueue,
    rules: ForwardRules,
    member_id: uuid.UUID,
    body: ForwardCreate,
    *,
    now: datetime,
    request_id: str | None,
) -> tuple[Forward, OutgoingMail, FollowUp | None, Department]:
    """Forward the member's enquiry to a department's case worker by email; 404 for another
    tenant's member, 422 naming the field for a department without email, a reason not the
    tenant's or with a line break, or a deadline in the past."""
    tenant_id = principal.tenant_id
    member = await members.require(session, tenant_id, member_id)
    department = await _department(session, tenant_id, member, body)
    reason = mail.one_line(body.reason, "reason")
    tenant_rules = await tenants.rules(session, tenant_id, rules.default_country)
    if reason not in tenant_rules.reasons:
        raise InvalidInput(
            "reason: not one of the tenant's contact reasons.",
            error_id="unknown_reason",
            field="reason",
            allowed=tenant_rules.reasons,
        )
    zone = await tenants.zone(session, tenant_id, rules.default_timezone)
    if body.deadline is not None and body.deadline < now.astimezone(zone).date():
        raise InvalidInput("deadline: the date has passed.", error_id="deadline_in_past", field="deadline")

    phones = [p.e164 for p in await members.phones(session, member.id)]
    row = Forward(
        tenant_id=tenant_id,
        member_id=member.id,
        department_id=department.id,
        reason=reason,
        summary=body.summary,
        deadline=body.deadline,
        author=principal.subject,
        created_at=now,
    )
    rendered = mail.render(
        forward_id=row.id,
        member=member,
        phones=phones,
        department=department,
        reason=reason,
        summary=body.summary,
        deadline=body.deadline,
        author=principal.subject,
        forwarded_at=now.astimezone(zone),  # the case worker reads the tenant's local time
    )
    session.add(row)
    await session.flush()
    outgoing = OutgoingMail(
        tenant_id=tenant_id,
        forward_id=row.id,
        to_address=rendered.to,
        subject=rendered.subject,
        body=rendered.body,
        message_id=mail.message_id(row.id, rules.mail_domain),
        next_attempt_at=now,
        created_at=now,
    )
    session.add(outgoing)

    remark = f"Forwarded by email to {department.name} ({department.code}), reason {reason}"
    if body.deadline is not None:
        remark += f"; the member's deadline is {body.deadline.isoformat()}"
    entry = await dossier.write(
        session,
        principal,
        members_notifier,
        member.id,
        DossierEntryCreate(
            kind="remark", channel="email", reason=reason, summary=f"{remark}.\n\n{body.summary}", noted_on=None
        ),
        now=now,
        default_country=rules.default_country,
    )
    row.dossier_entry_id = entry.id

    followup = None
    if body.deadline is not None:
        followup = FollowUp(
            tenant_id=tenant_id,
            member_id=member.id,
            forward_id=row.id,
            department_id=department.id,
            deadline=body.deadline,
            escalate_at=deadlines.escalate_at(
                body.deadline,
                lead_working_days=rules.lead_working_days,
                zone=zone,
                country=tenant_rules.country,
                now=now,
            ),
            created_at=now,
        )
        session.add(followup)
    await session.flush()

    # the mail discloses these of the member's data to the department: audited like a read
    disclosed = ["name", "member_number"] + [
        f for f, v in (("phones", phones), ("email", member.email), ("employer", member.employer)) if v
    ]
    if member.workplace:
        disclosed.append("workplace")
    await audit.record_read(
        session,
        tenant_id=tenant_id,
        member_id=member.id,
        subject=principal.subject,
        purpose="forwarded_to_department",
        fields=disclosed,
        contact_id=None,
        request_id=request_id,
        at=now,
    )
    await notifier.forwarded(session, row, followup)
    if followup is not None:
        await notifier.followup_recorded(session, followup)
    queue.queued(session)
    return row, outgoing, followup, department


async def require_forward(
    session: AsyncSession, tenant_id: str, forward_id: uuid.UUID
) -> tuple[Forward, OutgoingMail, FollowUp | None, Department | None]:
    """The tenant's forward with its mail, follow-up and department (404 otherwise, another tenant's included)."""
    row = await repository.forward(session, tenant_id, forward_id)
    outgoing = await repository.mail_of(session, forward_id) if row is not None else None
    if row is None or outgoing is None:
        raise NotFound("No such forward.", error_id="forward_not_found")
    followup = await repository.followup_of(session, row.id)
    return row, outgoing, followup, await departments.department(session, tenant_id, row.department_id)


async def page(
    session: AsyncSession, tenant_id: str, *, status: str | None, offset: int, limit: int
) -> list[tuple[Forward, OutgoingMail, FollowUp | None, Department | None]]:
    """A page of the tenant's forwards with their mail, follow-up and department, newest first."""
    statuses = {"pending": ["pending", "sending"], "sent": ["sent"], "failed": ["failed"]}.get(status or "")
    rows = await repository.forwards(session, tenant_id, statuses=statuses, offset=offset, limit=limit)
    ids = [r.id for r in rows]
    mails = await repository.mails_of(session, ids)
    followups = await repository.followups_of(session, ids)
    found: dict[uuid.UUID, Department | None] = {}
    for r in rows:
        if r.department_id not in found:
            found[r.department_id] = await departments.department(session, tenant_id, r.department_id)
    return [(r, mails[r.id], followups.get(r.id), found[r.department_id]) for r in rows if r.id in mails]


async def require_followup(session: AsyncSession, tenant_id: str, followup_id: uuid.UUID) -> FollowUp:
    """The tenant's follow-up (404 otherwise, another tenant's included)."""
    found = await repository.followup(session, tenant_id, followup_id)
    if found is None:
        raise NotFound("No such follow-up.", error_id="followup_not_found")
    return found


async def followups(
    session: AsyncSession, tenant_id: str, *, status: str | None, offset: int, limit: int
) -> list[FollowUp]:
    """A page of the tenant's follow-ups, the soonest escalation first."""
    return await repository.followups(session, tenant_id, status=status, offset=offset, limit=limit)


async def done(session: AsyncSession, principal: Principal, followup_id: uuid.UUID, *, now: datetime) -> FollowUp:
    """Mark a follow-up done (open or escalated); done again changes nothing."""
    found = await require_followup(session, principal.tenant_id, followup_id)
    if found.status != "done":
        found.status, found.done_at, found.done_by = "done", now, principal.subject
        await session.flush()
    return found
