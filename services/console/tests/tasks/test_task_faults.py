"""A message's task with the members service down for the console: the offer still arrives (from
routing), says members is not answering, is taken, and the workspace says so in its place; the
task is closed without a reply in routing (`done`)."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from console_helpers import INVOICES, Stage, console_settings, dead_url, ok, served_in_thread, sign_in

from frontdoor_console.app import create_app


def test_with_members_down_the_email_task_is_taken_and_closed_saying_what_is_missing(
    browser: Any, platform: Stage, api: Stage, tmp_path: Path
) -> None:
    api.only_available("Kari", queue=INVOICES)
    settings = console_settings(platform, tmp_path, members_url=dead_url())
    with served_in_thread(create_app(settings)) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        try:
            page = context.new_page()
            sign_in(page, base, "Kari Nordmann")
            mail = EmailMessage()
            mail["From"] = "Ingrid Solbakken <ingrid.solbakken@example.org>"
            mail["To"] = "kontakt@fagforbund.example.org"
            mail["Subject"] = f"Members down {uuid.uuid4().hex[:6]}"
            mail.set_content("Is anyone there?")
            api.deliver(mail)
            offer = page.wait_for_selector(".task-offer", timeout=20000)
            task_id = str(offer.get_attribute("data-task-id"))
            assert "members service is not answering" in offer.inner_text()
            page.click(f"#task-accept-{task_id}")
            space = page.wait_for_selector(f"#task-{task_id}")
            assert "members service is not answering" in space.inner_text()
            assert page.query_selector(f"#task-reply-form-{task_id}") is None  # nothing to answer from
            page.click(f"#task-close-{task_id}")
            page.wait_for_selector(f".task-done[data-task-id='{task_id}']")
            task = ok(api.routing.get(f"/v1/tasks/{task_id}"))["task"]
            assert task["state"] == "completed" and task["resolution"] == "done"
        finally:
            context.close()
