"""Offers to agents: their event streams, and accept or reject."""

from __future__ import annotations

import asyncio
import uuid

from frontdoor_common.errors import Conflict, NotFound
from frontdoor_routing.auth import not_holder
from frontdoor_routing.calls.schemas import CallView
from frontdoor_routing.calls.service import accept, tenant_call, view_of
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.engine.mutation import Mutation
from frontdoor_routing.engine.offer_hub import Message, offer_message
from frontdoor_routing.engine.task_lane import task_offer_message
from frontdoor_routing.engine.tenant import OfferInfo
from frontdoor_routing.models import Call
from frontdoor_routing.notifier import call_snapshot
from frontdoor_routing.tasks.models import Task


def _open_offer(m: Mutation, offer_id: uuid.UUID, detail: bool, as_agent: uuid.UUID | None) -> OfferInfo:
    offer = m.open_offer(offer_id)
    if offer is None:
        why = m.closed_offer(offer_id)
        if why is not None:
            text = f"The offer is no longer open ({why})." if detail else "The offer is no longer open."
            raise Conflict(text, error_id="offer_not_open")
        raise NotFound("No such offer.", error_id="offer_not_found")
    if as_agent is not None and as_agent != offer.agent_id:
        raise not_holder("offer")  # checked before anything moves: the refusal changes nothing
    return offer


async def accept_offer(
    engine: Engine, tenant_id: str, offer_id: uuid.UUID, *, as_agent: uuid.UUID | None = None
) -> CallView:
    """The agent takes the offered call: it is answered. `as_agent`: only if the offer is theirs."""
    async with engine.mutation(tenant_id) as m:
        offer = _open_offer(m, offer_id, True, as_agent)
        call = await tenant_call(m, offer.call_id)
        accept(m, call, offer)
        return view_of(m, call)


async def reject_offer(
    engine: Engine, tenant_id: str, offer_id: uuid.UUID, *, as_agent: uuid.UUID | None = None
) -> CallView:
    """The agent declines: the call waits again and is never offered to them again.

    `as_agent`: only if the offer is theirs."""
    async with engine.mutation(tenant_id) as m:
        offer = _open_offer(m, offer_id, False, as_agent)
        await m.reject(offer)
        return view_of(m, await tenant_call(m, offer.call_id))


async def subscribe(
    engine: Engine, tenant_id: str, agent_id: uuid.UUID
) -> tuple[asyncio.Queue[Message], list[Message]]:
    """An agent's stream: the queue their offers arrive on, and the offers open to them now (calls, then tasks)."""
    async with engine.mutation(tenant_id) as m:
        if not m.knows_agent(agent_id):
            raise NotFound("No such agent.", error_id="agent_not_found")
        queue = engine.hub.subscribe(tenant_id, agent_id)
        initial: list[Message] = []
        for info in m.offers_to(agent_id):
            call = await m.get(Call, info.call_id)
            initial.append(offer_message(info, call_snapshot(call) if call else None))
        for task_info in m.lane.offers_to(agent_id):
            initial.append(task_offer_message(task_info, await m.get(Task, task_info.task_id)))
        return queue, initial


def unsubscribe(engine: Engine, tenant_id: str, agent_id: uuid.UUID, queue: asyncio.Queue[Message]) -> None:
    """The agent's stream closed."""
    engine.hub.unsubscribe(tenant_id, agent_id, queue)
