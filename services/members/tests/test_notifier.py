"""The events' JSON, field by field: rows become snapshots through `snapshot()` and nothing else
(no national ID, address or summary), and every event is stamped with the context's clock."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.members import DEFAULT_REASONS
from frontdoor_common.privacy.seal import is_sealed
from frontdoor_common.testing import running_app
from frontdoor_members.app import create_app
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.membership.models import MembershipChange
from frontdoor_members.notifier import SEALED_FIELDS, entry_added, member_snapshot, membership_change
from frontdoor_members.settings import Settings
from frontdoor_members.testing import ASTRID_NID, BJORN_NID, TENANT, context_of, create_member, headers, verify

START = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


async def opened(app: FastAPI, session: AsyncSession, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    """An event's data with its sealed fields checked sealed, then opened with the service's own key."""
    sealer = app.state.runtime.sealer
    member = data.get("member")
    if member is None:
        assert not any(is_sealed(v) for v in data.values()), type_
        return data
    for name in SEALED_FIELDS[type_]:
        values = member[name] if isinstance(member[name], list) else [member[name]]
        assert all(is_sealed(v) for v in values if v is not None), (type_, name)
    tenant = data["member"]["tenant_id"]

    async def open_(value: str | None) -> str | None:
        plain: str | None = await sealer.open_own(session, tenant, value)
        return plain

    opened_member = member | {
        name: ([await open_(v) for v in member[name]] if name == "phones" else await open_(member[name]))
        for name in SEALED_FIELDS[type_]
    }
    return data | {"member": opened_member}


AT = "2026-11-23T09:30:00Z"


def test_a_snapshot_built_from_rows_holds_exactly_the_fields_of_the_contract() -> None:
    member_id, department_id, entry_id, change_id, call_id = (uuid.uuid4() for _ in range(5))
    member = Member(
        id=member_id,
        tenant_id=TENANT,
        member_number="2000013",
        first_name="Astrid",
        last_name="Fjellheim",
        national_id_encrypted="token",
        national_id_masked="*********13",
        national_id_kind="placeholder",
        email="astrid@example.org",
        address_line1="Bjørkeveien 3",
        returned_mail=True,
        employer="Nordli Bygg AS",
        workplace="Nordli Bygg AS",
        department_id=department_id,
        status="applicant",
        category="student",
        is_shop_steward=True,
    )
    phones = [MemberPhone(member_id=member_id, tenant_id=TENANT, e164="+4748123456", kind="mobile")]
    assert member_snapshot(member, phones).model_dump(mode="json") == {
        "member_id": str(member_id),
        "tenant_id": TENANT,
        "member_number": "2000013",
        "first_name": "Astrid",
        "last_name": "Fjellheim",
        "phones": ["+4748123456"],
        "has_email": True,
        "returned_mail": True,
        "placeholder_national_id": True,
        "department_id": str(department_id),
        "status": "applicant",
        "category": "student",
        "employer": "Nordli Bygg AS",
        "workplace": "Nordli Bygg AS",
        "is_shop_steward": True,
    }
    entry = DossierEntry(
        id=entry_id,
        tenant_id=TENANT,
        member_id=member_id,
        kind="call",
        channel="phone",
        reason="dues_invoice",
        summary="Call from +4748123456, talk 240 s",
        outcome="awaiting_confirmation",
        outcome_date=date(2026, 11, 23),
        noted_on=date(2026, 11, 23),
        call_id=call_id,
        agent_id=uuid.uuid4(),
        author="routing",
        department_id=department_id,
        occurred_at=START,
        created_at=START,
        source_event_id="e-1",
    )
    assert entry_added(entry).model_dump(mode="json") == {
        "entry_id": str(entry_id),
        "member_id": str(member_id),
        "tenant_id": TENANT,
        "kind": "call",
        "channel": "phone",
        "reason": "dues_invoice",
        "outcome": "awaiting_confirmation",
        "outcome_date": "2026-11-23",
        "call_id": str(call_id),
        "callback_id": None,
        "department_id": str(department_id),
        "occurred_at": AT,
    }
    change = MembershipChange(
        id=change_id,
        tenant_id=TENANT,
        member_id=member_id,
        kind="move_department",
        from_department_id=department_id,
        to_department_id=None,
        to_union=None,
        status="confirmed",
        requested_on=date(2026, 11, 20),
        effective_on=date(2026, 12, 1),
        confirmed_on=date(2026, 11, 23),
        note="moving north",
        requested_by="agent-1",
    )
    confirmed = membership_change(change)
    assert confirmed.name == "members.membership.change_confirmed"
    assert confirmed.model_dump(mode="json") == {
        "change_id": str(change_id),
        "member_id": str(member_id),
        "tenant_id": TENANT,
        "kind": "move_department",
        "status": "confirmed",
        "from_department_id": str(department_id),
        "to_department_id": None,
        "requested_on": "2026-11-20",
        "effective_on": "2026-12-01",
        "confirmed_on": "2026-11-23",
    }
    change.status = "awaiting_confirmation"
    assert membership_change(change).name == "members.membership.change_requested"


async def test_every_event_carries_the_fields_expected_and_the_clocks_time(make_settings: Callable[..., Any]) -> None:
    settings: Settings = make_settings(Settings, kafka_bootstrap_servers=None)
    clock = ManualClock(START)
    app = create_app(settings, clock=clock)
    async with running_app(app) as client:
        member = await create_member(client, joining=True)
        mid = member["id"]
        clock.advance(minutes=5)
        recognised = await client.post(
            "/v1/contacts", json={"caller_number": "48123456", "call_id": str(uuid.uuid4())}, headers=headers()
        )
        contact = recognised.json()
        await verify(client, contact["id"], method="member", national_id=ASTRID_NID, member_id=mid)
        stranger = (await client.post("/v1/contacts", json={}, headers=headers())).json()
        for _ in range(3):
            await verify(client, stranger["id"], method="member", national_id=BJORN_NID, member_number="2000013")
        clock.advance(days=1)
        await client.patch(f"/v1/members/{mid}", json={"email": None, "workplace": "Fjordbetong AS"}, headers=headers())
        await client.put("/v1/tenant/settings", json={"country": "NO"}, headers=headers())
        change = (await client.get(f"/v1/members/{mid}/membership-changes", headers=headers())).json()[0]
        await client.post(f"/v1/membership-changes/{change['id']}/confirm", json={}, headers=headers())
        entries = (await client.get(f"/v1/members/{mid}/log", headers=headers())).json()["entries"]
        async with context_of(app).db.transaction() as s:
            rows = (await s.execute(select(outbox.c.type, outbox.c.payload).order_by(outbox.c.id))).all()
            datas = [await opened(app, s, r.type, json.loads(r.payload)["data"]) for r in rows]
    later, next_day = "2026-11-23T09:35:00Z", "2026-11-24T09:35:00Z"
    confirmed_entry, requested_entry = entries  # newest first
    snapshot = {
        "member_id": mid,
        "tenant_id": TENANT,
        "member_number": "2000013",
        "first_name": "Astrid",
        "last_name": "Fjellheim",
        "phones": ["+4748123456"],
        "has_email": True,
        "returned_mail": False,
        "placeholder_national_id": False,
        "department_id": None,
        "status": "applicant",
        "category": "ordinary",
        "employer": "Nordli Bygg AS",
        "workplace": "Nordli Bygg AS",
        "is_shop_steward": False,
    }
    changed = snapshot | {"has_email": False, "workplace": "Fjordbetong AS"}
    change_event = {
        "change_id": change["id"],
        "member_id": mid,
        "tenant_id": TENANT,
        "kind": "join",
        "from_department_id": None,
        "to_department_id": None,
        "requested_on": "2026-11-23",
    }
    entry_event = {
        "member_id": mid,
        "tenant_id": TENANT,
        "kind": "membership",
        "channel": None,
        "reason": "join_leave_move",
        "call_id": None,
        "callback_id": None,
        "department_id": None,
    }
    expected = [
        ("members.member.created", {"member": snapshot, "at": AT}),
        (
            "members.dossier.entry_added",
            entry_event
            | {
                "entry_id": requested_entry["id"],
                "outcome": "awaiting_confirmation",
                "outcome_date": "2026-11-23",
                "occurred_at": AT,
            },
        ),
        (
            "members.membership.change_requested",
            change_event | {"status": "awaiting_confirmation", "effective_on": None, "confirmed_on": None},
        ),
        (
            "members.contact.identified",
            {
                "contact_id": contact["id"],
                "member_id": mid,
                "tenant_id": TENANT,
                "call_id": contact["call_id"],
                "at": later,
            },
        ),
        (
            "members.contact.verified",
            {
                "contact_id": contact["id"],
                "member_id": mid,
                "tenant_id": TENANT,
                "call_id": contact["call_id"],
                "level": "member",
                "at": later,
            },
        ),
        (
            "members.contact.locked",
            {"contact_id": stranger["id"], "tenant_id": TENANT, "call_id": None, "failed_attempts": 3, "at": later},
        ),
        ("members.member.updated", {"member": changed, "changed": ["email", "workplace"], "at": next_day}),
        ("members.tenant.reasons_changed", {"tenant_id": TENANT, "reasons": list(DEFAULT_REASONS), "at": next_day}),
        (
            "members.dossier.entry_added",
            entry_event
            | {
                "entry_id": confirmed_entry["id"],
                "outcome": "resolved_first_line",
                "outcome_date": None,
                "occurred_at": next_day,
            },
        ),
        (
            "members.membership.change_confirmed",
            change_event | {"status": "confirmed", "effective_on": "2026-11-24", "confirmed_on": "2026-11-24"},
        ),
        (
            "members.member.updated",
            {
                "member": changed | {"status": "active"},
                "changed": ["joined_on", "status"],
                "at": next_day,
            },
        ),
    ]
    assert [(r.type, d) for r, d in zip(rows, datas, strict=True)] == expected
