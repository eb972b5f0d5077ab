"""Queues ("loops"): POST/GET /v1/queues, GET/PATCH /v1/queues/{id}."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from frontdoor_routing.auth import Reader, Writer
from frontdoor_routing.context import ContextDep
from frontdoor_routing.queues import service
from frontdoor_routing.queues.schemas import QueueCreate, QueueUpdate, QueueView

router = APIRouter(prefix="/v1/queues", tags=["queues"])


@router.post("", status_code=201, response_model=QueueView, summary="Create a queue")
async def create_queue(body: QueueCreate, ctx: ContextDep, principal: Writer) -> QueueView:
    return await service.create_queue(ctx.engine, principal.tenant_id, body)


@router.get("", response_model=list[QueueView], summary="The tenant's queues")
async def list_queues(ctx: ContextDep, principal: Reader) -> list[QueueView]:
    return await service.list_queues(ctx.engine, principal.tenant_id)


@router.get("/{queue_id}", response_model=QueueView, summary="One queue")
async def get_queue(queue_id: uuid.UUID, ctx: ContextDep, principal: Reader) -> QueueView:
    return await service.get_queue(ctx.engine, principal.tenant_id, queue_id)


@router.patch("/{queue_id}", response_model=QueueView, summary="Change a queue's settings")
async def update_queue(queue_id: uuid.UUID, body: QueueUpdate, ctx: ContextDep, principal: Writer) -> QueueView:
    return await service.update_queue(ctx.engine, principal.tenant_id, queue_id, body)
