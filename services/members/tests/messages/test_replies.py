"""Replying from the console: the reply reaches a real SMTP server process threaded to the member's
mail (In-Reply-To, References), the message is answered (members.message.answered), and both are in
the dossier; a relay that is down leaves the reply pending, retried; another tenant sees nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from frontdoor_common.bus import topics
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import eventually
from frontdoor_common.testing.bus import read_envelopes
from frontdoor_members.testing import OTHER_TENANT, context_of, create_member, headers

from .conftest import Relay, add_mailbox, intake_port, mail, outbox_types, send

REPLY = "Dear Astrid, we refunded the second charge today. Kind regards, the contact center"


async def received_message(client: httpx.AsyncClient, app: Any, **overrides: Any) -> dict[str, Any]:
    """A mail from the demo member through the intake; returns the stored message."""
    await send(intake_port(app), mail(**overrides))
    [listed] = (await client.get("/v1/messages", headers=headers())).json()
    return dict(listed)


async def reply_view(client: httpx.AsyncClient, message_id: str) -> dict[str, Any]:
    opened = (await client.get(f"/v1/messages/{message_id}", headers=headers())).json()
    [reply] = opened["replies"]
    return dict(reply)


async def test_the_reply_reaches_the_smtp_server_threaded_and_the_exchange_is_in_the_dossier(
    messages_app: Callable[..., Any], relay: Relay, kafka_bootstrap: str
) -> None:
    async with messages_app(broker=True) as (client, app):
        member = await create_member(client)
        await add_mailbox(client)
        message = await received_message(client, app, message_id="<m1@mail.example.org>")
        agent = str(uuid.uuid4())
        r = await client.post(
            f"/v1/messages/{message['id']}/replies", json={"text": REPLY, "agent_id": agent}, headers=headers()
        )
        assert r.status_code == 201, r.text
        created = r.json()
        assert (created["status"], created["attempts"], created["agent_id"]) == ("pending", 0, agent)

        [sent] = await eventually(relay.messages)
        assert sent["To"] == "astrid.fjellheim@example.org" and sent["From"] == "kontakt@union.example"
        assert sent["In-Reply-To"] == "<m1@mail.example.org>" and sent["References"] == "<m1@mail.example.org>"
        assert sent["Subject"] == "Re: Question about my dues" and sent["Auto-Submitted"] is None
        assert sent["Message-ID"] == created["mail_message_id"] == f"<reply-{created['id']}@union.example>"
        assert REPLY in sent.get_payload(decode=True).decode()

        async def delivered() -> dict[str, Any] | None:
            view = await reply_view(client, message["id"])
            return view if view["status"] == "sent" else None

        done = await eventually(delivered)
        assert done["attempts"] == 1 and done["text"] == REPLY
        opened = (await client.get(f"/v1/messages/{message['id']}", headers=headers())).json()
        assert opened["status"] == "answered" and opened["answered_at"] is not None
        assert [m["id"] for m in (await client.get("/v1/messages?status=answered", headers=headers())).json()] == [
            message["id"]
        ]
        assert (await client.get("/v1/messages?status=received", headers=headers())).json() == []

        entries = (await client.get(f"/v1/members/{member['id']}/log", headers=headers())).json()["entries"]
        summaries = [e["summary"] for e in entries if e["kind"] == "message"]
        assert len(summaries) == 2 and any(REPLY in s for s in summaries)
        [reply_entry] = [e for e in entries if e["kind"] == "message" and REPLY in e["summary"]]
        assert reply_entry["id"] == done["dossier_entry_id"] and reply_entry["agent_id"] == agent

        # a second reply is threaded too, and does not announce the answer again
        r = await client.post(f"/v1/messages/{message['id']}/replies", json={"text": "P.S."}, headers=headers())
        assert r.status_code == 201
        await eventually(lambda: len(relay.messages()) == 2)
        assert (await outbox_types(app)).count("members.message.answered") == 1

        settings = context_of(app).settings
        envelopes = await read_envelopes(kafka_bootstrap, settings.topic(topics.MEMBERS), want=6)
        [answered] = [e for e in envelopes if e.type == "members.message.answered"]
        assert answered.data["message_id"] == message["id"] and answered.data["agent_id"] == agent
        assert answered.data["member_id"] == member["id"] and REPLY[:20] not in answered.model_dump_json()


async def test_a_relay_that_is_down_leaves_the_reply_pending_and_it_is_sent_when_back(
    messages_app: Callable[..., Any], relay: Relay, clock: ManualClock
) -> None:
    async with messages_app() as (client, app):
        await create_member(client)
        await add_mailbox(client)
        message = await received_message(client, app)
        relay.stop()
        r = await client.post(f"/v1/messages/{message['id']}/replies", json={"text": REPLY}, headers=headers())
        assert r.status_code == 201

        async def tried() -> dict[str, Any] | None:
            view = await reply_view(client, message["id"])
            return view if view["attempts"] >= 1 else None

        pending = await eventually(tried)
        assert (pending["status"], pending["sent_at"]) == ("pending", None)
        assert pending["last_error"] and "@" not in pending["last_error"]
        # answered already (routing ends the task): the mail itself waits in the outbox
        assert (await client.get(f"/v1/messages/{message['id']}", headers=headers())).json()["status"] == "answered"

        relay.start()
        clock.advance(seconds=61)

        async def sent() -> dict[str, Any] | None:
            view = await reply_view(client, message["id"])
            return view if view["status"] == "sent" else None

        done = await eventually(sent)
        assert done["attempts"] == 2
        assert datetime.fromisoformat(done["sent_at"]) == datetime(2026, 11, 25, 12, 1, 1, tzinfo=UTC)
    assert len(relay.messages()) == 1


async def test_another_tenants_message_is_a_404_everywhere(messages_app: Callable[..., Any]) -> None:
    async with messages_app() as (client, app):
        member = await create_member(client)
        await add_mailbox(client)
        message = await received_message(client, app)
        other = headers(OTHER_TENANT)
        for method, path, body in [
            ("GET", f"/v1/messages/{message['id']}", None),
            ("POST", f"/v1/messages/{message['id']}/replies", {"text": "Hi"}),
            ("POST", f"/v1/messages/{message['id']}/member", {"member_id": member["id"]}),
        ]:
            r = await client.request(method, path, json=body, headers=other)
            assert r.status_code == 404, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        assert (await client.get("/v1/messages", headers=other)).json() == []
        assert (await client.get("/v1/mailboxes", headers=other)).json() == []
        assert (await client.delete("/v1/mailboxes/kontakt", headers=other)).status_code == 404
        # another tenant cannot take the address
        r = await client.put("/v1/mailboxes/kontakt", json={"address": "kontakt@oslo.union.example"}, headers=other)
        assert r.status_code == 409 and r.json()["field"] == "address"
        # nothing changed for the owner
        assert (await client.get(f"/v1/messages/{message['id']}", headers=headers())).json()["status"] == "received"
        assert (await outbox_types(app)).count("members.message.answered") == 0


async def test_a_web_form_message_takes_the_same_path_and_bad_input_names_the_field(
    messages_app: Callable[..., Any], relay: Relay
) -> None:
    async with messages_app() as (client, app):
        member = await create_member(client)
        await add_mailbox(client, name="web", address=None, reason="courses")
        form: dict[str, Any] = {
            "mailbox": "web",
            "name": "Astrid F.",
            "email": "astrid.f@another.example",
            "member_number": "2000013",
            "subject": "Course in December",
            "text": "Is there room on the shop steward course?",
        }
        r = await client.post("/v1/messages", json=form, headers=headers(scopes="members:write"))
        assert r.status_code == 201, r.text
        created = r.json()
        assert (created["channel"], created["member_id"], created["identified_by"]) == (
            "webform",
            member["id"],
            "member_number",
        )
        assert created["reason"] == "courses" and created["text"] == form["text"]
        assert (await outbox_types(app)).count("members.message.received") == 1
        # the reply goes to the address the form gave
        r = await client.post(f"/v1/messages/{created['id']}/replies", json={"text": "Yes.\x00"}, headers=headers())
        assert r.status_code == 201 and r.json()["text"] == "Yes."  # a NUL no database stores is dropped
        [sent] = await eventually(relay.messages)
        assert sent["To"] == "astrid.f@another.example" and sent["In-Reply-To"] is None

        async def refused(body: dict[str, Any], field: str) -> None:
            r = await client.post("/v1/messages", json=body, headers=headers())
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            problem = r.json()
            assert problem.get("field") == field or field in str(problem.get("errors")), problem

        await refused({**form, "mailbox": "nope"}, "mailbox")
        await refused({**form, "reason": "not_a_reason"}, "reason")
        await refused({**form, "subject": "Hi\r\nBcc: all@evil.example"}, "subject")
        await refused({**form, "email": "not an address"}, "email")
        await refused({**form, "text": "x" * 65537}, "text")
        await refused({**form, "member_number": "12ab"}, "member_number")
        assert len((await client.get("/v1/messages", headers=headers())).json()) == 1
        # reading and writing need their scopes
        r = await client.post("/v1/messages", json=form, headers=headers(scopes="members:read"))
        assert r.status_code == 403


async def test_two_replies_at_once_announce_the_answer_once(messages_app: Callable[..., Any], relay: Relay) -> None:
    async with messages_app() as (client, app):
        await create_member(client)
        await add_mailbox(client)
        message = await received_message(client, app)
        url = f"/v1/messages/{message['id']}/replies"
        first, second = await asyncio.gather(
            client.post(url, json={"text": "One"}, headers=headers()),
            client.post(url, json={"text": "Two"}, headers=headers()),
        )
        assert (first.status_code, second.status_code) == (201, 201)
        assert (await outbox_types(app)).count("members.message.answered") == 1
        await eventually(lambda: len(relay.messages()) == 2)


async def test_a_desk_follows_the_replys_mail_without_reading_the_message_so_nothing_is_audited(
    messages_app: Callable[..., Any], relay: Relay
) -> None:
    from sqlmodel import func, select

    from frontdoor_members.audit.models import PersonalDataRead

    async def audited() -> int:
        async with context_of(app).db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(PersonalDataRead)) or 0)

    async with messages_app() as (client, app):
        await create_member(client)
        await add_mailbox(client)
        message = await received_message(client, app)
        r = await client.post(f"/v1/messages/{message['id']}/replies", json={"text": REPLY}, headers=headers())
        assert r.status_code == 201, r.text
        before = await audited()

        async def sent() -> list[dict[str, Any]] | None:
            got = await client.get(f"/v1/messages/{message['id']}/replies", headers=headers())
            assert got.status_code == 200, got.text
            rows: list[dict[str, Any]] = got.json()
            return rows if rows and rows[0]["status"] == "sent" else None

        [status] = await eventually(sent)
        assert status["id"] == r.json()["id"] and status["attempts"] == 1 and "text" not in status
        assert await audited() == before  # polling the mail's status read nothing personal
        # reading the message itself is audited
        assert (await client.get(f"/v1/messages/{message['id']}", headers=headers())).status_code == 200
        assert await audited() == before + 1
        other = await client.get(f"/v1/messages/{message['id']}/replies", headers=headers(OTHER_TENANT))
        assert other.status_code == 404
