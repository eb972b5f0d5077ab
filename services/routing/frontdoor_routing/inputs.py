"""What routing learns from other services: agents, opening hours, tenant settings, callbacks, messages.

Events arrive through one consumer whose handler owns its transaction: it takes the
engine's lock, records the event in the inbox and changes state in one commit, so a
redelivered event changes nothing. Inside that change an `EventRouter` dispatches by type
to the domains' handlers (`agents`, `tenants`, `callbacks`, `tasks`), which find the change they run
in through `Engine.mutation_in(session)`.

A dispatched callback's number may come sealed by the callbacks service (issue 17): it is opened
before the engine's lock is taken (asking the callbacks service for the key must never hold up
routing), so the task's row keeps the clear number for staff; a number whose key was erased
queues the task without a number. An unreachable callbacks service raises `UnsealUnavailable`
and the consumer retries.
"""

from __future__ import annotations

from frontdoor_common.bus import topics
from frontdoor_common.bus.consumer import Claim, EventRouter, OwnTransactionHandler
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.callbacks import CallbackDispatched
from frontdoor_common.privacy.seal import Unsealer, is_sealed
from frontdoor_routing.agents import consumer as agents
from frontdoor_routing.callbacks import consumer as callbacks
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.tasks import consumer as tasks
from frontdoor_routing.tenants import consumer as tenants

INPUT_TOPICS = [topics.AGENTS, topics.CALLBACKS, topics.MEMBERS]


def event_router(engine: Engine) -> EventRouter:
    """Every event type routing handles, by type."""
    router = EventRouter()
    agents.register(router, engine)
    tenants.register(router, engine)
    callbacks.register(router, engine)
    tasks.register(router, engine)
    return router


class RoutingInputs(OwnTransactionHandler):
    """The consumer handler for the agents', callbacks' and members' events."""

    def __init__(self, engine: Engine, unsealer: Unsealer | None = None) -> None:
        self.engine = engine
        self.router = event_router(engine)
        self.unsealer = unsealer  # opens sealed numbers of other services' events

    def handles(self, event_type: str) -> bool:
        """Whether some domain handles the type (others are skipped without a write)."""
        return self.router.handles(event_type)

    async def run(self, envelope: Envelope, claim: Claim) -> bool:
        """Apply the event in one locked change of its tenant; False if it was handled before."""
        if not self.engine.served(envelope.tenant):
            return True  # another routing shard owns this tenant
        envelope = await self._opened(envelope)
        async with self.engine.mutation(envelope.tenant) as m:
            if not await claim(m.session):
                return False
            await self.router(m.session, envelope)
        return True

    async def _opened(self, envelope: Envelope) -> Envelope:
        """The envelope with a dispatched callback's sealed number opened (outside the lock)."""
        if envelope.type != CallbackDispatched.name or self.unsealer is None:
            return envelope
        callback = envelope.data.get("callback")
        if not isinstance(callback, dict) or not is_sealed(number := callback.get("number")):
            return envelope
        async with self.engine.db.snapshot() as session:
            opened = await self.unsealer.unseal(session, envelope.tenant, number)
        data = {**envelope.data, "callback": {**callback, "number": opened or ""}}
        return envelope.model_copy(update={"data": data})
