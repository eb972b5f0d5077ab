"""A member's email through the SMTP intake, on real parts: aiosmtplib sends to the intake's port on
loopback; the message is stored, identified against the tenant's registry, in the dossier, and its
members.message.received reaches the broker. Too large is refused with 552, an executable is
quarantined, an unknown sender is an unidentified contact, a recipient no tenant owns is refused at
RCPT, and a mail delivered twice is kept once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest

from frontdoor_common.bus import topics
from frontdoor_common.testing.bus import read_envelopes
from frontdoor_members.messages.models import Message
from frontdoor_members.testing import OTHER_TENANT, TENANT, context_of, create_member, headers

from .conftest import MAILBOX, add_mailbox, intake_port, mail, outbox_types, send

TEXT = "Hello, I was charged twice for November. Can you check?"


async def messages(client: Any, tenant: str = TENANT, **query: str) -> list[dict[str, Any]]:
    r = await client.get("/v1/messages", params=query, headers=headers(tenant))
    assert r.status_code == 200, r.text
    result: list[dict[str, Any]] = r.json()
    return result


async def test_a_members_mail_becomes_an_identified_message_in_the_dossier_and_is_announced(
    messages_app: Callable[..., Any], kafka_bootstrap: str
) -> None:
    async with messages_app(broker=True) as (client, app):
        member = await create_member(client)
        await add_mailbox(client, reason="dues_invoice")
        # the sender's address in other letters than the registry's: still the member
        response = await send(intake_port(app), mail(sender="Astrid <Astrid.Fjellheim@EXAMPLE.org>"))
        assert response[1].startswith("2.0.0 OK")

        [listed] = await messages(client)
        assert (listed["member_id"], listed["identified_by"]) == (member["id"], "email")
        assert (listed["channel"], listed["mailbox"], listed["status"]) == ("email", "kontakt", "received")
        assert listed["subject"] == "Question about my dues" and listed["reason"] == "dues_invoice"
        assert "text" not in listed
        r = await client.get(f"/v1/messages/{listed['id']}", headers=headers())
        opened = r.json()
        assert opened["text"] == TEXT and opened["attachments"] == [] and opened["replies"] == []
        assert opened["sender_address"] == "astrid.fjellheim@example.org" and opened["sender_name"] == "Astrid"
        # the read of the member's message is audited
        [read] = (await client.get(f"/v1/members/{member['id']}/audit", headers=headers())).json()
        assert read["purpose"] == "message_read" and read["fields"] == ["message_text"]
        # in the dossier, as a message
        entries = (await client.get(f"/v1/members/{member['id']}/log", headers=headers())).json()["entries"]
        [entry] = [e for e in entries if e["kind"] == "message"]
        assert entry["id"] == listed["dossier_entry_id"] and TEXT in entry["summary"] and entry["channel"] == "email"
        # the text is encrypted at rest
        async with context_of(app).db.transaction() as session:
            row = await session.get(Message, uuid.UUID(listed["id"]))
            assert row is not None and "charged" not in row.text_encrypted

        settings = context_of(app).settings
        envelopes = await read_envelopes(kafka_bootstrap, settings.topic(topics.MEMBERS), want=3)
        [received] = [e for e in envelopes if e.type == "members.message.received"]
        assert received.data["message_id"] == listed["id"] and received.data["member_id"] == member["id"]
        assert received.data["channel"] == "email" and received.data["mailbox"] == "kontakt"
        assert received.data["reason"] == "dues_invoice" and received.tenant == TENANT
        assert "charged" not in received.model_dump_json() and "example.org" not in received.model_dump_json()


async def test_a_mail_delivered_again_is_kept_once(messages_app: Callable[..., Any]) -> None:
    async with messages_app() as (client, app):
        await add_mailbox(client)
        port = intake_port(app)
        await send(port, mail())
        await send(port, mail())  # the sender never saw our 250 and sends it again
        # someone else reusing the Message-ID with other words is another message
        await send(port, mail(sender="x@elsewhere.example", text="Let me in"))
        assert len(await messages(client)) == 2
        assert (await outbox_types(app)).count("members.message.received") == 2


async def test_a_mail_larger_than_the_cap_is_refused_with_552_and_nothing_is_stored(
    messages_app: Callable[..., Any],
) -> None:
    async with messages_app(intake_max_bytes=50_000) as (client, app):
        await add_mailbox(client)
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await send(intake_port(app), mail(text="x" * 80 + "\n" + ("word " * 15 + "\n") * 1000))
        assert refused.value.code == 552
        assert await messages(client) == []
        # a text longer than what is kept (but under the cap) is accepted, cut, its size recorded
        long_text = ("Lang tekst om lønn og oppsigelse. " * 3 + "\n") * 200
        await send(intake_port(app), mail(text=long_text, message_id="<long@mail.example.org>"))
        [listed] = await messages(client)
        opened = (await client.get(f"/v1/messages/{listed['id']}", headers=headers())).json()
        assert opened["text_truncated"] is True and len(opened["text"]) == 5000
        assert opened["raw_size"] > len(long_text)


def with_attachment(message: EmailMessage, content: bytes, filename: str, maintype: str, subtype: str) -> EmailMessage:
    message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


async def test_executable_attachments_are_quarantined_and_the_message_is_kept(
    messages_app: Callable[..., Any],
) -> None:
    async with messages_app() as (client, app):
        await add_mailbox(client)
        message = mail()
        with_attachment(message, b"%PDF-1.7 a letter", "oppsigelse.pdf", "application", "pdf")
        with_attachment(message, b"MZ\x90\x00 a program", "tool.exe", "application", "octet-stream")
        # a program renamed to look like a document is known by its first bytes
        with_attachment(message, b"MZ\x90\x00 a program", "faktura.pdf", "application", "pdf")
        with_attachment(message, b"echo hi", "run.sh", "text", "plain")
        with_attachment(message, b"WScript.Echo 1", "invoice\u202efdp.vbs", "text", "plain")
        await send(intake_port(app), message)
        [listed] = await messages(client)
        opened = (await client.get(f"/v1/messages/{listed['id']}", headers=headers())).json()
        assert opened["text"] == TEXT
        found = {(a["filename"], a["quarantined"], a["quarantine_reason"]) for a in opened["attachments"]}
        assert found == {
            ("oppsigelse.pdf", False, None),
            ("tool.exe", True, "extension"),
            ("faktura.pdf", True, "content"),
            ("run.sh", True, "extension"),
            ("invoice\u202efdp.vbs", True, "extension"),
        }
        assert all("content" not in a for a in opened["attachments"])  # no content is kept or served


async def test_an_unknown_sender_is_an_unidentified_contact_and_a_member_number_in_the_subject_identifies(
    messages_app: Callable[..., Any],
) -> None:
    async with messages_app() as (client, app):
        member = await create_member(client)
        # the same address belongs to a member of another tenant: identification stays in the tenant
        await create_member(client, tenant=OTHER_TENANT, member_number="3000011", email="stranger@example.net")
        await add_mailbox(client)
        port = intake_port(app)
        await send(port, mail(sender="stranger@example.net", message_id="<u1@example.net>"))
        await send(
            port,
            mail(sender="other@example.net", subject="Medlem 2000013: adresse", message_id="<u2@example.net>"),
        )
        by_subject = {m["subject"]: m for m in await messages(client)}
        unknown = by_subject["Question about my dues"]
        assert (unknown["member_id"], unknown["identified_by"], unknown["status"]) == (None, None, "received")
        numbered = by_subject["Medlem 2000013: adresse"]
        assert (numbered["member_id"], numbered["identified_by"]) == (member["id"], "member_number")
        assert (await outbox_types(app)).count("members.message.received") == 2

        # the agent names the member later: the message goes in the dossier
        r = await client.post(
            f"/v1/messages/{unknown['id']}/member", json={"member_id": member["id"]}, headers=headers()
        )
        assert r.status_code == 200 and r.json()["identified_by"] == "agent", r.text
        entries = (await client.get(f"/v1/members/{member['id']}/log", headers=headers())).json()["entries"]
        assert len([e for e in entries if e["kind"] == "message"]) == 2
        other = await create_member(client, member_number="2000021", email="b@example.org", national_id=None)
        r = await client.post(
            f"/v1/messages/{unknown['id']}/member", json={"member_id": other["id"]}, headers=headers()
        )
        assert r.status_code == 409 and r.json()["error_id"] == "message_already_identified"


async def test_a_recipient_no_tenant_owns_is_refused_at_rcpt(messages_app: Callable[..., Any]) -> None:
    async with messages_app() as (client, app):
        await add_mailbox(client)
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            await send(intake_port(app), mail(to="nobody@oslo.union.example"), recipients=["nobody@oslo.union.example"])
        assert refused.value.recipients[0].code == 550
        # one known and one unknown recipient: delivered to the known one
        await send(intake_port(app), mail(), recipients=["nobody@oslo.union.example", MAILBOX.upper()])
        assert len(await messages(client)) == 1
        # a mailbox removed no longer receives
        assert (await client.delete("/v1/mailboxes/kontakt", headers=headers())).status_code == 204
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
            await send(intake_port(app), mail(message_id="<later@mail.example.org>"))
