"""Helpers for the members service's tests (and the benchmark): made-up people, request shortcuts."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from frontdoor_common.auth import mint_token
from frontdoor_common.bus.events import Envelope, Event
from frontdoor_common.clock import SystemClock
from frontdoor_common.events.routing import CallSnapshot, CallState
from frontdoor_common.testing import parts_of
from frontdoor_members.context import MembersContext
from frontdoor_members.dossier.consumer import handler
from frontdoor_members.identity.national_id import fodselsnummer_for

TENANT = "7e5f0a3c-1d2b-4c6e-8f90-a1b2c3d4e5f6"
OTHER_TENANT = "0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"

# made-up members of a made-up union
ASTRID_NID = fodselsnummer_for("120482")
BJORN_NID = fodselsnummer_for("051175")
SIGRID_NID = fodselsnummer_for("270399")
D_NUMBER = fodselsnummer_for("450190")


def headers(tenant: str = TENANT, scopes: str = "all", subject: str = "agent-1", **extra: str) -> dict[str, str]:
    """Authorization (and any extra) headers for a token of `tenant` with `scopes`."""
    return {"Authorization": f"Bearer {mint_token(tenant_id=tenant, scopes=scopes, subject=subject)}", **extra}


AGENT = "members:read members:write"  # an agent without the members:pii scope
AGENT_PII = "members:read members:write members:pii"


def member_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /v1/members body for a made-up member."""
    body: dict[str, Any] = {
        "member_number": "2000013",
        "first_name": "Astrid",
        "last_name": "Fjellheim",
        "national_id": ASTRID_NID,
        "phones": [{"number": "481 23 456", "kind": "mobile"}],
        "email": "astrid.fjellheim@example.org",
        "address": {"line1": "Bjørkeveien 3", "postal_code": "0661", "city": "Oslo", "country": "NO"},
        "employer": "Nordli Bygg AS",
        "workplace": "Nordli Bygg AS",
    }
    body.update(overrides)
    return body


async def create_member(client: httpx.AsyncClient, tenant: str = TENANT, **overrides: Any) -> dict[str, Any]:
    """Register a member and return the response body (fails loudly otherwise)."""
    r = await client.post("/v1/members", json=member_body(**overrides), headers=headers(tenant))
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def open_contact(client: httpx.AsyncClient, tenant: str = TENANT, **body: Any) -> dict[str, Any]:
    """Open a contact session and return it."""
    r = await client.post("/v1/contacts", json={"channel": "phone", **body}, headers=headers(tenant))
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def verify(client: httpx.AsyncClient, contact_id: str, tenant: str = TENANT, **body: Any) -> httpx.Response:
    """One verification attempt."""
    return await client.post(f"/v1/contacts/{contact_id}/verify", json=body, headers=headers(tenant))


async def verified_contact(client: httpx.AsyncClient, member: dict[str, Any], national_id: str) -> str:
    """A contact verified as the member themself; returns its id."""
    contact = await open_contact(client)
    r = await verify(
        client, contact["id"], method="member", national_id=national_id, member_number=member["member_number"]
    )
    assert r.status_code == 200 and r.json()["verified"], r.text
    return str(contact["id"])


def call_snapshot(
    member_id: str | None = None,
    *,
    tenant: str = TENANT,
    call_id: uuid.UUID | None = None,
    state: CallState = "completed",
    arrived_at: datetime | None = None,
    reason: str | None = "dues_invoice",
    caller_number: str | None = "+4748123456",
) -> CallSnapshot:
    """A routing call snapshot as routing's events carry it (arrived six minutes ago by default)."""
    arrived = arrived_at or SystemClock().now() - timedelta(minutes=6)
    return CallSnapshot(
        call_id=call_id or uuid.uuid4(),
        tenant_id=tenant,
        cti_call_id=f"cti-{uuid.uuid4().hex[:8]}",
        caller_number=caller_number,
        member_id=uuid.UUID(member_id) if member_id else None,
        state=state,
        arrived_at=arrived,
        answered_at=arrived + timedelta(minutes=1) if state == "completed" else None,
        completed_at=arrived + timedelta(minutes=6) if state == "completed" else None,
        abandoned_at=arrived + timedelta(minutes=1) if state == "abandoned" else None,
        agent_id=uuid.uuid4() if state == "completed" else None,
        talk_seconds=240.0 if state == "completed" else None,
        resolution="resolved" if state == "completed" else None,
        contact_reason=reason if state == "completed" else None,
    )


def context_of(app: FastAPI) -> MembersContext:
    """The running app's composition root (its lifespan must have started)."""
    return parts_of(app, MembersContext)


async def deliver(app: FastAPI, event: Event, tenant: str = TENANT) -> Envelope:
    """Hand one event to the members consumer's handler in its own transaction (as the consumer does,
    minus the broker); each call is a new envelope, like a re-send under a new event id."""
    ctx = context_of(app)
    envelope = Envelope.wrap(event, tenant=tenant, source="test")
    async with ctx.db.transaction() as session:
        await handler(ctx)(session, envelope)
    return envelope
