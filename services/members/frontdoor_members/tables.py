"""Every table of the members service, registered on one metadata.

Alembic's environment, the benchmark and the tests that compare or empty the tables import
this module; nothing in the service imports it, so the registry never closes an import cycle.
"""

from __future__ import annotations

from frontdoor_members.audit.models import AuditChainHead, PersonalDataRead
from frontdoor_members.calls.models import CallRecord
from frontdoor_members.contacts.models import Contact, VerificationAttempt
from frontdoor_members.courses.models import Course, CourseFeed, CourseSignup
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.forwards.models import FollowUp, Forward, OutgoingMail
from frontdoor_members.keywords.models import EntryKeyword, KeywordExtraction
from frontdoor_members.members.models import Invoice, Member, MemberPhone, PowerOfAttorney
from frontdoor_members.membership.models import MembershipChange
from frontdoor_members.messages.models import Mailbox, Message, MessageAttachment, MessageReply
from frontdoor_members.models import metadata
from frontdoor_members.notices.models import MemberNotice
from frontdoor_members.playbooks.models import Playbook
from frontdoor_members.privacy.models import ErasureRequest
from frontdoor_members.tenants.models import Department, TenantSettings, TenantZone
from frontdoor_members.trends.models import ContactRecord

TABLES = (
    TenantSettings,
    TenantZone,
    Department,
    Playbook,
    Member,
    MemberPhone,
    Invoice,
    PowerOfAttorney,
    Contact,
    VerificationAttempt,
    CallRecord,
    DossierEntry,
    MembershipChange,
    ContactRecord,
    PersonalDataRead,
    AuditChainHead,
    Forward,
    OutgoingMail,
    FollowUp,
    KeywordExtraction,
    EntryKeyword,
    Course,
    CourseSignup,
    Mailbox,
    Message,
    MessageAttachment,
    MessageReply,
    CourseFeed,
    MemberNotice,
    ErasureRequest,
)

__all__ = ["TABLES", "metadata"]
