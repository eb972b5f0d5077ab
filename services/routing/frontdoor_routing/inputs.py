"""What routing learns from other services: agents, opening hours, tenant settings, callbacks, messages.

Events arrive through one consumer whose handler owns its transaction: it takes the
engine's lock, records the event in the inbox and changes state in one commit, so a
redelivered event changes nothing. Inside that change an `EventRouter` dispatches by type
to the domains' handlers (`agents`, `tenants`, `callbacks`, `tasks`), which find the change they run
in through `Engine.mutation_in(session)`.
"""

from __future__ import annotations

from frontdoor_common.bus import topics
from frontdoor_common.bus.consumer import Claim, EventRouter, OwnTransactionHandler
from frontdoor_common.bus.events import Envelope
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

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.router = event_router(engine)

    def handles(self, event_type: str) -> bool:
        """Whether some domain handles the type (others are skipped without a write)."""
        return self.router.handles(event_type)

    async def run(self, envelope: Envelope, claim: Claim) -> bool:
        """Apply the event in one locked change of its tenant; False if it was handled before."""
        if not self.engine.served(envelope.tenant):
            return True  # another routing shard owns this tenant
        async with self.engine.mutation(envelope.tenant) as m:
            if not await claim(m.session):
                return False
            await self.router(m.session, envelope)
        return True
