"""Retention: the windows API (validated, stored, published in one transaction) and members' hooks,
exact at the cutoff on a manual clock."""

from __future__ import annotations

import importlib.util
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdoor_common.clock import ManualClock
from frontdoor_common.privacy.lifecycle import load_windows, save_windows
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.forwards.models import OutgoingMail
from frontdoor_members.messages.models import Message, MessageAttachment, MessageReply
from frontdoor_members.privacy.testing import outbox_events, seed_everything
from frontdoor_members.testing import OTHER_TENANT, TENANT, context_of, create_member, headers

CONFIGURER = "members:configure members:read"


async def put(client: httpx.AsyncClient, body: Any, tenant: str = TENANT, scopes: str = CONFIGURER) -> httpx.Response:
    return await client.put("/v1/retention", json=body, headers=headers(tenant, scopes=scopes))


async def test_windows_are_stored_and_published_together(
    client: httpx.AsyncClient, app: FastAPI, clock: ManualClock
) -> None:
    assert (await client.get("/v1/retention", headers=headers(scopes="members:read"))).json() == {
        "windows": {},
        "updated_at": None,
    }
    r = await put(client, {"windows": {"messages": 90, "dossier_entries": 3650}})
    assert r.status_code == 200, r.text
    assert r.json()["windows"] == {"dossier_entries": 3650, "messages": 90}
    got = (await client.get("/v1/retention", headers=headers(scopes="members:read"))).json()
    assert got == r.json() and got["updated_at"].startswith("2026-11-25T12:00:00")
    assert got["updated_at"].endswith(("Z", "+00:00"))  # RFC 3339 with its zone, on SQLite too
    [event] = await outbox_events(app, "members.tenant.retention_changed")
    assert event["data"]["windows"] == {"dossier_entries": 3650, "messages": 90}
    assert event["data"]["tenant_id"] == TENANT and event["tenant"] == TENANT
    async with context_of(app).db.transaction() as s:
        assert (await load_windows(s)) == {TENANT: {"dossier_entries": 3650, "messages": 90}}
    # the whole set replaces the previous one; another tenant's are its own
    clock.advance(timedelta(minutes=1))
    assert (await put(client, {"windows": {"audit_entries": 365}})).json()["windows"] == {"audit_entries": 365}
    other = await client.get("/v1/retention", headers=headers(OTHER_TENANT, scopes="members:read"))
    assert other.json()["windows"] == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"windows": {"recordings": 30}}, "windows.recordings"),
        ({"windows": {"messages": 0}}, "windows.messages"),
        ({"windows": {"messages": 36501}}, "windows.messages"),
        ({"windows": {"messages": -5}}, "windows.messages"),
        ({"windows": {"messages": "30"}}, "windows.messages"),
        ({"windows": {"messages": 1.5}}, "windows.messages"),
        ({"windows": {"messages": None}}, "windows.messages"),
        ({"windows": ["messages"]}, "windows"),
        ({}, "windows"),
        ({"windows": {}, "extra": 1}, "extra"),
    ],
)
async def test_bad_windows_are_422_naming_the_field(
    client: httpx.AsyncClient, app: FastAPI, body: dict[str, Any], field: str
) -> None:
    r = await put(client, body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert await outbox_events(app, "members.tenant.retention_changed") == []


async def test_the_scopes(client: httpx.AsyncClient) -> None:
    assert (await put(client, {"windows": {"messages": 30}}, scopes="members:read members:write")).status_code == 403
    assert (await client.get("/v1/retention", headers=headers(scopes="members:write"))).status_code == 403
    assert (await put(client, {"windows": {"messages": 1}})).status_code == 200
    assert (await put(client, {"windows": {"messages": 36500}})).status_code == 200


async def _entry(app: FastAPI, member_id: uuid.UUID, summary: str, at: Any, tenant: str = TENANT) -> uuid.UUID:
    entry = DossierEntry(
        tenant_id=tenant,
        member_id=member_id,
        kind="log",
        reason="dues_invoice",
        summary=summary,
        noted_on=at.date(),
        author="agent-1",
        occurred_at=at,
        created_at=at,
    )
    async with context_of(app).db.transaction() as s:
        s.add(entry)
    return entry.id


async def test_the_job_takes_exactly_what_passed_the_window(
    client: httpx.AsyncClient, app: FastAPI, clock: ManualClock
) -> None:
    member = await create_member(client)
    member_id = uuid.UUID(member["id"])
    now = clock.now()
    cutoff = now - timedelta(days=30)
    second = timedelta(seconds=1)
    old = await seed_everything(app, TENANT, member_id, at=cutoff - second)  # a message, its reply, its attachment
    new = await seed_everything(app, TENANT, member_id, at=cutoff + second)
    old_entry = await _entry(app, member_id, "old note", cutoff - second)
    new_entry = await _entry(app, member_id, "new note", cutoff + second)
    theirs = await create_member(client, tenant=OTHER_TENANT)
    their_entry = await _entry(app, uuid.UUID(theirs["id"]), "their note", cutoff - timedelta(days=1), OTHER_TENANT)
    async with context_of(app).db.transaction() as s:
        await save_windows(s, TENANT, {"dossier_entries": 30, "messages": 30}, now)

    done = await app.state.runtime.retention.run_once(now)
    by_kind = {d["kind"]: d for d in done}
    assert by_kind["dossier_entries"]["anonymised"] == 2 and by_kind["dossier_entries"]["deleted"] == 0
    assert by_kind["messages"]["deleted"] == 1
    async with context_of(app).db.transaction() as s:
        summaries = {e.id: e.summary for e in await s.scalars(select(DossierEntry))}
        messages = set(await s.scalars(select(Message.id)))  # type: ignore[call-overload]
        attachments = set(await s.scalars(select(MessageAttachment.id)))  # type: ignore[call-overload]
        replies = set(await s.scalars(select(MessageReply.id)))  # type: ignore[call-overload]
        mails = set(await s.scalars(select(OutgoingMail.id)))  # type: ignore[call-overload]
    assert summaries[old_entry] is None and summaries[old.ids["dossier_entries"][0]] is None
    assert summaries[new_entry] == "new note" and summaries[new.ids["dossier_entries"][0]] is not None
    assert summaries[their_entry] == "their note"  # another tenant's window is its own (none set)
    assert messages == set(new.ids["messages"])
    assert attachments == set(new.ids["message_attachments"]) and replies == set(new.ids["message_replies"])
    assert set(old.ids["mail_outgoing"]) & mails == set(old.ids["mail_outgoing"][:1])  # the forward's mail stays
    applied = await outbox_events(app, "members.retention.applied")
    assert {(e["data"]["kind"], e["data"]["deleted"], e["data"]["anonymised"]) for e in applied} == {
        ("dossier_entries", 0, 2),
        ("messages", 1, 0),
    }
    # run again: nothing more passed the window
    again = await app.state.runtime.retention.run_once(now)
    assert all(d["deleted"] == 0 and d["anonymised"] == 0 for d in again)


@pytest.mark.skipif(
    importlib.util.find_spec("frontdoor_members.audit.retention") is None,
    reason="frontdoor_members.audit.retention (prune_audit) is not there yet",
)
async def test_the_audit_is_pruned_through_the_audits_own_code(
    client: httpx.AsyncClient, app: FastAPI, clock: ManualClock
) -> None:
    from frontdoor_members.audit import service as audit
    from frontdoor_members.audit.models import PersonalDataRead

    member = await create_member(client)
    now = clock.now()
    cutoff = now - timedelta(days=365)
    await seed_everything(app, TENANT, uuid.UUID(member["id"]), at=cutoff - timedelta(seconds=1))
    await seed_everything(app, TENANT, uuid.UUID(member["id"]), at=cutoff + timedelta(seconds=1))
    async with context_of(app).db.transaction() as s:
        await save_windows(s, TENANT, {"audit_entries": 365}, now)
    done = await app.state.runtime.retention.run_once(now)
    assert [(d["kind"], d["deleted"]) for d in done] == [("audit_entries", 1)]
    async with context_of(app).db.transaction() as s:
        left = list(await s.scalars(select(PersonalDataRead)))
        verification = await audit.verify(s, TENANT)
    assert [r.at for r in left] == [cutoff + timedelta(seconds=1)]
    assert verification.ok and verification.entries == 1  # the chain stays verifiable
