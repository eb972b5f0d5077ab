"""Issue 15 in Chromium: an agent in a call with an identified member forwards the enquiry to a
department's case worker (the mail really arrives at the stage's SMTP server); members' 422s
show beside their fields and create nothing; a supervisor marks the member's deadline done on
the Follow-ups page; an agent is refused that page."""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from datetime import date, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

from console_helpers import (
    INVOICES,
    MEMBER_NUMBER,
    WAGES,
    Desk,
    Stage,
    axe_violations,
    console_settings,
    ok,
    served_in_thread,
    sign_in,
    wait_for,
)

from frontdoor_console.app import create_app
from frontdoor_console.stage import MEMBER_NATIONAL_ID

SUMMARY = "The employer has not paid overtime since March; the member wants the union to act."


def _department(api: Stage, *, email: str | None) -> dict[str, Any]:
    """A department of the demo tenant's, with a case worker's address (or none)."""
    code = f"t-{uuid.uuid4().hex[:8]}"
    body = {"code": code, "name": f"Case work {code}", "email": email, "workplaces": []}
    return dict(ok(api.members.post("/v1/departments", json=body), 201))


def _member_id(api: Stage) -> str:
    """The demo member who calls from MEMBER_NUMBER (Ingrid Solbakken)."""
    found = ok(api.members.get("/v1/members/lookup", params={"phone": MEMBER_NUMBER}))
    return str(found["candidates"][0]["member_id"])


def _forwards_of(api: Stage, member_id: str) -> list[dict[str, Any]]:
    return [f for f in ok(api.members.get("/v1/forwards", params={"limit": 500})) if f["member_id"] == member_id]


def _submit(page: Any) -> int:
    """Send the forward form; the status of the answer, once htmx has put it in place."""
    page.eval_on_selector("#forward-form", "el => { el.dataset.stale = '1'; }")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/forward")) as info:
        page.click("#forward-button")
    page.wait_for_selector("#forward-form:not([data-stale])")
    return int(info.value.status)


def _mail_with(api: Stage, message_id: str) -> Message | None:
    return next((m for m in api.mails() if m["Message-ID"] == message_id), None)


