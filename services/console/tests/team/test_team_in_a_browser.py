"""The team lead's view in Chromium: workload against target, satisfaction, KPIs by day and by
half hour, with charts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from console_helpers import AXE, INVOICES, Stage, axe_violations, ok, sign_in


def test_a_team_lead_sees_workload_satisfaction_and_kpis_with_charts(browser: Any, console: str, api: Stage) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        sign_in(page, console, "Kari Nordmann", role="team_lead", start="/team")
        assert page.url.endswith("/team")
        table = page.inner_text("#workload-table")
        assert all(name in table for name in ("Kari Nordmann", "Sindre Fjellheim", "Magnus Tveitå"))
        assert page.is_visible("#satisfaction-queue") and page.is_visible("#satisfaction-month")
        assert page.is_visible("#kpis-half_hour") and page.is_visible("#kpis-day")
        page.wait_for_selector("canvas[data-chart='chart-workload']")
        drawn = page.evaluate(
            "[...document.querySelectorAll('canvas[data-chart]')].map(c => Chart.getChart(c) !== undefined)"
        )
        assert drawn and all(drawn)
        assert refused == []  # Chart.js under the console's content security policy
        if AXE.exists():
            assert axe_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_the_team_view_refuses_agents_and_supervisors(browser: Any, console: str, role: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, console, "Ola Lysebu", role=role)
        response = page.goto(console + "/team")
        assert response is not None and response.status == 403
        assert "for team leads" in page.inner_text("main")
    finally:
        context.close()


def test_todays_kpis_are_shown_by_half_hour_adding_up_to_routings_day(browser: Any, console: str, api: Stage) -> None:
    api.only_available(queue=INVOICES)  # nobody free: the call waits, then its caller hangs up
    for _ in range(2):
        api.end_call(api.post_call("1")["call"]["call_id"])
    offered_today = ok(api.routing.get("/v1/kpis", params={"group_by": "none"}))["total"]["offered"]
    assert offered_today >= 2
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, console, "Kari Nordmann", role="team_lead", start="/team")
        rows = page.query_selector_all("#kpis-half_hour tbody tr")
        starts = [r.query_selector("th").inner_text() for r in rows]
        assert starts and all(re.fullmatch(r"\d\d:(00|30)", s) for s in starts), starts
        assert starts == sorted(starts) and len(set(starts)) == len(starts)
        offered = [int(r.query_selector("td").inner_text().replace(",", "")) for r in rows]
        assert sum(offered) == offered_today  # every call of today in exactly one half hour
        charted = page.evaluate(
            "(() => { const c = Chart.getChart(document.querySelector(\"canvas[data-chart='chart-half_hours']\"));"
            " return c ? {labels: c.data.labels, offered: c.data.datasets[0].data} : null; })()"
        )
        assert charted == {"labels": starts, "offered": offered}
        assert page.is_visible("canvas[data-chart='chart-days']")  # the week, as a chart too
    finally:
        context.close()
