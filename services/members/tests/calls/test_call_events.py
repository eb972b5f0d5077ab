"""Routing's call events: a contact ends with its call, and a call identified late is linked once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from frontdoor_common.events.routing import CallAbandoned, CallCompleted, CallIdentified, CallRejected
from frontdoor_common.testing import eventually, running_app
from frontdoor_members.app import create_app
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.settings import Settings
from frontdoor_members.testing import (
    AGENT_PII,
    ASTRID_NID,
    TENANT,
    call_snapshot,
    create_member,
    deliver,
    headers,
    open_contact,
    verify,
)


async def _read(client: httpx.AsyncClient, member_id: str, contact_id: str) -> dict[str, Any]:
    r = await client.get(f"/v1/members/{member_id}", headers=headers(scopes=AGENT_PII, **{"X-Contact-Id": contact_id}))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.parametrize(
    "ending",
    [
        lambda c: CallCompleted(call=c),
        lambda c: CallAbandoned(call=c.model_copy(update={"state": "abandoned"})),
        lambda c: CallRejected(call=c.model_copy(update={"state": "closed"}), reason="closed"),
    ],
    ids=["completed", "abandoned", "rejected"],
)
async def test_a_verification_made_during_a_call_stops_revealing_personal_data_when_the_call_ends(
    app: FastAPI, client: httpx.AsyncClient, ending: Callable[[Any], Any]
) -> None:
    member = await create_member(client)
    call = call_snapshot(member["id"])
    contact = await open_contact(client, call_id=str(call.call_id))
    r = await verify(
        client, contact["id"], method="member", national_id=ASTRID_NID, member_number=member["member_number"]
    )
    assert r.json()["verified"] is True
    assert (await _read(client, member["id"], contact["id"]))["national_id"] == ASTRID_NID

    await deliver(app, ending(call))
    after = await _read(client, member["id"], contact["id"])
    assert after["national_id_revealed"] is False and after["national_id"] != ASTRID_NID
    assert after["address"] is None
    shown = (await client.get(f"/v1/contacts/{contact['id']}", headers=headers())).json()
    assert shown["active"] is False and shown["verified"] is False and shown["closed_reason"] == "call_ended"
    again = await verify(
        client, contact["id"], method="member", national_id=ASTRID_NID, member_number=member["member_number"]
    )
    assert again.status_code == 409 and again.json()["error_id"] == "contact_closed"

    # routing re-sends the event (a new event id): nothing changes, nothing fails
    await deliver(app, ending(call))
    assert (await client.get(f"/v1/contacts/{contact['id']}", headers=headers())).json()["closed_at"] == (
        shown["closed_at"]
    )


async def test_a_contact_opened_for_a_call_that_already_ended_cannot_reveal_anything(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    member = await create_member(client)
    call = call_snapshot(member["id"])
    await deliver(app, CallCompleted(call=call))
    late = await open_contact(client, call_id=str(call.call_id))
    assert late["active"] is False and late["closed_reason"] == "call_ended"
    r = await verify(client, late["id"], method="member", national_id=ASTRID_NID, member_number="2000013")
    assert r.status_code == 409
    # a contact on another call of the same tenant is untouched
    other = await open_contact(client, call_id=str(uuid.uuid4()))
    assert other["active"] is True


async def test_a_call_ending_in_one_tenant_does_not_end_another_tenants_contact(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    from frontdoor_members.testing import OTHER_TENANT

    call = call_snapshot()
    mine = await open_contact(client, call_id=str(call.call_id))
    await deliver(app, CallCompleted(call=call.model_copy(update={"tenant_id": OTHER_TENANT})), tenant=OTHER_TENANT)
    assert (await client.get(f"/v1/contacts/{mine['id']}", headers=headers())).json()["active"] is True


async def _call_entries(app: FastAPI, member_id: str) -> list[DossierEntry]:
    async with app.state.runtime.db.transaction() as s:
        rows = await s.scalars(
            select(DossierEntry).where(DossierEntry.member_id == uuid.UUID(member_id), DossierEntry.kind == "call")
        )
        return list(rows)


@pytest.mark.parametrize(
    "order",
    [
        ["identified", "completed", "identified", "completed"],
        ["completed", "identified", "completed", "identified"],
        ["identified", "identified", "completed"],
        ["completed", "completed", "identified", "identified"],
    ],
)
async def test_a_call_identified_late_gets_one_dossier_entry_in_any_order_and_under_redelivery(
    app: FastAPI, client: httpx.AsyncClient, order: list[str]
) -> None:
    member = await create_member(client)
    unknown = call_snapshot(None)  # routing did not know the caller when the call started
    known = unknown.model_copy(update={"member_id": uuid.UUID(member["id"])})
    contact = await open_contact(client, call_id=str(unknown.call_id))  # the lookup timed out: nobody recognised
    assert contact["recognised_member_id"] is None
    for step in order:
        if step == "identified":
            await deliver(app, CallIdentified(call=known.model_copy(update={"state": "answered"})))
        else:
            await deliver(app, CallCompleted(call=unknown))  # the completed snapshot may still lack the member
    entries = await _call_entries(app, member["id"])
    assert len(entries) == 1
    assert entries[0].call_id == unknown.call_id and entries[0].reason == "dues_invoice"
    assert entries[0].occurred_at == unknown.completed_at
    seen = (await client.get(f"/v1/contacts/{contact['id']}", headers=headers())).json()
    assert seen["recognised_member_id"] == member["id"]


async def test_an_identification_naming_another_tenants_member_links_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    from frontdoor_members.testing import OTHER_TENANT

    stranger = await create_member(client, tenant=OTHER_TENANT)
    call = call_snapshot(None)
    await deliver(app, CallCompleted(call=call))
    await deliver(app, CallIdentified(call=call.model_copy(update={"member_id": uuid.UUID(stranger["id"])})))
    assert await _call_entries(app, stranger["id"]) == []


async def test_late_identification_over_the_real_broker_adds_the_call_once(make_settings: Callable[..., Any]) -> None:
    settings: Settings = make_settings(Settings)
    app = create_app(settings)
    async with running_app(app) as client:
        runtime = app.state.runtime
        member = await create_member(client)
        call = call_snapshot(None)
        async with runtime.db.transaction() as s:
            await runtime.outbox.add(s, CallCompleted(call=call), tenant=TENANT)
            identified = call.model_copy(update={"member_id": uuid.UUID(member["id"])})
            await runtime.outbox.add(s, CallIdentified(call=identified), tenant=TENANT)
        consumer = runtime.consumers[0]
        await eventually(lambda: consumer.handled >= 2, timeout=30)
        await runtime.relay.republish()  # the broker delivers both again
        async with runtime.db.transaction() as s:  # and routing re-sends the identification under a new id
            await runtime.outbox.add(s, CallIdentified(call=identified), tenant=TENANT)
        await eventually(lambda: consumer.duplicates >= 2 and consumer.handled >= 3, timeout=30)
        async with runtime.db.transaction() as s:
            count = await s.scalar(select(func.count()).select_from(DossierEntry).where(DossierEntry.kind == "call"))
        assert count == 1
        assert consumer.dead_lettered == 0
