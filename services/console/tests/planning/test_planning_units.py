"""The planning forms' reading of what people type, and the staffing the simulator is given."""

from __future__ import annotations

import pytest

from frontdoor_console.clients.http import ServiceRefused
from frontdoor_console.planning.forms import (
    DAY_DEFAULTS,
    clock_minutes,
    numbers_list,
    read_number,
    routing_problem,
    typed,
)
from frontdoor_console.planning.plan import DAY_ROUTING_FIELDS, shifts_for


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("12.5", "en_GB", 12.5),
        ("1,000.5", "en_GB", 1000.5),
        ("12,5", "nb_NO", 12.5),
        ("1\u00a0000,5", "nb_NO", 1000.5),
        ("12,5", "nl_NL", 12.5),
        ("12.5", "nb_NO", 12.5),  # a point where a comma is usual is still read
        ("many", "en_GB", None),
        ("", "en_GB", None),
        ("nan", "en_GB", None),
        ("inf", "en_GB", None),
    ],
)
def test_numbers_are_read_as_the_users_locale_writes_them(text: str, locale: str, expected: float | None) -> None:
    assert read_number(text, locale) == expected


def test_a_day_of_calls_is_one_number_per_half_hour_and_a_bad_one_is_named_by_its_time() -> None:
    form = typed({"calls": "10 20;30\n40"}, DAY_DEFAULTS)
    assert numbers_list(form, "calls", "en_GB", 8 * 60) == [10, 20, 30, 40]
    form = typed({"calls": "10,5 20"}, DAY_DEFAULTS)  # a decimal comma in Norwegian
    assert numbers_list(form, "calls", "nb_NO", 8 * 60) == [10.5, 20]
    form = typed({"calls": "10,20,30"}, DAY_DEFAULTS)  # commas separate in English
    assert numbers_list(form, "calls", "en_GB", 8 * 60) == [10, 20, 30]
    form = typed({"calls": "10 20 x"}, DAY_DEFAULTS)
    assert numbers_list(form, "calls", "en_GB", 23 * 60 + 30) is None
    assert form.problems["calls"].kind == "number" and form.problems["calls"].where == "00:30"  # past midnight
    form = typed({"calls": " ".join(["1"] * 49)}, DAY_DEFAULTS)
    assert numbers_list(form, "calls", "en_GB", 0) is None and form.problems["calls"].kind == "too_many"


@pytest.mark.parametrize(
    ("text", "minutes"), [("08:00", 480), ("8:30", 510), ("23.59", 1439), ("24:00", None), ("8", None)]
)
def test_clock_times(text: str, minutes: int | None) -> None:
    assert clock_minutes(text) == minutes


def test_a_staffing_per_half_hour_becomes_agents_with_shifts() -> None:
    assert shifts_for([0, 0]) == 0
    assert shifts_for([3, 3, 3]) == 3  # the same all day: a count
    agents = shifts_for([1, 2, 1, 2])
    assert agents == [
        {"id": "agent-1", "shifts": [[0.0, 7200.0]]},
        {"id": "agent-2", "shifts": [[1800.0, 3600.0], [5400.0, 7200.0]]},
    ]


def test_routings_refusal_goes_next_to_the_field_it_names() -> None:
    form = typed({}, DAY_DEFAULTS)
    refused = ServiceRefused("routing", 422, "validation_failed", "aht_seconds: Input should be >= 1", "aht_seconds")
    routing_problem(form, refused, DAY_ROUTING_FIELDS)
    assert form.problems["aht_seconds"].kind == "routing"
    assert form.problems["aht_seconds"].detail == "Input should be >= 1"
    refused = ServiceRefused("routing", 422, "invalid_input", "At most 500 agents.", "profile.agents")
    routing_problem(form, refused, DAY_ROUTING_FIELDS)
    assert form.problems["staffing"].detail == "At most 500 agents."
    refused = ServiceRefused("routing", 422, "planning_budget_exceeded", "Too long.", None)
    routing_problem(form, refused, DAY_ROUTING_FIELDS)
    assert form.problems[""].detail == "Too long."  # no field: the form's own problem
