"""Events published by the members service on `frontdoor.members.v1`.

Keyed by member id, so one member's events stay in order. No event ever carries a
national ID (not even masked) or a free-text summary: only what BI pipelines and the
other services need. Field names are a contract: extend, never rename.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Event

# The reasons members call, from the union texts: every tenant's list until it sets its own
# (members owns the list and announces each change with TenantReasonsChanged).
DEFAULT_REASONS: tuple[str, ...] = (
    "dues_invoice",
    "member_data_change",
    "join_leave_move",
    "insurance",
    "trouble",
    "law_agreements",
    "courses",
    "unemployment_benefit",
    "media",
    "other",
)

VerificationLevel = Literal["none", "member", "on_behalf_invoice", "third_party_case"]
MembershipChangeKind = Literal["join", "leave", "move_department", "move_union"]


class MemberSnapshot(BaseModel):
    """A member as other services may see them (no national ID, no address)."""

    member_id: uuid.UUID
    tenant_id: str
    member_number: str
    first_name: str
    last_name: str
    phones: list[str] = []
    has_email: bool = False
    returned_mail: bool = False
    placeholder_national_id: bool = False
    department_id: uuid.UUID | None = None
    status: str
    category: str
    employer: str | None = None
    workplace: str | None = None
    is_shop_steward: bool = False


class MembersEvent(Event):
    """Base of the members service's events."""

    topic = topics.MEMBERS


class MemberEvent(MembersEvent):
    """Base of member events: keyed by member id."""

    member: MemberSnapshot
    at: datetime

    def key(self) -> str:
        return str(self.member.member_id)


class MemberCreated(MemberEvent):
    """A member was registered."""

    name = "members.member.created"


class MemberUpdated(MemberEvent):
    """A member's data changed; `changed` names the fields (national_id when it was replaced)."""

    name = "members.member.updated"
    changed: list[str] = []


class DossierEntryAdded(MembersEvent):
    """An entry was added to a member's dossier (log, remark, call, callback, membership)."""

    name = "members.dossier.entry_added"
    entry_id: uuid.UUID
    member_id: uuid.UUID
    tenant_id: str
    kind: str
    channel: str | None = None
    reason: str | None = None
    outcome: str | None = None
    outcome_date: date | None = None
    call_id: uuid.UUID | None = None
    callback_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    occurred_at: datetime

    def key(self) -> str:
        return str(self.member_id)


class TenantReasonsChanged(MembersEvent):
    """The tenant's list of contact reasons (the one vocabulary every service validates
    against) was set. Carries the whole list, so the latest event is the truth."""

    name = "members.tenant.reasons_changed"
    tenant_id: str
    reasons: list[str]
    at: datetime

    def key(self) -> str:
        return self.tenant_id


class MembershipChangeEvent(MembersEvent):
    """Base of membership change events: keyed by member id."""

    change_id: uuid.UUID
    member_id: uuid.UUID
    tenant_id: str
    kind: MembershipChangeKind
    status: Literal["awaiting_confirmation", "confirmed", "cancelled"]
    from_department_id: uuid.UUID | None = None
    to_department_id: uuid.UUID | None = None
    requested_on: date
    effective_on: date | None = None
    confirmed_on: date | None = None

    def key(self) -> str:
        return str(self.member_id)


class MembershipChangeRequested(MembershipChangeEvent):
    """A join, leave or move was requested and awaits written confirmation."""

    name = "members.membership.change_requested"


class MembershipChangeConfirmed(MembershipChangeEvent):
    """The written confirmation arrived and the change was applied."""

    name = "members.membership.change_confirmed"


class ContactIdentified(MembersEvent):
    """A contact (e.g. a call) was matched to exactly one member by the caller's number."""

    name = "members.contact.identified"
    contact_id: uuid.UUID
    member_id: uuid.UUID
    tenant_id: str
    call_id: uuid.UUID | None = None
    at: datetime

    def key(self) -> str:
        return str(self.member_id)


class ContactVerified(MembersEvent):
    """A contact reached a verification level for a member."""

    name = "members.contact.verified"
    contact_id: uuid.UUID
    member_id: uuid.UUID
    tenant_id: str
    call_id: uuid.UUID | None = None
    level: VerificationLevel
    at: datetime

    def key(self) -> str:
        return str(self.member_id)


class ContactLocked(MembersEvent):
    """A contact reached the limit of failed verification attempts."""

    name = "members.contact.locked"
    contact_id: uuid.UUID
    tenant_id: str
    call_id: uuid.UUID | None = None
    failed_attempts: int
    at: datetime

    def key(self) -> str:
        return str(self.contact_id)


class EnquiryForwarded(MembersEvent):
    """A member's enquiry was forwarded by email to a department's case worker (the mail is
    queued; no summary and no member details travel in the event)."""

    name = "members.enquiry.forwarded"
    forward_id: uuid.UUID
    member_id: uuid.UUID
    tenant_id: str
    department_id: uuid.UUID
    reason: str
    deadline: date | None = None
    followup_id: uuid.UUID | None = None
    dossier_entry_id: uuid.UUID | None = None
    at: datetime

    def key(self) -> str:
        return str(self.member_id)


