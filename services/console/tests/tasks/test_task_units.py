"""The desk's messages and the supervisors' Messages page on their own (issue 15): the task's
workspace and offer in every language, the message's text escaped, quarantined attachments
marked and never linked, members' refusals beside the reply with aria-describedby; the page's
ages against their targets; the media playbook panel."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from frontdoor_console.clients.http import ServiceRefused
from frontdoor_console.desk.tasks import TaskSpace
from frontdoor_console.i18n.catalogues import load_catalogues
from frontdoor_console.i18n.formatting import Formatter
from frontdoor_console.messages.endpoints import Messages, rows_of
from frontdoor_console.web.templating import Templates

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TASK = "0e000000-0000-4000-8000-000000000001"
MESSAGE = "0f000000-0000-4000-8000-000000000001"
MEMBER = "0b7e1d7a-0000-4000-8000-000000000001"
LOCALES = ("en", "nb", "da", "nl")
TEMPLATES = Templates(load_catalogues())


def _render(template: str, locale: str, **extra: object) -> str:
    fmt = Formatter(locale, ZoneInfo("Europe/Oslo"))  # type: ignore[arg-type]
    return TEMPLATES.render(template, locale, fmt=fmt, csrf_token="t", **extra)


def _task(**over: object) -> dict[str, Any]:
    task: dict[str, Any] = {
        "task_id": TASK,
        "message_id": MESSAGE,
        "channel": "email",
        "state": "accepted",
        "member_id": None,
        "received_at": "2026-11-30T08:00:00+00:00",
        "service_level_seconds": 86400,
    }
    task.update(over)
    return task


def _message(**over: object) -> dict[str, Any]:
    message: dict[str, Any] = {
        "id": MESSAGE,
        "channel": "email",
        "sender_address": "ingrid@example.org",
        "sender_name": "Ingrid <b>S</b>",
        "member_id": None,
        "subject": "Overtime <not> paid",
        "status": "received",
        "received_at": "2026-11-30T08:00:00+00:00",
        "answered_at": None,
        "text": "<script>alert(1)</script>\nWhat can I do?",
        "text_truncated": False,
        "attachments": [
            {"filename": "payslip.pdf", "content_type": "application/pdf", "size": 2048, "quarantined": False},
            {"filename": "invoice.exe", "content_type": "application/octet-stream", "size": 68, "quarantined": True},
        ],
        "replies": [],
    }
    message.update(over)
    return message


def _workspace(locale: str, space: TaskSpace, **extra: object) -> str:
    defaults: dict[str, object] = {
        "text": "",
        "refused": None,
        "link_refused": None,
        "clear_offer": False,
        "max_reply": 20000,
        "poll_seconds": 2,
    }
    return _render("desk/_task.html", locale, space=space, **{**defaults, **extra})


@pytest.mark.parametrize("locale", LOCALES)
def test_the_workspace_shows_the_message_escaped_in_the_tenants_time_with_quarantine_marked(locale: str) -> None:
    html = _workspace(locale, TaskSpace(task=_task(), message=_message()))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Ingrid &lt;b&gt;S&lt;/b&gt;" in html and "Overtime &lt;not&gt; paid" in html
    assert re.search(r"09[:.]00", html)  # 08:00 UTC in Oslo
    quarantined = re.search(r'<li class="quarantined">(.*?)</li>', html, re.S)
    assert quarantined is not None and "invoice.exe" in quarantined.group(1)
    assert "<a " not in html.split('class="attachments"')[1].split("</ul>")[0]  # never linked
    assert f'id="task-reply-form-{TASK}"' in html and f'id="task-link-{TASK}"' in html  # unidentified: link
    if locale != "en":
        assert "Unidentified sender" not in html and "Send the reply" not in html


def test_an_identified_senders_card_replaces_the_link_form() -> None:
    member = {"id": MEMBER, "first_name": "Ingrid", "last_name": "Solbakken", "member_number": "1000017"}
    html = _workspace("en", TaskSpace(task=_task(), message=_message(member_id=MEMBER), member=member))
    assert "Ingrid Solbakken" in html and "member 1000017" in html
    assert f'id="task-link-{TASK}"' not in html


@pytest.mark.parametrize("locale", LOCALES)
def test_members_refusal_of_the_reply_stands_beside_the_text_with_aria_describedby(locale: str) -> None:
    refused = ServiceRefused("members", 422, "validation_error", "String should have at least 1 character", "text")
    html = _workspace(locale, TaskSpace(task=_task(), message=_message()), refused=refused, text="kept <text>")
    assert f'aria-invalid="true" aria-describedby="task-reply-err-{TASK}"' in html
    assert f'id="task-reply-err-{TASK}"' in html
    assert "kept &lt;text&gt;</textarea>" in html


def test_a_message_with_no_reply_address_is_said_above_the_form_not_beside_the_text() -> None:
    refused = ServiceRefused("members", 409, "message_without_reply_address", "no address", None)
    html = _workspace("en", TaskSpace(task=_task(), message=_message()), refused=refused)
    assert "no address to reply to" in html and "aria-invalid" not in html


def test_after_the_reply_the_form_gives_way_to_the_mails_status() -> None:
    reply = {"status": "pending", "attempts": 0, "last_error": None, "sent_at": None, "created_at": NOW.isoformat()}
    html = _workspace("nb", TaskSpace(task=_task(), message=_message(replies=[reply])))
    assert f'id="task-reply-form-{TASK}"' not in html
    assert 'data-status="pending"' in html and f'hx-get="/desk/tasks/{TASK}/reply"' in html
    assert "Svaret venter (forsøk 1)." in html
    sent = {**reply, "status": "sent", "sent_at": "2026-11-30T09:05:00+00:00"}
    html = _render("desk/_task_reply.html", "en", task_id=TASK, reply=sent, down=False, poll=2)
    assert "Reply sent at 10:05" in html and "hx-get" not in html  # sent: no more asking


@pytest.mark.parametrize("locale", LOCALES)
def test_a_task_offer_names_its_channel_and_replaces_a_repeated_offer(locale: str) -> None:
    offer = {"offer_id": "o1", "task_id": TASK, "channel": "webform", "expires_at": NOW.isoformat()}
    html = _render(
        "desk/_task_offer.html",
        locale,
        offer=offer,
        task=_task(channel="webform"),
        channel="webform",
        member=None,
        members_down=False,
        seconds_left=120,
    )
    assert html.count(f'id="task-offer-{TASK}"') == 2  # the old one deleted out of band, the new one
    assert 'hx-swap-oob="delete:.task-withdrawn"' in html  # earlier notes go
    assert 'hx-swap-oob="delete"' in html
    assert 'data-channel="webform"' in html
    if locale == "en":
        assert "Incoming web form message" in html
    else:
        assert "Incoming web form message" not in html


def test_a_withdrawn_offer_goes_and_says_why_unless_it_was_taken() -> None:
    timeout = _render("desk/_task_withdrawn.html", "en", task_id=TASK, reason="timeout")
    assert f'id="task-offer-{TASK}" hx-swap-oob="delete"' in timeout and "not accepted in time" in timeout
    taken = _render("desk/_task_withdrawn.html", "en", task_id=TASK, reason="accepted")
    assert "role=" not in taken


def test_ages_run_until_now_or_the_answer_and_are_held_against_the_tasks_target() -> None:
    waiting = _message(id="m1", received_at="2026-11-29T08:00:00+00:00")  # 25 h ago
    answered = _message(
        id="m2", channel="webform", received_at="2026-11-30T07:00:00+00:00", answered_at="2026-11-30T08:00:00+00:00"
    )
    unknown = _message(id="m3", received_at="2026-11-30T08:59:00+00:00")
    tasks = {"m1": _task(message_id="m1"), "m2": _task(message_id="m2", service_level_seconds=1800)}
    rows = rows_of([waiting, answered, unknown], tasks, {}, NOW)
    assert [(r.age_seconds, r.target_seconds, r.over_target) for r in rows] == [
        (90000.0, 86400, True),
        (3600.0, 1800, True),
        (60.0, None, False),
    ]
    view = Messages(waiting=[rows[0], rows[2]], answered=[rows[1]])
    assert view.count(view.waiting, "email") == 2 and view.count(view.waiting, "email", over=True) == 1
    assert view.count(view.answered, "webform", over=True) == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_the_media_playbook_says_consult_first_and_offers_the_press_contact(locale: str) -> None:
    playbook = {
        "steps": [],
        "transfer_number": None,
        "ask_first": None,
        "consult_first": True,
        "fallback_contact": {"name": "Siri <Hauge>", "number": "+4722998877"},
    }
    html = _render("desk/_playbook.html", locale, call_id="c1", reason="media", playbook=playbook, down=False)
    assert 'id="playbook-consult-first"' in html
    assert 'name="number" value="+4722998877"' in html and "Siri &lt;Hauge&gt;" in html
    if locale != "en":
        assert "consult them before transferring" not in html
