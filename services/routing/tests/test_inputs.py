"""Routing's consumer: events dispatched by type to the domains, once each, for served tenants only."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from frontdoor_common.bus.tables import inbox
from frontdoor_common.events.agents import AgentPresenceChanged, QueueOpeningChanged, TenantSettingsChanged
from frontdoor_common.events.callbacks import CallbackCancelled, CallbackDispatched, CallbackExpired
from frontdoor_common.events.members import MessageAnswered, MessageReceived, TenantReasonsChanged
from frontdoor_common.events.routing import CallQueued
from frontdoor_routing.inputs import RoutingInputs

from .conftest import OTHER_TENANT, TENANT, Rig


def test_the_consumer_handles_exactly_the_types_the_domains_register(rig: Rig) -> None:
    handled = set(RoutingInputs(rig.engine).router.handlers)
    assert handled == {
        "agents.agent.upserted",
        "agents.agent.presence_changed",
        "agents.agent.queues_changed",
        "agents.agent.availability_changed",
        QueueOpeningChanged.name,
        TenantSettingsChanged.name,
        TenantReasonsChanged.name,
        CallbackDispatched.name,
        CallbackCancelled.name,
        CallbackExpired.name,
        MessageReceived.name,
        MessageAnswered.name,
    }
    inputs = RoutingInputs(rig.engine)
    assert inputs.handles(AgentPresenceChanged.name) and not inputs.handles(CallQueued.name)
    assert not inputs.handles("agents.calendar.feed_failed")


async def _inbox_rows(rig: Rig) -> int:
    async with rig.db.snapshot() as session:
        return int(await session.scalar(select(func.count()).select_from(inbox)) or 0)


async def test_an_event_is_applied_once_in_the_change_that_records_it(rig: Rig) -> None:
    await rig.queue(ivr_digit="1")
    event = TenantSettingsChanged(tenant_id=TENANT, timezone="Europe/Helsinki", country="fi", at=rig.clock.now())
    envelope = rig.envelope(event)
    assert await rig.deliver(envelope) is True
    assert (rig.tenant().timezone, rig.tenant().country) == ("Europe/Helsinki", "FI")
    assert await _inbox_rows(rig) == 1
    rig.tenant().timezone = "changed meanwhile"
    assert await rig.deliver(envelope) is False, "a redelivery is recognised"
    assert rig.tenant().timezone == "changed meanwhile", "and changes nothing"
    assert await _inbox_rows(rig) == 1


async def test_an_event_about_another_tenant_than_its_envelope_changes_nothing(rig: Rig) -> None:
    await rig.queue(ivr_digit="1")
    event = QueueOpeningChanged(tenant_id=OTHER_TENANT, open=False, reason="manual", at=rig.clock.now())
    assert await rig.deliver(event, tenant=TENANT) is True  # recorded, not applied
    assert rig.tenant().open
    assert await _inbox_rows(rig) == 1


async def test_another_shards_tenant_is_skipped_without_a_write(rig: Rig) -> None:
    rig.engine.settings = rig.settings.model_copy(update={"tenants": [OTHER_TENANT]})
    event = CallbackCancelled.model_validate(
        {
            "callback": {
                "callback_id": uuid.uuid4(),
                "tenant_id": TENANT,
                "number": "+4790000000",
                "source": "web",
                "status": "cancelled",
                "requested_at": rig.clock.now(),
            }
        }
    )
    assert await rig.deliver(event, source="callbacks") is True
    assert TENANT not in rig.engine.tenants and await _inbox_rows(rig) == 0
