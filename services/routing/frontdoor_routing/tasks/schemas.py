"""Response models of the tasks (`/v1/tasks`)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from frontdoor_common.events.tasks import TaskSnapshot

TaskStateFilter = Literal["queued", "offered", "accepted", "completed", "unrouted", "open"]


class TaskView(BaseModel):
    """A task, its place in its queue and its live offer."""

    task: TaskSnapshot
    position: int | None = Field(default=None, description="1 first, among the tasks waiting in its queue")
    offer_id: uuid.UUID | None = Field(default=None, description="the live offer (state `offered`)")


class TaskList(BaseModel):
    """GET /v1/tasks: oldest first."""

    items: list[TaskView]
