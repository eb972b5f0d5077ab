"""Issue 15 in Chromium: a member's email, sent with aiosmtplib to members' real SMTP intake,
becomes a task offered on the desk of an agent who is on a call; the agent accepts it beside
the call, reads it (a quarantined attachment marked, never linked), replies; the reply reaches
the stage's SMTP server process, the task ends in routing, and both are in the member's dossier.
A second email declined waits in its queue; a supervisor's Messages page lists both (the member's
name masked, the queue's target), an agent is refused it."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from typing import Any

from console_helpers import INVOICES, MEMBER_NUMBER, Desk, Stage, axe_violations, ok, sign_in, wait_for

MAILBOX = "kontakt@fagforbund.example.org"
SENDER = "ingrid.solbakken@example.org"  # the demo member's registered address
REPLY = "Thank you for writing. Your overtime claim is registered; a case worker calls you this week."


def _send_email(api: Stage, subject: str, text: str) -> str:
    """A member's email through members' SMTP intake (aiosmtplib, a real SMTP conversation); its Message-ID."""
    mail = EmailMessage()
    mail["From"] = f"Ingrid Solbakken <{SENDER}>"
    mail["To"] = MAILBOX
    mail["Subject"] = subject
    message_id = f"<{uuid.uuid4().hex}@example.org>"
    mail["Message-ID"] = message_id
    mail.set_content(text)
    program = b"MZ\x90\x00" + b"\x00" * 64
    mail.add_attachment(program, maintype="application", subtype="octet-stream", filename="invoice.exe")
    api.deliver(mail)
    return message_id


def _member_id(api: Stage) -> str:
    found = ok(api.members.get("/v1/members/lookup", params={"phone": MEMBER_NUMBER}))
    return str(found["candidates"][0]["member_id"])


def _message_with(api: Stage, subject: str) -> dict[str, Any] | None:
    listed = ok(api.members.get("/v1/messages", params={"limit": 100}))
    return next((dict(m) for m in listed if m["subject"] == subject), None)


def _text(mail: Any) -> str:
    parts = mail.walk() if mail.is_multipart() else [mail]
    return "\n".join(
        p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8")
        for p in parts
        if p.get_content_type() == "text/plain"
    )


def _reply_mail(api: Stage, in_reply_to: str) -> Any:
    return next((m for m in api.mails() if m["In-Reply-To"] == in_reply_to), None)


def test_an_email_is_offered_to_an_agent_on_a_call_answered_and_in_the_dossier(
    browser: Any, console: str, api: Stage
) -> None:
    member_id = _member_id(api)
    subject = f"Overtime not paid {uuid.uuid4().hex[:6]}"
    context = browser.new_context(viewport={"width": 1280, "height": 1200})
    call_id = ""
    try:
        api.only_available("Kari", queue=INVOICES)  # Kari: invoices, and helps in the queue "kontakt" goes to
        page = context.new_page()
        sign_in(page, console, "Kari Nordmann")
        call_id = api.post_call("1")["call"]["call_id"]
        page.wait_for_selector("#accept-button", timeout=15000)
        page.click("#accept-button")
        page.wait_for_selector("#call")

        # On the call, an email arrives: offered beside the call, which stays as it is.
        message_id = _send_email(api, subject, "My employer has not paid overtime since March.\nWhat can I do?")
        offer = page.wait_for_selector(".task-offer", timeout=20000)
        task_id = str(offer.get_attribute("data-task-id"))
        assert offer.get_attribute("data-channel") == "email"
        assert "Ingrid Solbakken" in offer.inner_text()
        assert page.is_visible("#call") and page.get_attribute("#call", "data-call-id") == call_id
        assert axe_violations(page) == []

        page.click(f"#task-accept-{task_id}")
        space = page.wait_for_selector(f"#task-{task_id}")
        assert page.query_selector(f"#task-offer-{task_id}") is None
        assert page.evaluate("document.activeElement.id") == f"task-h-{task_id}"  # focus follows, under the call
        text = space.inner_text()
        assert subject in text and SENDER in text and "Ingrid Solbakken" in text
        assert "overtime since March" in page.inner_text(f"#task-text-{task_id}")
        quarantined = page.inner_text(f"#task-{task_id} .attachments .quarantined")
        assert "invoice.exe" in quarantined and "Quarantined" in quarantined
        assert page.query_selector(f"#task-{task_id} .attachments a") is None  # never linked
        assert page.is_visible("#call")  # the call goes on
        held = ok(api.routing.get(f"/v1/tasks/{task_id}"))["task"]
        assert held["state"] == "accepted" and held["agent_id"] == api.people()["Kari"]
        assert axe_violations(page) == []

        # A reload finds the task again beside the call.
        page.reload()
        page.wait_for_selector(f"#task-{task_id} #task-reply-form-{task_id}")
        assert page.is_visible("#call")
        # Another agent's desk cannot reply to, close or take Kari's task: said in words, nothing sent.
        other = Desk(console, "Ola Lysebu")
        try:
            for action, data in (("reply", {"text": "Not mine"}), ("complete", {}), ("accept", {"offer_id": "x"})):
                refused = other.post(f"/desk/tasks/{task_id}/{action}", data)
                assert refused.status_code == 409 and "Nothing was changed" in refused.text, action
            assert other.post("/desk/tasks/not-a-task/reply", {"text": "x"}).status_code == 404
        finally:
            other.close()
        assert ok(api.members.get(f"/v1/messages/{held['message_id']}"))["replies"] == []
        assert ok(api.routing.get(f"/v1/tasks/{task_id}"))["task"]["state"] == "accepted"

        # An empty reply: members' 422 beside the text, nothing sent.
        page.click(f"#task-send-{task_id}")
        page.wait_for_selector(f"#task-reply-err-{task_id}")
        assert page.get_attribute(f"#task-reply-text-{task_id}", "aria-invalid") == "true"
        assert page.get_attribute(f"#task-reply-text-{task_id}", "aria-describedby") == f"task-reply-err-{task_id}"
        assert axe_violations(page) == []

        page.fill(f"#task-reply-text-{task_id}", REPLY)
        page.click(f"#task-send-{task_id}")
        page.wait_for_selector(f"#task-reply-{task_id}")
        page.wait_for_selector(f"#task-reply-{task_id}[data-status='sent']", timeout=20000)
        assert "Reply sent at" in page.inner_text(f"#task-reply-{task_id}")

        # The reply reached the SMTP server, threaded on the member's mail.
        mail = wait_for(lambda: _reply_mail(api, message_id), what="the reply at the SMTP server")
        assert mail["To"] == SENDER and mail["Subject"] == f"Re: {subject}"
        assert REPLY in _text(mail)

        # The task ended in routing (members.message.answered), answered.
        def completed() -> dict[str, Any] | None:
            task = ok(api.routing.get(f"/v1/tasks/{task_id}"))["task"]
            return dict(task) if task["state"] == "completed" else None

        ended = wait_for(completed, what="routing to end the task")
        assert ended["resolution"] == "answered"
        page.click(f"#task-close-{task_id}")
        page.wait_for_selector(f".task-done[data-task-id='{task_id}']")
        assert page.is_visible("#call")
        # Both are in the member's dossier.
        entries = ok(api.members.get(f"/v1/members/{member_id}/log", params={"limit": 50}))["entries"]
        summaries = [str(e.get("summary")) for e in entries if e.get("kind") == "message"]
        assert any(s.startswith(f"Email received: {subject}") for s in summaries), summaries
        assert any(s.startswith(f"Reply sent by email: Re: {subject}") and REPLY in s for s in summaries), summaries

        # A second email: Kari declines it; it waits in its queue (never offered to her again), and
        # the supervisor's Messages page lists it beside the answered one.
        waiting_subject = f"Membership fee question {uuid.uuid4().hex[:6]}"
        _send_email(api, waiting_subject, "Why did my fee go up?")
        waiting = wait_for(lambda: _message_with(api, waiting_subject), what="members to keep the second email")
        second = page.wait_for_selector(".task-offer", timeout=20000)
        second_id = str(second.get_attribute("data-task-id"))
        page.click(f"#task-decline-{second_id}")
        assert "You declined the message" in page.wait_for_selector(".task-withdrawn").inner_text()
        assert page.query_selector(f"#task-offer-{second_id}") is None
        declined = ok(api.routing.get(f"/v1/tasks/{second_id}"))
        assert declined["task"]["state"] == "queued" and declined["offer_id"] is None
        assert declined["task"]["message_id"] == waiting["id"]
        answered = _message_with(api, subject)
        assert answered is not None
        boss = browser.new_context(viewport={"width": 1280, "height": 1000})
        try:
            sup = boss.new_page()
            sign_in(sup, console, "Sindre Fjellheim", role="supervisor")
            sup.click("nav a[href='/messages']")
            sup.wait_for_selector("#messages-waiting")
            row = sup.inner_text(f"#messages-waiting #message-{waiting['id']}")
            assert waiting_subject in row and "Ingrid S." in row and "Solbakken" not in row
            assert "In the queue" in row
            assert subject in sup.inner_text(f"#messages-answered #message-{answered['id']}")
            assert "24:00:00" in row  # the queue's target, one day
            assert int(sup.inner_text("#messages-summary-email td:nth-of-type(1)")) >= 1
            assert "overtime since March" not in sup.content()  # no message text on the page
            assert axe_violations(sup) == []
            # An agent has no link and gets the 403 page.
            assert page.query_selector("nav a[href='/messages']") is None
            assert page.goto(console + "/messages").status == 403  # type: ignore[union-attr]
        finally:
            boss.close()
            body = {"text": "Answered by the test's clean-up."}
            api.members.post(f"/v1/messages/{waiting['id']}/replies", json=body)
    finally:
        context.close()
        if call_id:
            api.end_call(call_id)
