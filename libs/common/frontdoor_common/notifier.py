"""Publishing: every service's events leave through one notifier shape.

A service's notifier is a `Notifier` subclass built in its composition root with the outbox
and the clock (wired by constructor, not looked up), with one method per event it publishes.
Events are added to the outbox in the caller's transaction, so the state change and the event
commit together. Rows become event snapshots in one place, `snapshot()`: the snapshot model
names its fields, pydantic reads them off the row and validates them (Literal fields included,
so no casts), and the caller passes only what the row does not hold under the same name.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.events import Envelope, Event
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.clock import Clock

M = TypeVar("M", bound=BaseModel)


def snapshot(model: type[M], row: object, **fields: Any) -> M:
    """`model` filled from `row`'s attributes of the same names; `fields` add to or override them."""
    data = {name: getattr(row, name) for name in model.model_fields if name not in fields and hasattr(row, name)}
    data.update(fields)
    return model.model_validate(data)


class Notifier:
    """Base of a service's notifier: publishes events through the outbox, in the caller's transaction."""

    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self.outbox = outbox
        self.clock = clock

    async def publish(self, session: AsyncSession, event: Event, *, tenant: str) -> Envelope:
        """Add `event` to the outbox in `session`'s transaction (its envelope's time from the clock)."""
        return await self.outbox.add(session, event, tenant=tenant, at=self.clock.now())

    async def publish_many(self, session: AsyncSession, events: list[Event], *, tenant: str) -> list[Envelope]:
        """Add `events`, in order, in `session`'s transaction."""
        return await self.outbox.add_many(session, events, tenant=tenant, at=self.clock.now())
