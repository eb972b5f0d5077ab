"""KPI arithmetic: one definition, used by the real-time stats and the KPI report.

- inbound-call figures count calls the CTI posted; callback tasks queued for a callback
  (a web-form callback, a callback retried later) have figures of their own. A caller who
  left a queue callback while waiting was an inbound call: their entry stays one, keeps its
  place, and counts as answered when the callback is taken (never as abandoned);
- offered: calls that entered a queue (closed-hours and no-agent calls are not offered);
- answered: offered calls an agent answered; abandoned: offered calls the caller left;
- accessibility = answered / offered;
- service level = answered within the queue's target / answered; the variant
  `service_level_incl_abandoned` = answered within target / (answered + abandoned after target);
- transfer rate = answered calls transferred onward / answered;
- ASA = mean wait of answered calls (from the original arrival); AHT = mean talk + wrap-up.

Tasks (members' emails and web forms) have figures of their own by channel (`compute_tasks`),
each against its queue's `task_service_level_seconds` (stored on the task when it was queued):
completed = ended (the reply queued, `answered`, or closed by the agent, `done`); service level =
completed within target / completed; `service_level_incl_open` also counts the tasks still open
past their target at the report's end. Calls' figures never include tasks (another table).

A call counts for the queue it first entered (`original_queue_id`), so a transfer never
counts one caller twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from frontdoor_routing.stats.schemas import Kpi, TaskKpi


class CallFacts(Protocol):
    """The columns KPI arithmetic reads."""

    queued_at: datetime | None
    arrived_at: datetime
    answered_at: datetime | None
    abandoned_at: datetime | None
    transfers: int
    transferred_out: bool
    talk_seconds: float
    wrapup_seconds: float
    completed_at: datetime | None
    service_level_seconds: int | None
    state: str


TASK_PREFIX = "callback:"  # the cti_call_id of a task routing queued for a dispatched callback


def is_task(c: object) -> bool:
    """Whether a call row is a callback task rather than a call the CTI posted."""
    return str(getattr(c, "cti_call_id", "") or "").startswith(TASK_PREFIX)


def compute(calls: Iterable[CallFacts], default_target: int = 20, *, kind: str = "call") -> Kpi:
    """KPIs over the inbound calls (`kind="call"`) or the callback tasks (`kind="callback"`)."""
    k = Kpi()
    waits: list[float] = []
    handles: list[float] = []
    for c in calls:
        if c.queued_at is None or is_task(c) != (kind == "callback"):
            continue
        k.offered += 1
        target = c.service_level_seconds or default_target
        if c.answered_at is not None:
            k.answered += 1
            wait = (c.answered_at - c.arrived_at).total_seconds()
            waits.append(wait)
            if wait <= target:
                k.answered_within_target += 1
            if c.transfers > 0 or c.transferred_out:
                k.transferred += 1
            if c.completed_at is not None:
                handles.append(c.talk_seconds + c.wrapup_seconds)
        elif c.abandoned_at is not None:
            k.abandoned += 1
            if (c.abandoned_at - c.arrived_at).total_seconds() > target:
                k.abandoned_after_target += 1
    if k.offered:
        k.accessibility = round(k.answered / k.offered, 4)
    if k.answered:
        k.service_level = round(k.answered_within_target / k.answered, 4)
        k.transfer_rate = round(k.transferred / k.answered, 4)
        k.asa_seconds = round(sum(waits) / len(waits), 2)
    if k.answered + k.abandoned_after_target:
        k.service_level_incl_abandoned = round(k.answered_within_target / (k.answered + k.abandoned_after_target), 4)
    if handles:
        k.aht_seconds = round(sum(handles) / len(handles), 2)
    return k


class TaskFacts(Protocol):
    """The columns task KPI arithmetic reads."""

    state: str
    received_at: datetime
    accepted_at: datetime | None
    completed_at: datetime | None
    resolution: str | None
    service_level_seconds: int


def compute_tasks(tasks: Iterable[TaskFacts], now: datetime) -> TaskKpi:
    """KPIs over tasks (one channel's): their own targets; open ones judged at `now`."""
    k = TaskKpi()
    answers: list[float] = []
    pickups: list[float] = []
    held: list[float] = []
    for t in tasks:
        k.received += 1
        if t.state == "unrouted":
            k.unrouted += 1
        if t.accepted_at is not None:
            pickups.append((t.accepted_at - t.received_at).total_seconds())
        if t.completed_at is not None:
            k.completed += 1
            k.answered += t.resolution == "answered"
            answer = (t.completed_at - t.received_at).total_seconds()
            answers.append(answer)
            if answer <= t.service_level_seconds:
                k.completed_within_target += 1
            if t.accepted_at is not None:
                held.append((t.completed_at - t.accepted_at).total_seconds())
        else:
            k.open += 1
            if (now - t.received_at).total_seconds() > t.service_level_seconds:
                k.open_past_target += 1
    if k.completed:
        k.service_level = round(k.completed_within_target / k.completed, 4)
    if k.completed + k.open_past_target:
        k.service_level_incl_open = round(k.completed_within_target / (k.completed + k.open_past_target), 4)
    if answers:
        k.mean_answer_seconds = round(sum(answers) / len(answers), 2)
    if pickups:
        k.mean_pickup_seconds = round(sum(pickups) / len(pickups), 2)
    if held:
        k.mean_held_seconds = round(sum(held) / len(held), 2)
    return k
