"""One tenant's routing state: its core and the tables around it (memory only).

The state holds copies of queue rows bound to no session (`detached`), so a rolled-back
transaction can never leave memory expired or half-changed.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from frontdoor_routing.core.estimate import estimated_wait
from frontdoor_routing.core.model import STRATEGIES, OverflowStep, QueueRules, Strategy
from frontdoor_routing.core.router import Router
from frontdoor_routing.core.tasks import TaskQueueRules, TaskRouter
from frontdoor_routing.models import AgentView, Queue

# Until the agents service says otherwise (its own defaults): a Norwegian tenant.
DEFAULT_TIMEZONE = "Europe/Oslo"
DEFAULT_COUNTRY = "NO"

# Why a queue or a tenant is closed (from the agents service's opening events).
ClosedReason = Literal["hours", "holiday", "closure", "manual"]
CLOSED_REASONS: tuple[ClosedReason, ...] = ("hours", "holiday", "closure", "manual")


def ts(value: datetime) -> float:
    """Datetime -> core time (epoch seconds)."""
    return value.timestamp()


def dt(value: float) -> datetime:
    """Core time -> aware UTC datetime."""
    return datetime.fromtimestamp(value, tz=UTC)


def as_uuid(value: Hashable) -> uuid.UUID:
    """A core id as the UUID routing gave it (the core keeps ids opaque)."""
    if not isinstance(value, uuid.UUID):
        raise TypeError(f"not a routing id: {value!r}")
    return value


@dataclass(slots=True)
class OfferInfo:
    """A live offer: the core's int id mapped to the API's UUID."""

    offer_id: uuid.UUID
    core_id: int
    call_id: uuid.UUID
    agent_id: uuid.UUID
    queue_id: uuid.UUID
    expires_at: float


@dataclass(slots=True)
class TaskOfferInfo:
    """A live task offer: the core's int id mapped to the API's UUID."""

    offer_id: uuid.UUID
    core_id: int
    task_id: uuid.UUID
    agent_id: uuid.UUID
    queue_id: uuid.UUID
    expires_at: float


@dataclass(slots=True)
class AgentInfo:
    """What routing knows about an agent besides the core's view."""

    presence: str = "logged_out"
    team_id: uuid.UUID | None = None
    queues: dict[uuid.UUID, int] = field(default_factory=dict)
    not_responding_since: datetime | None = None

    def memberships(self) -> dict[Hashable, int]:
        """The agent's queues as the core takes them (queue -> proficiency)."""
        return {queue_id: proficiency for queue_id, proficiency in self.queues.items()}


def offerable(view: AgentView) -> bool:
    """Whether routing may offer calls to the agent of this replica row.

    Routing itself knows when an agent is on a call or in wrap-up; from the agents service it
    needs: present (not away or logged out), not blocked by the calendar, and not marked
    not-responding by routing after their last presence change.
    """
    if not view.active or view.blocked or view.presence not in ("available", "on_call", "wrap_up"):
        return False
    if view.not_responding_since is not None:
        since = view.presence_since
        if since is None or since <= view.not_responding_since:
            return False
    return True


