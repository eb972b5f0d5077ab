"""Routing's and callbacks' events become dossier entries exactly once, over the real broker."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.callbacks import CallbackCompleted, CallbackSnapshot
from frontdoor_common.events.routing import CallCompleted, CallSnapshot
from frontdoor_common.testing import eventually, running_app
from frontdoor_members.app import create_app
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.settings import Settings
from frontdoor_members.testing import OTHER_TENANT, TENANT, create_member, headers


def _call(member_id: str, tenant: str = TENANT, call_id: uuid.UUID | None = None) -> CallSnapshot:
    now = datetime.now(UTC)
    return CallSnapshot(
        call_id=call_id or uuid.uuid4(),
        tenant_id=tenant,
        cti_call_id=f"cti-{uuid.uuid4().hex[:8]}",
        caller_number="+4748123456",
        member_id=uuid.UUID(member_id),
        state="completed",
        arrived_at=now - timedelta(minutes=6),
        answered_at=now - timedelta(minutes=5),
        completed_at=now,
        agent_id=uuid.uuid4(),
        talk_seconds=240.0,
        resolution="awaiting_confirmation",
        contact_reason="join_leave_move",
    )


async def test_a_completed_call_becomes_one_dossier_entry_even_when_redelivered(
    make_settings: Callable[..., Any],
) -> None:
    settings: Settings = make_settings(Settings)
    app = create_app(settings)
    async with running_app(app) as client:
        runtime = app.state.runtime
        member = await create_member(client)
        stranger = await create_member(client, tenant=OTHER_TENANT)
        call = _call(member["id"])
        # routing's event, published through a real outbox and relay onto the real broker
        async with runtime.db.transaction() as s:
            envelope: Envelope = await runtime.outbox.add(s, CallCompleted(call=call), tenant=TENANT)
            # a call naming another tenant's member is ignored
            await runtime.outbox.add(s, CallCompleted(call=_call(stranger["id"])), tenant=TENANT)
            callback = CallbackSnapshot(
                callback_id=uuid.uuid4(),
                tenant_id=TENANT,
                number="+4748123456",
                member_id=uuid.UUID(member["id"]),
                source="queue",
                reason="dues_invoice",
                status="completed",
                attempts=2,
                requested_at=datetime.now(UTC),
            )
            await runtime.outbox.add(s, CallbackCompleted(callback=callback), tenant=TENANT)
        consumer = runtime.consumers[0]
        await eventually(lambda: consumer.handled >= 3, timeout=30)

        # the broker delivers it again (relay re-publish), and routing re-sends the call with a new event id
        await runtime.relay.republish()
        async with runtime.db.transaction() as s:
            await runtime.outbox.add(s, CallCompleted(call=call), tenant=TENANT)
        await eventually(lambda: consumer.duplicates >= 3 and consumer.handled >= 4, timeout=30)

        log = (await client.get(f"/v1/members/{member['id']}/log", headers=headers())).json()["entries"]
        calls = [e for e in log if e["kind"] == "call"]
        assert len(calls) == 1
        entry = calls[0]
        assert entry["call_id"] == str(call.call_id)
        assert entry["agent_id"] == str(call.agent_id)
        assert entry["reason"] == "join_leave_move"
        assert entry["outcome"] == "awaiting_confirmation" and entry["outcome_date"] is not None
        assert [e["kind"] for e in log if e["kind"] == "callback"] == ["callback"]
        async with runtime.db.transaction() as s:
            total = await s.scalar(select(func.count()).select_from(DossierEntry))
            stored = await s.scalar(select(DossierEntry.source_event_id).where(DossierEntry.kind == "call"))
        assert total == 2
        assert stored == envelope.id
        assert consumer.dead_lettered == 0
