"""Forwarding a trouble enquiry by email to the department's case worker, on real parts: the mail
reaches a real SMTP server process, the dossier has the dated remark, the events reach the broker;
a relay that is down leaves the forward pending and it goes out once when the relay is back; bad
input is refused naming the field; another tenant sees nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from typing import Any

import httpx
from sqlalchemy import select

from frontdoor_common.bus import topics
from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import eventually
from frontdoor_common.testing.bus import read_envelopes
from frontdoor_members.tenants.models import Department
from frontdoor_members.testing import ASTRID_NID, OTHER_TENANT, TENANT, context_of, create_member, headers

SUMMARY = "Dismissed on Friday without notice after 11 years; the employer says 'restructuring'."
WORKPLACE = "Nordli Bygg AS"


async def department(client: httpx.AsyncClient, code: str = "OSL", email: str | None = "sak@oslo.union.example") -> str:
    """A department of the tenant with the demo member's workplace; returns its id."""
    body = {"code": code, "name": f"Avdeling {code}", "email": email, "workplaces": [WORKPLACE]}
    r = await client.post("/v1/departments", json=body, headers=headers())
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def member_in_department(client: httpx.AsyncClient) -> dict[str, Any]:
    """A department with an email, and a member who belongs to it by workplace."""
    department_id = await department(client)
    member = await create_member(client, workplace=WORKPLACE)
    assert member["department_id"] == department_id
    return member


def forward_body(**overrides: Any) -> dict[str, Any]:
    """A valid forward body (trouble, with the agent's summary)."""
    return {"reason": "trouble", "summary": SUMMARY, **overrides}


