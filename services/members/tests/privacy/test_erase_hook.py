"""Members' own part of an erasure, through the common privacy consumer: the member becomes a
tombstone, everything personal goes (kept: invoices, the audit of reads), the subjects' seal keys are
shredded, the report completes members' part; a second run changes nothing."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from frontdoor_common.bus.events import Envelope
from frontdoor_common.clock import ManualClock
from frontdoor_common.privacy.lifecycle import erasure_router
from frontdoor_common.privacy.seal import member_subject, phone_subject
from frontdoor_common.privacy.tables import seal_keys
from frontdoor_members.audit.models import PersonalDataRead
from frontdoor_members.calls.models import CallRecord
from frontdoor_members.contacts.models import Contact, VerificationAttempt
from frontdoor_members.courses.models import CourseSignup
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.forwards.models import Forward, OutgoingMail
from frontdoor_members.keywords.models import EntryKeyword
from frontdoor_members.members.models import Invoice, Member, MemberPhone, PowerOfAttorney
from frontdoor_members.membership.models import MembershipChange
from frontdoor_members.messages.models import Message, MessageAttachment, MessageReply
from frontdoor_members.notices.models import MemberNotice
from frontdoor_members.privacy.erasures import reports_handler
from frontdoor_members.privacy.testing import (
    CALLER_NUMBER,
    DOSSIER_TEXT,
    FORWARD_TEXT,
    MESSAGE_TEXT,
    NOTICE_TEXT,
    outbox_events,
    seed_everything,
)
from frontdoor_members.testing import ASTRID_NID, TENANT, context_of, create_member, headers


async def _count(app: FastAPI, model: Any, *where: Any) -> int:
    async with context_of(app).db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _run_privacy_consumer(app: FastAPI, envelope: dict[str, Any]) -> None:
    runtime = app.state.runtime
    router = erasure_router(runtime, runtime.spec.privacy, runtime.parts)
    fresh = Envelope.model_validate({**envelope, "id": str(uuid.uuid4())})  # a new delivery each time
    async with runtime.db.transaction() as s:
        await router(s, fresh)


async def _feed_reports(app: FastAPI) -> None:
    handler = reports_handler(context_of(app))
    for envelope in await outbox_events(app, "members.erasure.completed"):
        async with context_of(app).db.transaction() as s:
            await handler(s, Envelope.model_validate(envelope))


@pytest.fixture
async def erased(client: httpx.AsyncClient, app: FastAPI, clock: ManualClock) -> dict[str, Any]:
    """A member with a row in every table, their seal keys, and their erasure request run by members."""
    member = await create_member(client)
    member_id = uuid.UUID(member["id"])
    await seed_everything(app, TENANT, member_id, at=clock.now() - timedelta(days=3))
    runtime = app.state.runtime
    async with runtime.db.transaction() as s:  # keys of the numbers (a call event sealed the caller's number)
        await runtime.sealer.seal(s, TENANT, phone_subject(CALLER_NUMBER), "x")
        await runtime.sealer.seal(s, TENANT, phone_subject("+4748123456"), "x")
    # two more mails from their address: one nobody was identified for (theirs), one linked to a
    # family member sharing the address (the family member's)
    family = await create_member(client, member_number="2000021", national_id=None, phones=[])
    async with runtime.db.transaction() as s:
        for linked_to in (None, uuid.UUID(family["id"])):
            s.add(
                Message(
                    tenant_id=TENANT,
                    channel="email",
                    sender_address="Astrid.Fjellheim@example.org",
                    member_id=linked_to,
                    subject="Hei",
                    text_encrypted=context_of(app).vault.encrypt("hei"),
                    received_at=clock.now(),
                )
            )
    r = await client.post(f"/v1/members/{member_id}/erasure", headers=headers(scopes="privacy:erase"))
    assert r.status_code == 202
    [request] = await outbox_events(app, "members.erasure.requested")
    await _run_privacy_consumer(app, request)
    return {
        "member": member,
        "member_id": member_id,
        "family": family,
        "erasure_id": r.json()["erasure_id"],
        "request": request,
    }


async def test_the_member_becomes_a_tombstone_and_their_data_goes(app: FastAPI, erased: dict[str, Any]) -> None:
    member_id = erased["member_id"]
    async with context_of(app).db.transaction() as s:
        m = await s.get(Member, member_id)
        assert m is not None
        assert m.status == "erased" and m.first_name == "(erased)" and m.last_name == "(erased)"
        assert m.member_number.startswith("erased-") and m.member_number != erased["member"]["member_number"]
        assert m.national_id_encrypted is None and m.national_id_masked is None and m.national_id_digest is None
        assert (m.email, m.address_line1, m.postal_code, m.city, m.employer, m.workplace) == (None,) * 6
        entry = (await s.scalars(select(DossierEntry).where(DossierEntry.member_id == member_id))).one()  # type: ignore[arg-type]
        assert entry.summary is None and (entry.kind, entry.reason, entry.outcome) == (
            "log",
            "dues_invoice",
            "resolved",
        )
        forward = (await s.scalars(select(Forward))).one()
        assert forward.summary == ""
        notice = (await s.scalars(select(MemberNotice))).one()
        assert notice.body == "" and notice.to_number == ""
        change = (await s.scalars(select(MembershipChange))).one()
        assert change.note is None and change.to_union is None and change.kind == "move_union"
        contact = (await s.scalars(select(Contact))).one()
        assert contact.caller_number is None
        attempt = (await s.scalars(select(VerificationAttempt))).one()
        assert attempt.caller_number is None
        call = (await s.scalars(select(CallRecord))).one()
        assert call.completed is not None and call.completed["caller_number"] is None
        dump = json.dumps(
            [m.model_dump(mode="json"), entry.model_dump(mode="json"), call.completed], ensure_ascii=False
        )
    for plain in ("Astrid", "Fjellheim", ASTRID_NID, "astrid.fjellheim", "Bjørkeveien", "Nordli", CALLER_NUMBER):
        assert plain not in dump
    for model in (MemberPhone, PowerOfAttorney, MessageAttachment, MessageReply, OutgoingMail):
        assert await _count(app, model) == 0, model.__name__
    async with context_of(app).db.transaction() as s:
        left = list(await s.scalars(select(Message)))
    assert [m.member_id for m in left] == [uuid.UUID(erased["family"]["id"])]  # the family member's stays
    # kept: the invoices (dues accounting), the audit of reads, the seat taken
    assert await _count(app, Invoice) == 1
    assert await _count(app, PersonalDataRead, PersonalDataRead.member_id == member_id) >= 1  # type: ignore[arg-type]
    assert await _count(app, CourseSignup) == 1
    # every text written about them is gone from the database
    async with context_of(app).db.transaction() as s:
        texts = json.dumps(
            [
                [r.summary for r in await s.scalars(select(Forward))],
                [r.body for r in await s.scalars(select(MemberNotice))],
            ]
        )
    for text in (DOSSIER_TEXT, FORWARD_TEXT, MESSAGE_TEXT, NOTICE_TEXT):
        assert text not in texts


async def test_the_subjects_keys_are_shredded(app: FastAPI, erased: dict[str, Any]) -> None:
    sealer = app.state.runtime.sealer
    digests = [
        sealer.digest(TENANT, member_subject(erased["member_id"])),
        sealer.digest(TENANT, phone_subject(CALLER_NUMBER)),
        sealer.digest(TENANT, phone_subject("+4748123456")),
    ]
    async with context_of(app).db.transaction() as s:
        rows = (await s.execute(select(seal_keys.c.subject, seal_keys.c.wrapped_key))).all()
    assert {r.subject for r in rows} >= set(digests)
    assert all(r.wrapped_key is None for r in rows if r.subject in digests)


async def test_the_report_completes_members_part_and_a_second_run_changes_nothing(
    client: httpx.AsyncClient, app: FastAPI, erased: dict[str, Any]
) -> None:
    [completed] = await outbox_events(app, "members.erasure.completed")
    report = completed["data"]["report"]
    assert report["done"]["member"] == 1 and report["done"]["phones"] == 1 and report["done"]["messages"] == 2
    assert report["done"]["dossier_entries"] == 1 and report["done"]["forward_mails"] == 1
    assert report["done"]["dossier_keywords"] == 1  # words of the member's texts go with the texts
    async with context_of(app).db.transaction() as s:
        assert (await s.scalars(select(EntryKeyword))).all() == []
    assert report["keys_shredded"] >= 3
    assert any(k.startswith("invoices") for k in report["kept"])
    assert any("audit" in k for k in report["kept"])
    await _feed_reports(app)
    h = headers(scopes="privacy:erase")
    now = (await client.get(f"/v1/erasures/{erased['erasure_id']}", headers=h)).json()
    assert now["parts"]["members"]["status"] == "done" and now["parts"]["members"]["done"] == report["done"]
    assert now["status"] == "in_progress"  # the other services have not answered

    await _run_privacy_consumer(app, erased["request"])
    second = (await outbox_events(app, "members.erasure.completed"))[-1]["data"]["report"]
    assert set(second["done"].values()) == {0} and second["keys_shredded"] == 0
    await _feed_reports(app)
    assert (await client.get(f"/v1/erasures/{erased['erasure_id']}", headers=h)).json() == now


async def test_reads_of_an_erased_member_find_nothing(client: httpx.AsyncClient, erased: dict[str, Any]) -> None:
    member_id = erased["member_id"]
    r = await client.get(f"/v1/members/{member_id}/personal-data", headers=headers(scopes="privacy:export"))
    assert r.status_code == 404
    r = await client.get("/v1/members/lookup", params={"phone": "48123456"}, headers=headers())
    assert r.status_code == 200 and r.json()["candidates"] == []
    r = await client.get("/v1/members/lookup", params={"member_number": "2000013"}, headers=headers())
    assert r.status_code == 200 and r.json()["candidates"] == []
    # asking again answers the request there is (the tombstone is not a new member)
    again = await client.post(f"/v1/members/{member_id}/erasure", headers=headers(scopes="privacy:erase"))
    assert again.status_code == 200 and again.json()["erasure_id"] == erased["erasure_id"]


async def test_the_registry_answers_404_for_an_erased_member(client: httpx.AsyncClient, erased: dict[str, Any]) -> None:
    member_id = erased["member_id"]
    assert (await client.get(f"/v1/members/{member_id}", headers=headers())).status_code == 404
    assert (await client.get(f"/v1/members/{member_id}/invoices", headers=headers())).status_code == 404