class FollowUpEvent(MembersEvent):
    """Base of follow-up events: a member's deadline that must not run out unseen."""

    followup_id: uuid.UUID
    member_id: uuid.UUID
    tenant_id: str
    forward_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    deadline: date
    escalate_at: datetime
    status: Literal["open", "escalated", "done"]
    at: datetime

    def key(self) -> str:
        return str(self.member_id)


class FollowUpRecorded(FollowUpEvent):
    """A member's deadline was recorded; it is escalated at `escalate_at` unless done before."""

    name = "members.followup.recorded"


class FollowUpEscalated(FollowUpEvent):
    """A follow-up's escalation time passed while it was still open (one event per follow-up)."""

    name = "members.followup.escalated"


SignupStatus = Literal["confirmed", "waiting", "cancelled", "course_cancelled"]


class CourseSignupEvent(MembersEvent):
    """Base of a member's course sign-up events: ids only (no names, no numbers); keyed by member id."""

    signup_id: uuid.UUID
    course_id: uuid.UUID
    member_id: uuid.UUID
    tenant_id: str
    status: SignupStatus
    position: int | None = None  # on the waiting list, 1 first; None with a seat
    dossier_entry_id: uuid.UUID | None = None
    at: datetime

    def key(self) -> str:
        return str(self.member_id)


class CourseSignedUp(CourseSignupEvent):
    """A member was signed up for a course: confirmed with a seat, or waiting at `position`."""

    name = "members.course.signed_up"


class CourseSignupCancelled(CourseSignupEvent):
    """A member's sign-up was cancelled; `promoted_signup_id` took the freed seat, if anyone did."""

    name = "members.course.signup_cancelled"
    promoted_signup_id: uuid.UUID | None = None


class CoursePromoted(CourseSignupEvent):
    """A waiting member got a freed seat (status confirmed): a notifier tells them."""

    name = "members.course.promoted"


class CancelledSignup(BaseModel):
    """A sign-up a cancelled course affected, and what it was before."""

    signup_id: uuid.UUID
    member_id: uuid.UUID
    was: Literal["confirmed", "waiting"]
    dossier_entry_id: uuid.UUID | None = None


class CourseCancelled(MembersEvent):
    """A course was cancelled; every member signed up or waiting is listed (once: cancelling
    again publishes nothing). Keyed by course id."""

    name = "members.course.cancelled"
    course_id: uuid.UUID
    tenant_id: str
    signups: list[CancelledSignup] = []
    at: datetime

    def key(self) -> str:
        return str(self.course_id)


# Messages: a member's email or web-form message, a contact in the same queues as calls.
MessageChannel = Literal["email", "webform"]


class MessageEvent(MembersEvent):
    """Base of message events: ids and routing facts only (no sender address, subject or text: an
    agent reads the message from members); keyed by message id."""

    message_id: uuid.UUID
    tenant_id: str
    channel: MessageChannel
    member_id: uuid.UUID | None = None  # None: the sender was not identified (an unidentified contact)
    department_id: uuid.UUID | None = None
    reason: str | None = None  # a code of the tenant's reasons, when the form or the mailbox names one
    mailbox: str | None = None  # which of the union's addresses or forms it came in through, e.g. "kontakt"

    def key(self) -> str:
        return str(self.message_id)


class MessageReceived(MessageEvent):
    """A message arrived and waits for an agent: routing makes it a task in a queue."""

    name = "members.message.received"
    received_at: datetime


class MessageAnswered(MessageEvent):
    """An agent's reply to the message was queued for sending (routing ends the task)."""

    name = "members.message.answered"
    agent_id: uuid.UUID | None = None
    answered_at: datetime


# Notices: what the platform tells a member (a booking's confirmation, the day-before reminder, a
# waiting list's move, the department's address when they leave or move). Members writes them, the
# surveys service's SMS gateway sends them.
NoticeKind = Literal[
    "course_confirmed",
    "course_waiting",
    "course_promoted",
    "course_signup_cancelled",
    "course_cancelled",
    "meeting_booked",
    "meeting_rescheduled",
    "meeting_cancelled",
    "meeting_reminder",
    "department_address",
]


class NoticeRequested(MembersEvent):
    """Send `body` to the member's number `to` from `not_before` on (once: `notice_id` is the key a
    sender deduplicates by). The one kind of members event that carries a number and a text: a
    notice is addressed; the text is the platform's template, never an agent's words."""

    name = "members.notice.requested"
    notice_id: uuid.UUID
    tenant_id: str
    member_id: uuid.UUID
    kind: NoticeKind
    to: str
    body: str
    not_before: datetime
    at: datetime

    def key(self) -> str:
        return str(self.member_id)


class NoticeWithdrawn(MembersEvent):
    """A notice not yet sent must not be sent (a reminder for a meeting that moved or was cancelled)."""

    name = "members.notice.withdrawn"
    notice_id: uuid.UUID
    tenant_id: str
    member_id: uuid.UUID
    at: datetime

    def key(self) -> str:
        return str(self.member_id)
