"""The planning page in Chromium: Erlang C and A, the day with its chart and table, bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from console_helpers import AXE, Stage, axe_violations, ok, sign_in


def _erlang(api: Stage, model: str = "c", **params: Any) -> dict[str, Any]:
    """Routing's own answer (the demo tenant's token): what the page must show."""
    found: dict[str, Any] = ok(api.routing.get(f"/v1/staffing/erlang-{model}", params=params))
    return found


def _percent(text: str) -> float:
    """A share the page shows in English (e.g. 85% or 7.5%) as a fraction."""
    found = re.fullmatch(r"\s*([\d.,]+)\s*%\s*", text)
    assert found, f"not a percentage: {text!r}"
    return float(found.group(1).replace(",", "")) / 100


def _calculate(page: Any, **fields: str) -> None:
    for name, value in fields.items():
        page.fill(f"#erlang-{name}", value)
    page.click("#erlang-submit")


def test_erlang_c_shows_the_agents_routing_computes_and_the_figures_at_that_staffing(
    planner_page: Any, api: Stage
) -> None:
    page = planner_page
    _calculate(page, calls_per_interval="100", aht_seconds="180", target_seconds="20", service_level="80", agents="")
    page.wait_for_selector("#required-agents")
    expected = _erlang(api, calls_per_interval=100, aht_seconds=180, target_seconds=20, service_level=0.8)
    assert page.inner_text("#required-agents") == str(expected["required_agents"])
    assert page.inner_text("#traffic") == "10.00"  # 100 calls x 180 s / 1,800 s: 10 Erlangs
    at_required = _erlang(
        api, calls_per_interval=100, aht_seconds=180, target_seconds=20, agents=expected["required_agents"]
    )
    shown = _percent(page.inner_text("#service-level"))
    assert shown == pytest.approx(at_required["service_level"], abs=0.0051)
    assert shown >= 0.8  # the staffing the goal needs meets it
    assert page.inner_text("#asa") == f"{at_required['asa_seconds']:.1f}"
    assert _percent(page.inner_text("#occupancy")) == pytest.approx(at_required["occupancy"], abs=0.0051)
    assert not page.is_visible("#abandon-rate")  # Erlang C: no one hangs up

    _calculate(page, agents="11")  # a thinner staffing: its own figures, below the goal
    page.wait_for_selector("#erlang-figures h4:has-text('11 agents')")
    at_eleven = _erlang(api, calls_per_interval=100, aht_seconds=180, target_seconds=20, agents=11)
    assert _percent(page.inner_text("#service-level")) == pytest.approx(at_eleven["service_level"], abs=0.0051)
    assert at_eleven["service_level"] < 0.8
    assert page.script_errors == []


def test_erlang_a_shows_the_abandon_rate(planner_page: Any, api: Stage) -> None:
    page = planner_page
    page.check("#erlang-model-a")
    _calculate(page, calls_per_interval="100", aht_seconds="180", patience_seconds="60", agents="9")
    page.wait_for_selector("#abandon-rate")
    expected = _erlang(
        api, "a", calls_per_interval=100, aht_seconds=180, patience_seconds=60, target_seconds=20, agents=9
    )
    assert page.inner_text("#required-agents") == str(expected["required_agents"])
    assert _percent(page.inner_text("#abandon-rate")) == pytest.approx(expected["p_abandon"], abs=0.0051)
    assert expected["p_abandon"] > 0.01  # nine agents for ten Erlangs: callers do hang up


def test_a_day_shows_the_agents_needed_per_half_hour_as_a_chart_and_a_table(planner_page: Any, api: Stage) -> None:
    page = planner_page
    loads = [10, 40, 80, 40]
    page.fill("#day-start", "09:00")
    page.fill("#day-calls", "10 40\n80 40")
    page.fill("#day-aht_seconds", "180")
    page.fill("#day-patience_seconds", "")
    page.fill("#day-staffing", "")
    page.click("#day-submit")
    page.wait_for_selector("#day-table tbody tr")
    rows = page.query_selector_all("#day-table tbody tr")
    assert [r.query_selector("th").inner_text() for r in rows] == ["09:00", "09:30", "10:00", "10:30"]
    needed = [
        _erlang(api, calls_per_interval=n, aht_seconds=180, target_seconds=20, service_level=0.8)["required_agents"]
        for n in loads
    ]
    assert [int(r.query_selector("td.needed").inner_text()) for r in rows] == needed
    assert needed[2] > needed[1] > needed[0]  # the chart has a shape to show
    drawn = page.evaluate(
        "(() => { const c = Chart.getChart(document.querySelector('canvas[data-day-chart]'));"
        " return c ? {labels: c.data.labels, data: c.data.datasets[0].data} : null; })()"
    )
    assert drawn == {"labels": ["09:00", "09:30", "10:00", "10:30"], "data": needed}
    assert int(page.inner_text("#day-offered").replace(",", "")) > 0  # the simulator's day, the plan's staffing
    planned = _percent(page.inner_text("#day-service-level"))

    page.fill("#day-staffing", "1")  # one agent all day: the simulator shows what that does
    page.click("#day-submit")
    page.wait_for_selector("#day-result p:has-text('your staffing')")
    assert _percent(page.inner_text("#day-service-level")) < planned
    simulated = page.evaluate("Chart.getChart(document.querySelector('canvas[data-day-chart]')).data.datasets[1].data")
    assert simulated == [1] * 4  # the staffing simulated, drawn over the agents needed
    assert page.script_errors == []


def test_bad_input_shows_the_message_next_to_the_field(planner_page: Any) -> None:
    page = planner_page
    _calculate(page, aht_seconds="0")  # routing's 422 names aht_seconds
    error = page.wait_for_selector("#erlang-aht_seconds-error")
    assert "Routing refused this" in error.inner_text() and "1" in error.inner_text()
    assert page.get_attribute("#erlang-aht_seconds", "aria-invalid") == "true"
    assert page.input_value("#erlang-aht_seconds") == "0"  # what was typed stays
    assert not page.is_visible("#required-agents")

    _calculate(page, aht_seconds="180", calls_per_interval="many")  # not a number: the console says so
    page.wait_for_selector("#erlang-calls_per_interval-error")
    assert page.inner_text("#erlang-calls_per_interval-error") == "Enter a number."
    assert not page.is_visible("#erlang-aht_seconds-error")

    page.fill("#day-calls", "10 20 -5 10")  # routing refuses a negative load: the half hour is named
    page.click("#day-submit")
    error = page.wait_for_selector("#day-calls-error")
    assert error.inner_text().startswith("At 09:00:") and "Routing refused this" in error.inner_text()

    page.fill("#day-calls", "10 20 30")
    page.fill("#day-staffing", "3 4")  # neither one number nor one per half hour
    page.click("#day-submit")
    page.wait_for_selector("#day-staffing-error")
    assert "3 half hours" in page.inner_text("#day-staffing-error")
    assert not page.is_visible("#day-table")
    assert page.script_errors == []


def test_the_planning_page_passes_axe_core(planner_page: Any) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make browser installs it)")
    page = planner_page
    assert axe_violations(page) == []
    _calculate(page, agents="")
    page.wait_for_selector("#required-agents")
    page.click("#day-submit")
    page.wait_for_selector("#day-table")
    assert axe_violations(page) == [], "with figures, a chart and a table"
    _calculate(page, aht_seconds="0")
    page.wait_for_selector("#erlang-aht_seconds-error")
    assert axe_violations(page) == [], "with a field's problem"


def test_the_planning_page_refuses_an_agent(browser: Any, console: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, console, "Ola Lysebu", role="agent")
        assert not page.is_visible("nav a[href='/planning']")
        response = page.goto(console + "/planning")
        assert response is not None and response.status == 403
        assert "for supervisors" in page.inner_text("main")
    finally:
        context.close()


def test_a_day_with_a_patience_is_planned_with_erlang_a(planner_page: Any, api: Stage) -> None:
    page = planner_page
    page.fill("#day-calls", "60 90")
    page.fill("#day-patience_seconds", "45")
    page.click("#day-submit")
    page.wait_for_selector("#day-table caption:has-text('Erlang A')")
    needed = [
        _erlang(
            api, "a", calls_per_interval=n, aht_seconds=180, patience_seconds=45, target_seconds=20, service_level=0.8
        )["required_agents"]
        for n in (60, 90)
    ]
    shown = [int(c.inner_text()) for c in page.query_selector_all("#day-table td.needed")]
    assert shown == needed
    assert page.is_visible("#day-kpis dt:has-text('Abandon rate')")


def test_in_norwegian_numbers_are_typed_and_shown_the_norwegian_way(browser: Any, console: str, api: Stage) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, console, "Kari Nordmann", role="supervisor", start="/planning", language=None)
        page.select_option("#language-choice", "nb")
        with page.expect_navigation():
            page.click("form.language button[type=submit]")
        assert page.get_attribute("html", "lang") == "nb" and page.url.endswith("/planning")
        _calculate(page, calls_per_interval="100,5", aht_seconds="180", agents="")
        page.wait_for_selector("#required-agents")
        expected = _erlang(api, calls_per_interval=100.5, aht_seconds=180, target_seconds=20, service_level=0.8)
        assert page.inner_text("#required-agents") == str(expected["required_agents"])
        assert page.inner_text("#traffic") == "10,05"  # 100.5 calls x 180 s / 1,800 s, with a decimal comma
    finally:
        context.close()
