"""The personal-data lifecycle's events (issue 17): erasure requests and each service's report,
retention windows and what each service's daily job did.

`members.erasure.requested` names the member and the subjects whose seal keys every service
erases (keyed digests: the request itself carries no personal data). Each service answers on its
own topic with `<service>.erasure.completed`: what it removed or anonymised (counts by kind) and
what it kept and why. Members follows the answers and reports the request complete when every
service has answered.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Event

# The kinds of data a tenant sets a retention window for (days); a service applies the ones it holds.
RETENTION_KINDS: tuple[str, ...] = (
    "call_records",  # routing's calls and tasks; callbacks' copies of answered calls
    "callbacks",  # callbacks' requests and attempts
    "dossier_entries",  # members' dossier
    "messages",  # members' emails and web forms (texts and attachments)
    "survey_answers",  # surveys' answers and comments
    "sms_bodies",  # the texts of SMS sent and received
    "audit_entries",  # the audit of reads of personal data (the chain stays verifiable)
    "bookings",  # agents' meetings with members
)

# What a member may object to (art. 21): the processing the union does on its legitimate interest.
ObjectionTo = Literal["surveys"]

# The services that answer an erasure request (members included: it handles its own request). The
# console holds no member's data (its tables: staff's sessions, preferences, desks).
ERASURE_SERVICES: tuple[str, ...] = ("members", "routing", "callbacks", "surveys", "agents")


class ErasureRequested(Event):
    """A member's personal data is to be erased (art. 17) everywhere."""

    name = "members.erasure.requested"
    topic = topics.MEMBERS
    erasure_id: uuid.UUID
    tenant_id: str
    member_id: uuid.UUID
    # keyed digests (FRONTDOOR_SUBJECT_DIGEST_KEY) of the member and of every phone number known
    # to be theirs: every service erases its seal keys of these subjects
    subjects: list[str] = []
    requested_at: datetime

    def key(self) -> str:
        return str(self.member_id)


class MemberObjected(Event):
    """A member objected to processing done on the union's legitimate interest (art. 21): from now
    on none of it for them (`surveys`: no satisfaction survey, whatever number they call from)."""

    name = "members.member.objected"
    topic = topics.MEMBERS
    tenant_id: str
    member_id: uuid.UUID
    to: list[ObjectionTo]
    at: datetime

    def key(self) -> str:
        return str(self.member_id)


class ErasureReport(BaseModel):
    """One service's part of an erasure."""

    done: dict[str, int] = {}  # what was removed or anonymised, counted by kind
    kept: list[str] = []  # what was kept and why (the law, an aggregate)
    keys_shredded: int = 0


class ErasureCompleted(Event):
    """Base: a service did its part of an erasure request (each service's topic)."""

    erasure_id: uuid.UUID
    tenant_id: str
    member_id: uuid.UUID
    service: str
    report: ErasureReport
    completed_at: datetime

    def key(self) -> str:
        return str(self.member_id)


class MembersErasureCompleted(ErasureCompleted):
    name = "members.erasure.completed"
    topic = topics.MEMBERS


class RoutingErasureCompleted(ErasureCompleted):
    name = "routing.erasure.completed"
    topic = topics.ROUTING


class CallbacksErasureCompleted(ErasureCompleted):
    name = "callbacks.erasure.completed"
    topic = topics.CALLBACKS


class SurveysErasureCompleted(ErasureCompleted):
    name = "surveys.erasure.completed"
    topic = topics.SURVEYS


class AgentsErasureCompleted(ErasureCompleted):
    name = "agents.erasure.completed"
    topic = topics.AGENTS


class RetentionChanged(Event):
    """The tenant's retention windows (days per kind; absent = kept until deleted). Carries the whole
    set, so the latest event is the truth."""

    name = "members.tenant.retention_changed"
    topic = topics.MEMBERS
    tenant_id: str
    windows: dict[str, int]
    at: datetime

    def key(self) -> str:
        return self.tenant_id


class RetentionApplied(Event):
    """Base: a service's retention job removed or anonymised what passed a window."""

    tenant_id: str
    service: str
    kind: str
    window_days: int
    cutoff: datetime
    deleted: int = 0
    anonymised: int = 0
    at: datetime

    def key(self) -> str:
        return self.tenant_id


class MembersRetentionApplied(RetentionApplied):
    name = "members.retention.applied"
    topic = topics.MEMBERS


class RoutingRetentionApplied(RetentionApplied):
    name = "routing.retention.applied"
    topic = topics.ROUTING


class CallbacksRetentionApplied(RetentionApplied):
    name = "callbacks.retention.applied"
    topic = topics.CALLBACKS


class SurveysRetentionApplied(RetentionApplied):
    name = "surveys.retention.applied"
    topic = topics.SURVEYS


class AgentsRetentionApplied(RetentionApplied):
    name = "agents.retention.applied"
    topic = topics.AGENTS


COMPLETED: dict[str, type[ErasureCompleted]] = {
    "members": MembersErasureCompleted,
    "routing": RoutingErasureCompleted,
    "callbacks": CallbacksErasureCompleted,
    "surveys": SurveysErasureCompleted,
    "agents": AgentsErasureCompleted,
}
APPLIED: dict[str, type[RetentionApplied]] = {
    "members": MembersRetentionApplied,
    "routing": RoutingRetentionApplied,
    "callbacks": CallbacksRetentionApplied,
    "surveys": SurveysRetentionApplied,
    "agents": AgentsRetentionApplied,
}
