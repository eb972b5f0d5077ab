"""Tasks (emails, web forms): GET /v1/tasks, GET /v1/tasks/{id}, POST /v1/tasks/{id}/accept|decline|complete."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from frontdoor_routing.auth import ActorDep, Reader
from frontdoor_routing.context import ContextDep
from frontdoor_routing.tasks import service
from frontdoor_routing.tasks.schemas import TaskList, TaskStateFilter, TaskView

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])

HOLDER_ONLY = (
    "With `routing:agent` only the agent the task was offered to (accept, decline), or who holds it "
    "(complete), may act on it (403 `not_your_offer` / `not_your_task`); a token with `routing:write` "
    "may act on any task of the tenant. Offers reach the agent's stream `/v1/agents/{id}/offers` as "
    "`task_offer` events (with `channel`)."
)
RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "another agent's offer or task (`not_your_offer`, `not_your_task`), or the scope is missing"},
    404: {"description": "no such task in the tenant (`task_not_found`)"},
    409: {"description": "the task is not offered (`task_not_offered`) or not held (`task_not_held`)"},
}


@router.get("", response_model=TaskList, summary="The tenant's tasks, oldest first")
async def list_tasks(
    ctx: ContextDep,
    principal: Reader,
    state: Annotated[TaskStateFilter | None, Query(description="`open`: queued, offered or accepted")] = None,
    queue_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> TaskList:
    return await service.list_tasks(
        ctx.engine, principal.tenant_id, state=state, queue_id=queue_id, agent_id=agent_id, limit=limit
    )


@router.get(
    "/{task_id}",
    response_model=TaskView,
    summary="A task, its place and its live offer",
    responses={404: RESPONSES[404]},
)
async def get_task(task_id: uuid.UUID, ctx: ContextDep, principal: Reader) -> TaskView:
    return await service.get_task(ctx.engine, principal.tenant_id, task_id)


@router.post(
    "/{task_id}/accept",
    response_model=TaskView,
    summary="Accept the task offered to the agent (it is theirs until completed)",
    description=HOLDER_ONLY,
    responses=RESPONSES,
)
async def accept(task_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> TaskView:
    return await service.accept_task(ctx.engine, actor.tenant_id, task_id, as_agent=actor.agent_id)


@router.post(
    "/{task_id}/decline",
    response_model=TaskView,
    summary="Decline the task offered to the agent (it waits again, never offered to them again)",
    description=HOLDER_ONLY,
    responses=RESPONSES,
)
async def decline(task_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> TaskView:
    return await service.decline_task(ctx.engine, actor.tenant_id, task_id, as_agent=actor.agent_id)


@router.post(
    "/{task_id}/complete",
    response_model=TaskView,
    summary="Close a task the agent holds (`done`; a reply through members completes it as `answered`)",
    description=HOLDER_ONLY,
    responses=RESPONSES,
)
async def complete(task_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> TaskView:
    return await service.complete_task(ctx.engine, actor.tenant_id, task_id, as_agent=actor.agent_id)