def _text(mail: Message) -> str:
    parts = mail.walk() if mail.is_multipart() else [mail]
    return "\n".join(
        str(p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8"))  # type: ignore[union-attr]
        for p in parts
        if p.get_content_type() == "text/plain"
    )


def test_an_agent_forwards_the_members_enquiry_and_the_mail_reaches_the_case_worker(
    browser: Any, console: str, api: Stage
) -> None:
    member_id = _member_id(api)
    own = ok(api.members.get(f"/v1/members/{member_id}"))["department_id"]
    case_work = _department(api, email="case.worker@example.org")
    no_address = _department(api, email=None)
    before = len(_forwards_of(api, member_id))
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    call_id = ""
    try:
        api.only_available("Ingrid", queue=WAGES)
        page = context.new_page()
        sign_in(page, console, "Ingrid Bakkevold")
        call_id = api.post_call("2")["call"]["call_id"]
        page.wait_for_selector("#accept-button", timeout=15000)
        page.click("#accept-button")
        page.wait_for_selector("#forward-form")
        # The member's own department is chosen; the playbook's reason is the forward's too.
        assert page.input_value("#forward-department") == own
        page.select_option("#playbook-reason", "trouble")
        wait_for(lambda: page.input_value("#forward-reason") == "trouble", what="the forward's reason to follow")
        assert axe_violations(page) == []

        # A department without an address: members' 422 beside the department.
        page.select_option("#forward-department", no_address["id"])
        page.fill("#forward-summary", SUMMARY)
        assert _submit(page) == 422
        assert page.get_attribute("#forward-department", "aria-invalid") == "true"
        assert "no email address" in page.inner_text("#forward-err-department_id")
        # A deadline that has passed: members' 422 beside the deadline, the values kept.
        page.select_option("#forward-department", case_work["id"])
        yesterday = date.today() - timedelta(days=2)  # before today in any time zone
        page.fill("#forward-deadline", yesterday.isoformat())
        assert _submit(page) == 422
        assert page.get_attribute("#forward-deadline", "aria-invalid") == "true"
        assert "deadline has passed" in page.inner_text("#forward-err-deadline")
        assert page.query_selector("#forward-err-department_id") is None
        assert page.input_value("#forward-summary") == SUMMARY
        assert page.input_value("#forward-department") == case_work["id"]
        assert len(_forwards_of(api, member_id)) == before  # nothing was created
        assert axe_violations(page) == []

        # A deadline ahead: forwarded; pending at once, then sent, asked again by the panel.
        deadline = date.today() + timedelta(days=20)
        page.fill("#forward-deadline", deadline.isoformat())
        assert _submit(page) == 201
        state = page.get_attribute("#forward-status", "data-status")
        assert state == "pending", state  # members answers 201 before its worker sends the mail
        assert f"Mail to {case_work['name']} pending (attempt 1)" in page.inner_text("#forward-state")
        page.wait_for_selector("#forward-status[data-status='sent']", timeout=20000)
        assert f"Mail to {case_work['name']} sent at" in page.inner_text("#forward-state")
        assert page.is_visible("#forward-followup")
        assert page.input_value("#forward-summary") == ""  # the form is ready for another,
        assert page.input_value("#forward-department") == case_work["id"]  # to the same department

        made = _forwards_of(api, member_id)
        assert len(made) == before + 1
        forward = made[0]
        assert forward["status"] == "sent" and forward["deadline"] == deadline.isoformat()
        assert forward["department"]["id"] == case_work["id"] and forward["reason"] == "trouble"
        followup = ok(api.members.get(f"/v1/followups/{forward['followup_id']}"))
        assert followup["status"] == "open" and followup["deadline"] == deadline.isoformat()
        # The mail arrived at the SMTP server, to the case worker, with the summary, without the ID.
        mail = wait_for(lambda: _mail_with(api, forward["message_id"]), what="the mail at the SMTP server")
        assert mail["To"] == "case.worker@example.org"
        body = _text(mail)
        assert SUMMARY in body
        assert MEMBER_NATIONAL_ID not in mail.as_string()
        ok(api.members.post(f"/v1/followups/{forward['followup_id']}/done"))  # leave no open deadline behind
    finally:
        context.close()
        if call_id:
            api.end_call(call_id)


def test_a_supervisor_marks_a_members_deadline_done_on_the_follow_ups_page(
    browser: Any, console: str, api: Stage
) -> None:
    member_id = _member_id(api)
    case_work = _department(api, email="deadlines@example.org")

    def forward(deadline: date) -> dict[str, Any]:
        body = {
            "department_id": case_work["id"],
            "reason": "trouble",
            "summary": "A dismissal letter; the member must answer by the deadline.",
            "deadline": deadline.isoformat(),
        }
        return dict(ok(api.members.post(f"/v1/members/{member_id}/forwards", json=body), 201))

    # Due tomorrow: escalated at once (never before it was recorded). A month ahead: open.
    urgent = forward(date.today() + timedelta(days=1))["followup_id"]
    later = forward(date.today() + timedelta(days=30))["followup_id"]
    wait_for(
        lambda: ok(api.members.get(f"/v1/followups/{urgent}"))["status"] == "escalated",
        what="members to escalate the follow-up due tomorrow",
    )
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        page = context.new_page()
        sign_in(page, console, "Kari Nordmann", role="supervisor")
        page.click("nav a[href='/followups']")
        page.wait_for_selector("#followups-lists")
        row = page.inner_text(f"#followups-escalated #followup-{urgent}")
        assert "Ingrid S." in row and "1000017" in row and case_work["name"] in row
        assert "Solbakken" not in page.inner_text("main")  # the name is masked
        assert MEMBER_NATIONAL_ID not in page.content() and "*****" not in page.content()  # not even masked
        assert page.query_selector(f"#followups-open #followup-{later}") is not None
        assert axe_violations(page) == []

        page.click(f"#done-{urgent}")
        assert "Marked done: Ingrid S., deadline" in page.wait_for_selector("#followup-done").inner_text()
        assert page.query_selector(f"#followup-{urgent}") is None
        assert page.query_selector(f"#followup-{later}") is not None
        done = ok(api.members.get(f"/v1/followups/{urgent}"))
        assert done["status"] == "done" and done["done_by"]
        assert ok(api.members.get(f"/v1/followups/{later}"))["status"] == "open"
        assert axe_violations(page) == []
        # Without htmx (a plain form post), the page comes back.
        page.goto(console + "/followups")
        assert page.query_selector(f"#followup-{urgent}") is None
    finally:
        context.close()
        api.members.post(f"/v1/followups/{later}/done")


def test_an_agent_is_refused_the_follow_ups_page(browser: Any, console: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, console, "Ola Lysebu", role="agent")
        assert page.query_selector("a[href='/followups']") is None  # not in the navigation
        response = page.goto(console + "/followups")
        assert response is not None and response.status == 403
        assert "for supervisors" in page.inner_text("main")
        assert page.query_selector("#followups-lists") is None
        assert axe_violations(page) == []
    finally:
        context.close()
    desk = Desk(console, "Ola Lysebu")
    try:  # nor may an agent mark one done, even with the session's CSRF token
        answer = desk.post(f"/followups/{uuid.uuid4()}/done")
        assert answer.status_code == 403
    finally:
        desk.close()


class Cable:
    """A TCP relay to a service that the test can cut: members answering, then gone (connections
    open through it are cut too), without stopping the platform's members process."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                near, _ = self.server.accept()
            except OSError:
                return
            far = socket.create_connection(("127.0.0.1", self.target))
            self.open += [near, far]
            for a, b in ((near, far), (far, near)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        """Nothing gets through any more (new connections are refused)."""
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        for s in self.open:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def test_with_members_gone_the_forward_panel_says_so_and_the_call_is_completed(
    browser: Any, platform: Stage, api: Stage, tmp_path: Path
) -> None:
    member_id = _member_id(api)
    before = len(_forwards_of(api, member_id))
    api.only_available("Sindre", queue=INVOICES)
    cable = Cable(platform.ports["members"])
    settings = console_settings(platform, tmp_path, members_url=f"http://127.0.0.1:{cable.port}")
    call_id = ""
    with served_in_thread(create_app(settings)) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        try:
            page = context.new_page()
            sign_in(page, base, "Sindre Fjellheim")
            call_id = api.post_call("1")["call"]["call_id"]
            page.wait_for_selector("#accept-button", timeout=15000)
            page.click("#accept-button")
            page.wait_for_selector("#forward-form")
            page.fill("#forward-summary", SUMMARY)
            cable.cut()
            with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/forward")) as info:
                page.click("#forward-button")
            assert info.value.status == 503
            said = page.wait_for_selector("#forward-result .down").inner_text()
            assert "members service is not answering" in said
            assert page.is_visible("#forward-not-sent")
            assert page.input_value("#forward-summary") == SUMMARY  # kept, to send when members is back
            # The rest of the desk goes on: the call is completed.
            page.select_option("#complete-reason", "other")
            page.click("#complete-button")
            page.wait_for_selector("#call-done")
            assert ok(api.routing.get(f"/v1/calls/{call_id}"))["call"]["state"] == "completed"
            assert len(_forwards_of(api, member_id)) == before
        finally:
            context.close()
            cable.cut()
            if call_id:
                api.end_call(call_id)
