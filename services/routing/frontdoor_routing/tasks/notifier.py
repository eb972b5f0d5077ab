"""Task events: a task row becomes its snapshot here (in one place), events leave through the outbox.

A mutation stages them with the calls' events (`Mutation.emit`); the routing notifier writes them
all in one outbox statement in the mutation's transaction, so the task's change and its events
commit together.
"""

from __future__ import annotations

from typing import Any, TypeVar

from frontdoor_common.events import tasks as tev
from frontdoor_common.notifier import snapshot
from frontdoor_routing.tasks.models import Task

TaskEventT = TypeVar("TaskEventT", bound=tev.TaskEvent)


def task_snapshot(task: Task) -> tev.TaskSnapshot:
    """The event/API snapshot of a task row (its answer time and service level derived)."""
    answer = None
    within = None
    if task.completed_at is not None:
        answer = (task.completed_at - task.received_at).total_seconds()
        within = answer <= task.service_level_seconds
    return snapshot(tev.TaskSnapshot, task, task_id=task.id, answer_seconds=answer, within_service_level=within)


def task_event(kind: type[TaskEventT], task: Task, **fields: Any) -> TaskEventT:
    """A task event of `kind` carrying the task's snapshot as of now."""
    return kind(task=task_snapshot(task), **fields)
