"""The administration's forms on their own: what the user changed, what clashes, what the service named."""

from __future__ import annotations

from starlette.datastructures import FormData

from frontdoor_console.admin import forms, hours, queues
from frontdoor_console.admin.forms import Outcome
from frontdoor_console.clients.http import ServiceRefused


def test_only_what_the_user_changed_is_sent_and_a_field_changed_by_both_clashes() -> None:
    before = {"name": "Wages", "priority": 0, "service_level_seconds": 20}
    now = {"name": "Wages", "priority": 0, "service_level_seconds": 25}  # someone else changed the target
    mine = forms.compare({"name": "Wages", "priority": 3, "service_level_seconds": 20}, before, now)
    assert (mine.changed, mine.stale) == ({"priority": 3}, ())
    both = forms.compare({"name": "Wages", "priority": 0, "service_level_seconds": 30}, before, now)
    assert both.stale == ("service_level_seconds",)
    same = forms.compare({"name": "Wages", "priority": 0, "service_level_seconds": 25}, before, now)
    assert same.stale == ()  # both made the same change: nothing clashes


def test_a_queue_form_reads_as_the_service_takes_it() -> None:
    form = FormData(
        [
            ("name", " Pensions "),
            ("ivr_digit", ""),
            ("service_level_seconds", "30"),
            ("priority", "x"),
            ("overflow_after_0", "45"),
            ("overflow_targets_0", "b"),
            ("overflow_targets_0", "a"),
            ("overflow_after_1", ""),
            ("active", "1"),
        ]
    )
    values = queues.submitted(form, editing=True)
    assert values["name"] == "Pensions" and values["ivr_digit"] is None
    assert (values["service_level_seconds"], values["priority"]) == (30, "x")  # "x" is for routing to refuse
    assert values["overflow"] == [{"after_seconds": 45, "queue_ids": ["a", "b"]}]
    assert values["active"] is True and values["is_switchboard"] is False


def test_opening_hours_compare_as_the_service_stores_them() -> None:
    form = FormData(
        [
            ("timezone", "Europe/Oslo"),
            ("country", "no"),
            ("rule_days_0", "tue"),
            ("rule_days_0", "mon"),
            ("rule_start_0", "08:00:00"),
            ("rule_end_0", "16:00"),
        ]
    )
    values = hours.submitted(form)
    stored = {"days": ["mon", "tue"], "start": "08:00", "end": "16:00"}
    assert values["opening_hours"] == [stored] and values["country"] == "NO"
    assert hours.editable({"opening_hours": [{"days": ["tue", "mon"], "start": "08:00", "end": "16:00"}]})[
        "opening_hours"
    ] == [stored]


def test_the_service_s_message_goes_beside_the_field_it_names() -> None:
    refused = ServiceRefused("routing", 422, "validation_failed", "bad step", "overflow.1.after_seconds")
    outcome = Outcome(refused=refused)
    assert outcome.status == 422
    assert outcome.error("overflow.1.after_seconds") == "bad step"
    assert outcome.error("overflow.1") == "bad step"
    assert outcome.error("overflow.10") is None and outcome.error("overflow.0.after_seconds") is None
    clash = Outcome(refused=ServiceRefused("routing", 409, "ivr_digit_taken", "taken", "ivr_digit"))
    assert clash.status == 409 and Outcome(stale=("name",)).status == 409 and Outcome(down="agents").status == 503