def subject_of(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


async def test_a_forward_mails_the_case_worker_writes_the_dated_remark_and_announces_it(
    forwards_app: Callable[..., Any], smtp_server: Any, kafka_bootstrap: str
) -> None:
    async with forwards_app(broker=True) as (client, app):
        member = await member_in_department(client)
        r = await client.post(f"/v1/members/{member['id']}/forwards", json=forward_body(), headers=headers())
        assert r.status_code == 201, r.text
        created = r.json()
        assert (created["status"], created["attempts"], created["department"]["code"]) == ("pending", 0, "OSL")
        assert created["followup_id"] is None and created["dossier_entry_id"] is not None

        [message] = await eventually(smtp_server.messages)
        assert message["To"] == "sak@oslo.union.example" and message["From"] == "frontdoor@union.example"
        assert message["Message-ID"] == created["message_id"] == f"<forward-{created['id']}@union.example>"
        assert subject_of(message) == "Forwarded enquiry (trouble): member 2000013 Fjellheim"
        body = message.get_payload(decode=True).decode()
        for detail in ("Astrid Fjellheim", "2000013", "+4748123456", "astrid.fjellheim@example.org", WORKPLACE):
            assert detail in body
        assert SUMMARY in body and "Avdeling OSL" in body
        assert "Forwarded by: agent-1, 2026-11-25 13:00 CET" in body  # the tenant's local time (clock: 12:00 UTC)
        assert ASTRID_NID not in body and ASTRID_NID[-5:] not in body  # never the national ID, not even masked

        sent = await eventually(
            lambda: _sent(client, created["id"]),
        )
        assert sent["attempts"] == 1 and sent["last_error"] is None
        assert datetime.fromisoformat(sent["sent_at"]) == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
        listed = (await client.get("/v1/forwards?status=sent", headers=headers())).json()
        assert [f["id"] for f in listed] == [created["id"]]
        assert (await client.get("/v1/forwards?status=pending", headers=headers())).json() == []

        log = (await client.get(f"/v1/members/{member['id']}/log?kind=remark", headers=headers())).json()
        [remark] = log["entries"]
        assert remark["id"] == created["dossier_entry_id"] and remark["noted_on"] == "2026-11-25"
        assert remark["channel"] == "email" and remark["reason"] == "trouble"
        assert remark["summary"].startswith("Forwarded by email to Avdeling OSL (OSL), reason trouble.")
        assert SUMMARY in remark["summary"]
        # the mail disclosed the member's details to the department: audited like a read
        [audit] = (await client.get(f"/v1/members/{member['id']}/audit", headers=headers())).json()
        assert audit["purpose"] == "forwarded_to_department" and "phones" in audit["fields"]

        settings = context_of(app).settings
        envelopes = await read_envelopes(kafka_bootstrap, settings.topic(topics.MEMBERS), want=3)
        by_type = {e.type: e for e in envelopes}
        forwarded = by_type["members.enquiry.forwarded"].data
        assert forwarded["forward_id"] == created["id"] and forwarded["member_id"] == member["id"]
        assert forwarded["reason"] == "trouble" and forwarded["dossier_entry_id"] == created["dossier_entry_id"]
        assert "summary" not in forwarded and "Fjellheim" not in str(forwarded)
        added = [e for e in envelopes if e.type == "members.dossier.entry_added"]
        assert any(e.data["entry_id"] == created["dossier_entry_id"] for e in added)


async def _sent(client: httpx.AsyncClient, forward_id: str) -> dict[str, Any] | None:
    view: dict[str, Any] = (await client.get(f"/v1/forwards/{forward_id}", headers=headers())).json()
    return view if view["status"] == "sent" else None


async def test_a_relay_that_is_down_leaves_the_forward_pending_and_it_is_sent_once_when_back(
    forwards_app: Callable[..., Any], smtp_server: Any, clock: ManualClock
) -> None:
    async with forwards_app() as (client, app):
        member = await member_in_department(client)
        smtp_server.stop()
        r = await client.post(f"/v1/members/{member['id']}/forwards", json=forward_body(), headers=headers())
        assert r.status_code == 201, r.text
        forward_id = r.json()["id"]

        async def tried() -> dict[str, Any] | None:
            view: dict[str, Any] = (await client.get(f"/v1/forwards/{forward_id}", headers=headers())).json()
            return view if view["attempts"] >= 1 else None

        pending = await eventually(tried)
        # the clock has not moved: one attempt, and the next waits for the backoff
        assert (pending["status"], pending["attempts"], pending["sent_at"]) == ("pending", 1, None)
        assert pending["last_error"] and "@" not in pending["last_error"]
        listed = (await client.get("/v1/forwards?status=pending", headers=headers())).json()
        assert [f["id"] for f in listed] == [forward_id]
        assert await context_of(app).mail_sender.send_due() == 0  # not due before the backoff ends

        smtp_server.start()
        clock.advance(seconds=61)
        sent = await eventually(lambda: _sent(client, forward_id))
        assert sent["attempts"] == 2 and sent["last_error"] is None
        assert datetime.fromisoformat(sent["sent_at"]) == datetime(2026, 11, 25, 12, 1, 1, tzinfo=UTC)
        clock.advance(hours=1)
        assert await context_of(app).mail_sender.send_due() == 0  # nothing left to send
    assert len(smtp_server.messages()) == 1


async def test_another_tenants_token_finds_no_member_forward_or_followup(
    forwards_app: Callable[..., Any], smtp_server: Any
) -> None:
    async with forwards_app() as (client, _app):
        member = await member_in_department(client)
        body = forward_body(deadline="2026-12-04")
        created = (await client.post(f"/v1/members/{member['id']}/forwards", json=body, headers=headers())).json()
        other = headers(OTHER_TENANT)
        r = await client.post(f"/v1/members/{member['id']}/forwards", json=body, headers=other)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
        assert (await client.get(f"/v1/forwards/{created['id']}", headers=other)).status_code == 404
        assert (await client.get("/v1/forwards", headers=other)).json() == []
        followup = created["followup_id"]
        assert (await client.get(f"/v1/followups/{followup}", headers=other)).status_code == 404
        assert (await client.post(f"/v1/followups/{followup}/done", headers=other)).status_code == 404
        assert (await client.get("/v1/followups", headers=other)).json() == []
        # still the owner's, untouched
        assert (await client.get(f"/v1/followups/{followup}", headers=headers())).json()["status"] == "open"
        # another tenant's department is not a department of this tenant
        other_department = (
            await client.post(
                "/v1/departments",
                json={"code": "X", "name": "X", "email": "x@other.example", "workplaces": []},
                headers=other,
            )
        ).json()["id"]
        r = await client.post(
            f"/v1/members/{member['id']}/forwards", json=forward_body(department_id=other_department), headers=headers()
        )
        assert r.status_code == 422 and r.json()["field"] == "department_id"


async def test_bad_forwards_are_refused_naming_the_field_and_nothing_is_stored(
    forwards_app: Callable[..., Any], smtp_server: Any, clock: ManualClock
) -> None:
    async with forwards_app() as (client, app):
        member = await member_in_department(client)
        url = f"/v1/members/{member['id']}/forwards"

        async def refused(body: dict[str, Any], field: str) -> dict[str, Any]:
            r = await client.post(url, json=body, headers=headers())
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            problem: dict[str, Any] = r.json()
            assert problem["field"] == field, problem
            return problem

        # header injection through anything that goes into a header
        injected = await refused(forward_body(reason="trouble\r\nBcc: all@evil.example"), "reason")
        assert injected["error_id"] == "line_break_in_header"
        await refused(forward_body(reason="trouble\nBcc: all@evil.example"), "reason")
        await refused(forward_body(reason="not_a_reason"), "reason")
        await refused(forward_body(deadline="2026-11-24"), "deadline")  # yesterday
        await refused(forward_body(summary="x" * 4001), "summary")
        await refused(forward_body(summary="   "), "summary")
        await refused({"summary": SUMMARY}, "reason")
        no_email = await department(client, code="NOMAIL", email=None)
        problem = await refused(forward_body(department_id=no_email), "department_id")
        assert problem["error_id"] == "department_without_email"
        # such addresses are refused when a department is written (422 naming email); one stored
        # before that check (legacy data) is still never put into a header
        for bad in ("sak@dept.example\r\nBcc: all@evil.example", "a@dept.example, b@dept.example"):
            r = await client.post(
                "/v1/departments", json={"code": "BAD", "name": "Bad", "email": bad}, headers=headers()
            )
            assert r.status_code == 422 and r.json()["field"] == "email", r.text
            legacy = Department(tenant_id=TENANT, code=f"L{len(bad)}", name="Legacy", email=bad, created_at=clock.now())
            async with context_of(app).db.transaction() as session:
                session.add(legacy)
            await refused(forward_body(department_id=str(legacy.id)), "department_id")
        await refused(forward_body(department_id="6f1c1f9e-0000-4000-8000-000000000000"), "department_id")
        homeless = await create_member(
            client, member_number="2000021", national_id=None, workplace="Elsewhere AS", phones=[]
        )
        assert homeless["department_id"] is None
        r = await client.post(f"/v1/members/{homeless['id']}/forwards", json=forward_body(), headers=headers())
        assert r.status_code == 422 and r.json()["field"] == "department_id"
        assert r.json()["error_id"] == "department_required"
        # today is fine (the deadline is the member's, today counts)
        ok = await client.post(url, json=forward_body(deadline="2026-11-25"), headers=headers())
        assert ok.status_code == 201, ok.text
        # nothing refused left a trace: one forward, one remark, one mail
        assert len((await client.get("/v1/forwards", headers=headers())).json()) == 1
        log = (await client.get(f"/v1/members/{member['id']}/log?kind=remark", headers=headers())).json()
        assert len(log["entries"]) == 1
        async with context_of(app).db.transaction() as session:
            types = [row.type for row in (await session.execute(select(outbox.c.type))).all()]
        assert types.count("members.enquiry.forwarded") == 1 and types.count("members.followup.recorded") == 1
        await eventually(lambda: len(smtp_server.messages()) == 1)
    [message] = smtp_server.messages()
    assert message["Bcc"] is None and message["To"] == "sak@oslo.union.example"


async def test_unknown_member_is_a_404_and_the_operations_need_their_scopes(
    forwards_app: Callable[..., Any], smtp_server: Any
) -> None:
    async with forwards_app() as (client, _app):
        member = await member_in_department(client)
        url = f"/v1/members/{member['id']}/forwards"
        unknown = "/v1/members/6f1c1f9e-0000-4000-8000-000000000000/forwards"
        assert (await client.post(unknown, json=forward_body(), headers=headers())).status_code == 404
        assert (await client.post(url, json=forward_body(), headers=headers(scopes="members:read"))).status_code == 403
        assert (await client.get("/v1/forwards", headers=headers(scopes="routing:read"))).status_code == 403
        assert (await client.get("/v1/followups", headers=headers(scopes="members:read"))).status_code == 200


async def test_the_openapi_document_declares_the_problems(forwards_app: Callable[..., Any], smtp_server: Any) -> None:
    async with forwards_app() as (client, _app):
        paths = (await client.get("/openapi.json")).json()["paths"]
    post = paths["/v1/members/{member_id}/forwards"]["post"]["responses"]
    assert {"201", "404", "422", "413"} <= set(post)
    assert "application/problem+json" in post["422"]["content"]
    for path in ("/v1/forwards/{forward_id}", "/v1/followups/{followup_id}"):
        assert "404" in paths[path]["get"]["responses"]
    assert "404" in paths["/v1/followups/{followup_id}/done"]["post"]["responses"]


async def test_two_instances_claiming_at_once_send_a_mail_once(
    forwards_app: Callable[..., Any], smtp_server: Any, clock: ManualClock
) -> None:
    from frontdoor_members.forwards.sender import MailSender

    async with forwards_app(mail_send_interval_s=3600.0) as (client, app):
        ctx = context_of(app)
        await ctx.mail_sender.stop()  # this test ticks the senders by hand
        member = await member_in_department(client)
        for _ in range(3):
            r = await client.post(f"/v1/members/{member['id']}/forwards", json=forward_body(), headers=headers())
            assert r.status_code == 201
        other = MailSender(db=ctx.db, settings=ctx.settings, clock=clock)
        claimed = await asyncio.gather(ctx.mail_sender.send_due(), other.send_due())
        assert sum(claimed) == 3
        clock.advance(timedelta(hours=2))
        assert await ctx.mail_sender.send_due() == 0
    assert len(smtp_server.messages()) == 3
    assert len({m["Message-ID"] for m in smtp_server.messages()}) == 3