@dataclass
class TenantState:
    """One tenant's core and the lookup tables around it."""

    tenant_id: str
    router: Router
    queues: dict[uuid.UUID, Queue] = field(default_factory=dict)
    open: bool = True
    offers: dict[int, OfferInfo] = field(default_factory=dict)
    offers_by_uuid: dict[uuid.UUID, int] = field(default_factory=dict)
    closed_offers: OrderedDict[uuid.UUID, str] = field(default_factory=OrderedDict)
    agents: dict[uuid.UUID, AgentInfo] = field(default_factory=dict)
    logged_in: dict[uuid.UUID, set[uuid.UUID]] = field(default_factory=dict)
    aht_seconds: float = 180.0
    open_reason: str | None = None
    next_change_at: datetime | None = None
    timezone: str = DEFAULT_TIMEZONE  # from agents.tenant.settings_changed
    country: str = DEFAULT_COUNTRY
    reasons: tuple[str, ...] | None = None  # from members.tenant.reasons_changed; None: none yet
    # The task channel (emails, web forms): its own lane of the core, its offers in flight.
    tasks: TaskRouter = field(default_factory=TaskRouter)
    task_offer_timeout: float = 120.0
    task_offers: dict[int, TaskOfferInfo] = field(default_factory=dict)

    def zone(self) -> ZoneInfo:
        """The tenant's time zone (the default when the stored name is unknown here)."""
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(DEFAULT_TIMEZONE)

    def opening(self, q: Queue) -> tuple[bool, str | None, datetime | None]:
        """(open now, why closed, when it next opens): the tenant's and the queue's openings together."""
        closers = [
            (r, n)
            for o, r, n in (
                (self.open, self.open_reason, self.next_change_at),
                (q.open, q.open_reason, q.next_change_at),
            )
            if not o
        ]
        if not closers:
            return True, None, None
        why = closers[0][0] or "hours"
        whens = [n for _r, n in closers if n is not None]
        next_open = max(whens) if len(whens) == len(closers) else None
        return False, why, next_open

    def queue_by_digit(self, digit: str) -> Queue | None:
        """The active queue for an IVR digit."""
        return next((q for q in self.queues.values() if q.active and q.ivr_digit == digit), None)

    def switchboard(self) -> Queue | None:
        """The switchboard queue (English callers)."""
        return next((q for q in self.queues.values() if q.active and q.is_switchboard), None)

    def staffed(self, queue_id: uuid.UUID) -> int:
        """Agents logged in to the queue."""
        return len(self.logged_in.get(queue_id, ()))

    def estimated_wait(self, queue_id: uuid.UUID, position: int | None) -> int | None:
        """Seconds until a caller at `position` is offered (the one estimator: see core/estimate.py)."""
        if position is None:
            return None
        return estimated_wait(position, self.staffed(queue_id), self.router.idle_count(queue_id), self.aht_seconds)

    def remember_closed_offer(self, offer_id: uuid.UUID, why: str) -> None:
        """Keep recent ended offers, so a second accept is a 409, not a 404."""
        self.closed_offers[offer_id] = why
        while len(self.closed_offers) > 10_000:
            self.closed_offers.popitem(last=False)

    def add_offer(self, info: OfferInfo) -> None:
        """An offer in flight, under both its ids."""
        self.offers[info.core_id] = info
        self.offers_by_uuid[info.offer_id] = info.core_id

    def drop_offer(self, core_id: int, why: str) -> OfferInfo | None:
        """An offer ended (accepted, withdrawn): forget it, remember that it closed and why."""
        info = self.offers.pop(core_id, None)
        if info is not None:
            self.offers_by_uuid.pop(info.offer_id, None)
            self.remember_closed_offer(info.offer_id, why)
        return info

    def drop_task_offer(self, core_id: int, why: str) -> TaskOfferInfo | None:
        """A task offer ended (accepted, withdrawn): forget it, remember that it closed and why."""
        info = self.task_offers.pop(core_id, None)
        if info is not None:
            self.remember_closed_offer(info.offer_id, why)
        return info

    def learn_agent(self, view: AgentView) -> AgentInfo:
        """Take an agent's replica row: presence, team, the queues they are logged in to."""
        info = self.agents.setdefault(view.agent_id, AgentInfo())
        for queue_id in info.queues:
            self.logged_in.get(queue_id, set()).discard(view.agent_id)
        info.presence = view.presence
        info.team_id = view.team_id
        info.queues = (
            {
                uuid.UUID(str(m["queue_id"])): int(m.get("proficiency", 3))
                for m in view.queues
                if uuid.UUID(str(m["queue_id"])) in self.queues
            }
            if view.active
            else {}
        )
        info.not_responding_since = view.not_responding_since
        if view.presence != "logged_out" and view.active:
            for queue_id in info.queues:
                self.logged_in.setdefault(queue_id, set()).add(view.agent_id)
        return info


def detached(q: Queue) -> Queue:
    """A copy of a queue row bound to no session: what a tenant's state holds.

    The tenant's state outlives every transaction; holding a session's own row would let a
    rolled-back change (which expires the row) or an unsaved one leak into memory.
    """
    values = {name: getattr(q, name) for name in Queue.model_fields}
    values["overflow"] = [dict(s) for s in (values.get("overflow") or [])]
    values["message_mailboxes"] = list(values.get("message_mailboxes") or [])
    values["message_reasons"] = list(values.get("message_reasons") or [])
    return Queue(**values)


def strategy_of(name: str) -> Strategy:
    """A stored strategy name as the core's (an unknown one is the core's default)."""
    return next((s for s in STRATEGIES if s == name), "longest_idle")


def queue_rules(q: Queue) -> QueueRules:
    """The core's view of a queue row."""
    return QueueRules(
        q.id,
        strategy=strategy_of(q.strategy),
        priority=q.priority,
        overflow=tuple(
            OverflowStep(float(s["after_seconds"]), tuple(uuid.UUID(str(x)) for x in s["queue_ids"]))
            for s in q.overflow
        ),
        offer_timeout=float(q.offer_timeout_seconds),
        wrapup=float(q.wrapup_seconds),
        max_wait=float(q.max_wait_seconds) if q.max_wait_seconds else None,
    )


def task_queue_rules(q: Queue, offer_timeout: float) -> TaskQueueRules:
    """The task lane's view of a queue row."""
    return TaskQueueRules(q.id, priority=q.priority, offer_timeout=offer_timeout)


@dataclass(slots=True)
class Memory:
    """What of a tenant lives only in memory, taken before a change so a failed change can keep it."""

    offers: dict[int, OfferInfo]
    aht_seconds: float
    closed_offers: OrderedDict[uuid.UUID, str]
    task_offers: dict[int, TaskOfferInfo] = field(default_factory=dict)

    @classmethod
    def of(cls, tenant: TenantState) -> Memory:
        """What `tenant` holds in memory only, now."""
        return cls(dict(tenant.offers), tenant.aht_seconds, tenant.closed_offers, dict(tenant.task_offers))
