"""Crypto-shredding of members' events (issue 17): a member's name, number, phones, employer and
workplace, and a notice's number and text, leave the service sealed under the member's key. Nothing
of them is readable in the outbox; the service opens them with its own key; once the key is shredded
every copy reads as None, while another member's stay readable."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.privacy.seal import is_sealed, member_subject, parse
from frontdoor_common.testing import running_app
from frontdoor_members.app import create_app
from frontdoor_members.notifier import SEALED_FIELDS
from frontdoor_members.settings import Settings
from frontdoor_members.testing import ASTRID_NID, BJORN_NID, TENANT, create_member, headers

STARTS = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)

ASTRID = {
    "member_number": "2000013",
    "first_name": "Astrid",
    "last_name": "Fjellheim",
    "phones": [{"number": "481 23 456", "kind": "mobile"}, {"number": "22 33 44 55", "kind": "home"}],
    "employer": "Nordli Bygg AS",
    "workplace": "Sagene verksted",
}
# every way the plaintext could show up in a payload
ASTRID_CLEAR = [
    "2000013",
    "Astrid",
    "Fjellheim",
    "+4748123456",
    "48123456",
    "481 23 456",
    "+4722334455",
    "22334455",
    "Nordli Bygg",
    "Sagene verksted",
    "Fjellstad",  # her new last name
]
BJORN = {
    "member_number": "2000021",
    "first_name": "Bjørn",
    "last_name": "Haugland",
    "national_id": BJORN_NID,
    "phones": [{"number": "926 11 222", "kind": "mobile"}],
    "email": None,
}


async def _rows(session: AsyncSession) -> list[tuple[str, dict[str, Any], str]]:
    rows = (await session.execute(select(outbox.c.type, outbox.c.payload).order_by(outbox.c.id))).all()
    return [(r.type, json.loads(r.payload)["data"], r.payload) for r in rows]


def _sealed_values(type_: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, sealed value) of every sealed field of one event's data."""
    found: list[tuple[str, str]] = []
    holder = data.get("member", data)
    for name in SEALED_FIELDS.get(type_, ()):
        values = holder[name] if isinstance(holder[name], list) else [holder[name]]
        found.extend((name, v) for v in values if v is not None)
    return found


async def _scenario(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    astrid = await create_member(client, national_id=ASTRID_NID, **ASTRID)
    bjorn = await create_member(client, **BJORN)
    r = await client.patch(f"/v1/members/{astrid['id']}", json={"last_name": "Fjellstad"}, headers=headers())
    assert r.status_code == 200, r.text
    # a notice: signing up for a course texts the member's mobile a confirmation
    course = await client.post(
        "/v1/courses",
        json={
            "title": "Grunnkurs for tillitsvalgte",
            "starts_at": STARTS.isoformat(),
            "ends_at": STARTS.replace(hour=15).isoformat(),
            "place": "Folkets hus, Oslo",
            "seats": 5,
            "signup_deadline": datetime(2026, 12, 1, 12, 0, tzinfo=UTC).isoformat(),
        },
        headers=headers(),
    )
    assert course.status_code == 201, course.text
    for member in (astrid, bjorn):
        r = await client.post(
            f"/v1/courses/{course.json()['id']}/signups", json={"member_id": member["id"]}, headers=headers()
        )
        assert r.status_code == 201, r.text
    return astrid, bjorn


async def test_no_personal_field_of_a_member_or_a_notice_is_readable_in_the_outbox_until_its_key_is_shredded(
    make_settings: Callable[..., Any],
) -> None:
    settings: Settings = make_settings(Settings, kafka_bootstrap_servers=None)
    app: FastAPI = create_app(settings, clock=ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC)))
    async with running_app(app) as client:
        astrid, bjorn = await _scenario(client)
        runtime = app.state.runtime
        sealer = runtime.sealer
        async with runtime.db.transaction() as s:
            rows = await _rows(s)
            types = [t for t, _, _ in rows]
            assert types.count("members.member.created") == 2
            assert types.count("members.member.updated") == 1
            assert types.count("members.notice.requested") == 2
            # nothing of Astrid's in clear anywhere in the outbox: not in any event of any kind
            for type_, _, payload in rows:
                for clear in ASTRID_CLEAR:
                    assert clear not in payload, (type_, clear)
            # her sealed values are the service's, under her key; they open to what was written
            mine = [(t, d) for t, d, _ in rows if (d.get("member") or d).get("member_id") == astrid["id"]]
            opened: dict[str, list[str | None]] = {}
            for type_, data in mine:
                for name, value in _sealed_values(type_, data):
                    parts = parse(value)
                    assert parts is not None and parts.service == "members", (type_, name)
                    opened.setdefault(f"{type_}.{name}", []).append(await sealer.open_own(s, TENANT, value))
            assert opened["members.member.created.first_name"] == ["Astrid"]
            assert opened["members.member.created.last_name"] == ["Fjellheim"]
            assert opened["members.member.updated.last_name"] == ["Fjellstad"]
            assert opened["members.member.created.member_number"] == ["2000013"]
            assert opened["members.member.created.phones"] == ["+4748123456", "+4722334455"]
            assert opened["members.member.created.employer"] == ["Nordli Bygg AS"]
            assert opened["members.member.created.workplace"] == ["Sagene verksted"]
            assert opened["members.notice.requested.to"] == ["+4748123456"]
            [body] = opened["members.notice.requested.body"]
            assert body is not None and body.startswith("Du er påmeldt Grunnkurs for tillitsvalgte")
            # the fields that are not personal stay as they were
            created = next(d for t, d in mine if t == "members.member.created")["member"]
            assert created["tenant_id"] == TENANT and created["status"] == "active"
            assert created["has_email"] is True and not is_sealed(created["category"])

            shredded = await sealer.shred(s, TENANT, [sealer.digest(TENANT, member_subject(astrid["id"]))])
        assert shredded == 1
        async with runtime.db.transaction() as s:
            rows = await _rows(s)
            for type_, data, _ in rows:
                member_id = (data.get("member") or data).get("member_id")
                for name, value in _sealed_values(type_, data):
                    plain = await sealer.open_own(s, TENANT, value)
                    if member_id == astrid["id"]:
                        assert plain is None, (type_, name)  # erased, in every retained copy
                    else:
                        assert member_id == bjorn["id"] and plain is not None, (type_, name)
            bjorns = [
                await sealer.open_own(s, TENANT, d["member"]["first_name"])
                for t, d, _ in rows
                if t == "members.member.created" and d["member"]["member_id"] == bjorn["id"]
            ]
        assert bjorns == ["Bjørn"]
        # a later event of hers is sealed under a new key (the shredded one is never used again)
        r = await client.patch(f"/v1/members/{astrid['id']}", json={"workplace": "Fjordbetong AS"}, headers=headers())
        assert r.status_code == 200, r.text
        async with runtime.db.transaction() as s:
            latest = (await _rows(s))[-1][1]
            assert latest["member"]["member_id"] == astrid["id"]
            assert await sealer.open_own(s, TENANT, latest["member"]["workplace"]) == "Fjordbetong AS"
