"""The default policy and quiet hours, as pure rules."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from frontdoor_surveys.policy.rules import Contact, Policy, decide, member_time_zone, next_send_time

NOW = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
FRESH: dict[str, Any] = {"opted_out": False, "last_surveyed_at": None, "now": NOW}  # never surveyed, not opted out
OSLO = ZoneInfo("Europe/Oslo")


def contact(**overrides: Any) -> Contact:
    default = Contact(
        source="call",
        number="+4741234567",
        member_id=uuid.uuid4(),
        answered=True,
        transferred=False,
        resolution="resolved",
        language="nb",
    )
    return replace(default, **overrides)


def test_the_default_policy_surveys_an_answered_resolved_untransferred_call_of_an_identified_mobile() -> None:
    decision = decide(contact(), Policy(), **FRESH)
    assert decision.survey and decision.number == "+4741234567" and decision.language == "no"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"answered": False}, "not_answered"),
        ({"transferred": True}, "transferred"),
        ({"resolution": "transferred"}, "not_resolved"),
        ({"resolution": "callback_agreed"}, "not_resolved"),
        ({"member_id": None}, "no_member"),
        ({"number": None}, "no_number"),
        ({"number": "12"}, "no_number"),
        ({"number": "+4722123456"}, "not_mobile"),
    ],
)
def test_calls_outside_the_default_policy_get_no_survey(overrides: dict[str, object], reason: str) -> None:
    decision = decide(contact(**overrides), Policy(), **FRESH)
    assert not decision.survey and decision.reason == reason


def test_a_danish_number_that_may_be_mobile_is_surveyed_in_danish() -> None:
    decision = decide(contact(number="+4520123456", language=None), Policy(), **FRESH)
    assert decision.survey and decision.language == "da"


def test_a_local_number_is_read_in_the_tenants_country() -> None:
    decision = decide(contact(number="412 34 567"), Policy(country="NO"), **FRESH)
    assert decision.number == "+4741234567"


def test_a_member_is_surveyed_at_most_once_in_n_days() -> None:
    policy = Policy(min_days_between=30)
    recent = decide(contact(), policy, opted_out=False, last_surveyed_at=NOW - timedelta(days=29), now=NOW)
    assert recent.reason == "recently_surveyed"
    later = decide(contact(), policy, opted_out=False, last_surveyed_at=NOW - timedelta(days=31), now=NOW)
    assert later.survey


def test_an_opted_out_member_is_never_surveyed() -> None:
    assert decide(contact(), Policy(), opted_out=True, last_surveyed_at=None, now=NOW).reason == "opted_out"


def test_a_tenant_can_switch_rules_off() -> None:
    relaxed = Policy(require_not_transferred=False, require_mobile=False)
    assert decide(contact(transferred=True, number="+4722123456"), relaxed, **FRESH).survey
    assert decide(contact(), Policy(enabled=False), **FRESH).reason == "disabled"


def test_a_callback_without_a_known_resolution_counts_as_handled() -> None:
    callback = contact(source="callback", resolution=None)
    assert decide(callback, Policy(), **FRESH).survey
    assert decide(callback, Policy(include_callbacks=False), **FRESH).reason == ("callbacks_excluded")


@pytest.mark.parametrize(
    ("local", "expected_local"),
    [
        (datetime(2026, 11, 17, 10, 0), datetime(2026, 11, 17, 10, 0)),
        (datetime(2026, 11, 17, 20, 59), datetime(2026, 11, 17, 20, 59)),
        (datetime(2026, 11, 17, 21, 0), datetime(2026, 11, 18, 8, 0)),
        (datetime(2026, 11, 17, 23, 30), datetime(2026, 11, 18, 8, 0)),
        (datetime(2026, 11, 18, 3, 0), datetime(2026, 11, 18, 8, 0)),
        (datetime(2026, 3, 28, 23, 0), datetime(2026, 3, 29, 8, 0)),  # the night summer time starts
    ],
)
def test_no_sms_at_night_it_waits_for_the_morning(local: datetime, expected_local: datetime) -> None:
    now = local.replace(tzinfo=OSLO).astimezone(UTC)
    sent = next_send_time(now, "Europe/Oslo", time(21, 0), time(8, 0))
    assert sent.astimezone(OSLO).replace(tzinfo=None) == expected_local


def test_quiet_hours_follow_the_members_time_zone_when_the_number_tells_it() -> None:
    assert member_time_zone("+4520123456", "Europe/Oslo") == "Europe/Copenhagen"
    assert member_time_zone("+15555550100", "Europe/Oslo") == "Europe/Oslo"  # several zones: the tenant's
    assert member_time_zone(None, "Europe/Amsterdam") == "Europe/Amsterdam"
