"""An abusive calendar (endless sub-daily rules, rules that never match) costs a bounded time off the event
loop, marks only its own feed failed, and never keeps the service from starting or answering."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import recurring_ical_events
from fastapi import FastAPI

from frontdoor_agents.app import create_app
from frontdoor_agents.calendars import expand
from frontdoor_agents.calendars.expand import run_bounded
from frontdoor_agents.calendars.ical import FeedError, parse
from frontdoor_agents.models import CalendarFeed
from frontdoor_agents.settings import Settings
from frontdoor_agents.testing import HttpServer, oslo
from frontdoor_common.auth import mint_token
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import auth, eventually, running_app

TENANT = "7e000000-0000-4000-8000-000000000001"


def ics(rule: str, start: str = "20000101T090000Z") -> str:
    """A 200-byte calendar with one endless recurring event."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a@x\r\n"
        f"DTSTART:{start}\r\nDURATION:PT30M\r\nRRULE:{rule}\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


MINUTELY = ics("FREQ=MINUTELY")


class Expansions:
    """Records the thread of every calendar expansion (`busy_between` as `expand` calls it) and passes it on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[int] = []
        real = expand.busy_between

        def spy(*args: Any, **kwargs: Any) -> Any:
            self.threads.append(threading.get_ident())
            return real(*args, **kwargs)

        monkeypatch.setattr(expand, "busy_between", spy)

    def all_off(self, loop_thread: int) -> bool:
        """At least one expansion ran, and none on the event loop's thread."""
        return bool(self.threads) and loop_thread not in self.threads


@pytest.fixture
def expansions(monkeypatch: pytest.MonkeyPatch) -> Expansions:
    return Expansions(monkeypatch)


def never() -> str:
    """Within the structural bounds, yet never matching: expanding it walks every day up to year 9999
    (seconds). Unique each time, so no earlier test's cached verdict answers for it."""
    return ics("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30").replace("UID:a@x", f"UID:{uuid.uuid4()}@x")


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MINUTELY",
        "FREQ=SECONDLY",
        "FREQ=HOURLY",
        "FREQ=minutely;INTERVAL=1",
        "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12;BYMINUTE=0,30",
        "FREQ=WEEKLY;BYSECOND=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25",
    ],
)
def test_sub_daily_recurrence_is_refused(rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def expanded(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the rule was expanded instead of refused by its shape")

    monkeypatch.setattr(recurring_ical_events, "of", expanded)
    with pytest.raises(FeedError) as caught:
        parse(ics(rule))
    assert caught.value.code == "too_frequent"  # by the rule's shape, before any expansion


def test_daily_and_coarser_rules_with_a_few_hours_pass() -> None:
    for rule in ("FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;BYMONTHDAY=1", "FREQ=DAILY;BYHOUR=9,13"):
        parse(ics(rule))


async def test_a_job_past_its_budget_is_stopped_and_frees_its_worker() -> None:
    def spin() -> None:
        while True:
            pass

    # `spin` never returns: only the budget's interruption ends it. The 30 s are a ceiling for a broken
    # interruption to fail on instead of hanging, not a speed claim (the budget is 0.3 s).
    with pytest.raises(FeedError) as caught:
        await asyncio.wait_for(run_bounded(spin, budget_s=0.3), 30)
    assert caught.value.code == "too_complex"
    # Both workers are free again: two quick jobs run at once (with a worker still spinning, one waits forever).
    both = asyncio.gather(run_bounded(sum, [1, 2], budget_s=1), run_bounded(sum, [3], budget_s=1))
    assert list(await asyncio.wait_for(both, 30)) == [3, 3]


async def _healthz_while(client: httpx.AsyncClient, work: Any) -> Any:
    """Run `work` and meanwhile ask /healthz (each answer a 200); work's result."""
    task = asyncio.ensure_future(work)
    while not task.done():
        r = await client.get("/healthz")
        assert r.status_code == 200
        await asyncio.sleep(0.05)
    return await task


async def _agent(client: httpx.AsyncClient) -> str:
    r = await client.post("/v1/agents", json={"name": "Kari Nordmann"})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_an_endless_minutely_rule_given_inline_is_refused_at_once(
    client: httpx.AsyncClient, expansions: Expansions
) -> None:
    agent = await _agent(client)
    r = await client.put(f"/v1/agents/{agent}/calendar/feed", json={"ics": MINUTELY})
    assert r.status_code == 422 and r.json()["error_id"] == "feed_unparseable" and r.json()["field"] == "ics"
    assert r.json()["reason"] == "too_frequent"  # by its shape, not by running out of budget (too_complex)
    # A rule from an hour ago is refused the same way (it stalled /healthz for 30 s before).
    recent = ics("FREQ=MINUTELY", start="20270104T070000Z")
    r = await client.put(f"/v1/agents/{agent}/calendar/feed", json={"ics": recent})
    assert r.status_code == 422 and r.json()["reason"] == "too_frequent"
    assert expansions.threads == []  # refused before any expansion began


@pytest.mark.parametrize("settings_overrides", [{"feed_expand_budget_s": 1.0, "feed_allow_private": True}])
async def test_a_slow_calendar_runs_off_the_loop_within_its_budget(
    client: httpx.AsyncClient, expansions: Expansions
) -> None:
    loop_thread = threading.get_ident()
    agent = await _agent(client)
    r = await _healthz_while(client, client.put(f"/v1/agents/{agent}/calendar/feed", json={"ics": never()}))
    # Expanding it would walk every day up to year 9999 and accept it (it never matches): "too_complex"
    # is the budget stopping it, and the expansion ran in a worker thread, not on the event loop.
    assert r.status_code == 422 and r.json()["reason"] == "too_complex", r.text
    assert expansions.all_off(loop_thread), expansions.threads
    # The same from a URL: the feed reports it, with a fixed code.
    expansions.threads.clear()
    async with HttpServer() as srv:
        srv.routes["/cal.ics"] = (200, {"Content-Type": "text/calendar"}, never().encode())
        srv.routes["/minutely.ics"] = (200, {"Content-Type": "text/calendar"}, MINUTELY.encode())
        r = await _healthz_while(
            client, client.put(f"/v1/agents/{agent}/calendar/feed", json={"url": srv.url("/cal.ics")})
        )
        assert r.status_code == 200 and r.json()["last_error"] == "too_complex", r.text
        assert expansions.all_off(loop_thread), expansions.threads
        r = await client.put(f"/v1/agents/{agent}/calendar/feed", json={"url": srv.url("/minutely.ics")})
        assert r.json()["last_error"] == "too_frequent" and r.json()["has_copy"] is False


async def test_a_restart_with_an_abusive_feed_stored_becomes_ready(
    make_settings: Callable[..., Any], kafka_bootstrap: str, expansions: Expansions, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Feeds stored before the bounds existed (or written around the API) must not stop a start.
    settings: Settings = make_settings(
        Settings, run_consumers=False, run_feed_refresher=False, feed_expand_budget_s=1.0, scheduler_max_sleep_s=3600
    )
    headers = auth(mint_token(tenant_id=TENANT, scopes="all"))
    clock = ManualClock(oslo(2027, 1, 4, 9, 0))
    # The first run has no scheduler: the feeds are still "ok" when the restart meets them.
    app: FastAPI = create_app(settings.model_copy(update={"run_scheduler": False}), clock=clock)
    async with running_app(app) as client:
        client.headers.update(headers)
        bad, slow, good = await _agent(client), await _agent(client), await _agent(client)
        meeting = ics("FREQ=DAILY;COUNT=3", start="20270104T100000Z")
        r = await client.put(f"/v1/agents/{good}/calendar/feed", json={"ics": meeting})
        assert r.status_code == 200, r.text
        async with app.state.runtime.db.transaction() as session:
            for agent_id, text in ((bad, MINUTELY), (slow, never())):
                session.add(CalendarFeed(agent_id=uuid.UUID(agent_id), tenant_id=TENANT, ics=text, status="ok"))

    # A new process: nothing remembered of those calendars from the first run.
    monkeypatch.setattr(expand, "_BAD", OrderedDict())
    monkeypatch.setattr(expand, "_BUSY", OrderedDict())
    app = create_app(settings, clock=clock)
    loop_thread = threading.get_ident()
    expansions.threads.clear()
    async with running_app(app) as client:
        client.headers.update(headers)
        r = await client.get("/healthz")
        assert r.status_code == 200
        # The scheduler marks the two bad feeds failed; the good one still blocks its agent at 10:00.
        feeds: dict[str, Any] = {}
        # (They were stored "ok"; only the restarted scheduler can have marked them failed.)

        async def both_failed() -> bool:
            assert (await client.get("/healthz")).status_code == 200
            feeds.update({a: (await client.get(f"/v1/agents/{a}/calendar/feed")).json() for a in (bad, slow)})
            return all(f["status"] == "error" for f in feeds.values())

        # 30 s: a ceiling for a scheduler that never gets to them (the budget is 1 s), not a speed claim.
        await eventually(both_failed, timeout=30)
        assert feeds[bad]["last_error"] == "too_frequent" and feeds[slow]["last_error"] == "too_complex", feeds
        assert expansions.all_off(loop_thread), expansions.threads  # the scheduler expanded them in a worker
        r = await client.get(
            f"/v1/agents/{good}/availability",
            params={"from": oslo(2027, 1, 4, 11).isoformat(), "to": oslo(2027, 1, 4, 12).isoformat()},
        )
        blocked = [i for i in r.json()["intervals"] if not i["available"]]
        assert blocked and blocked[0]["start"] == "2027-01-04T10:00:00Z", r.json()
        r = await client.get("/readyz")
        assert r.status_code == 200, r.text


# No scheduler: the four requests are the only ones to expand the calendar.
@pytest.mark.parametrize("settings_overrides", [{"feed_expand_budget_s": 0.5, "run_scheduler": False}])
async def test_a_calendar_that_ran_out_of_budget_is_not_expanded_again_for_other_windows(
    client: httpx.AsyncClient, app: FastAPI, expansions: Expansions
) -> None:
    agent = await _agent(client)
    async with app.state.runtime.db.transaction() as session:
        text = never()
        session.add(CalendarFeed(agent_id=uuid.UUID(agent), tenant_id=TENANT, ics=text, status="ok"))
    expansions.threads.clear()
    for day in (4, 11, 18, 25):
        r = await client.get(
            f"/v1/agents/{agent}/availability",
            params={"from": oslo(2027, 1, day, 8).isoformat(), "to": oslo(2027, 1, day, 16).isoformat()},
        )
        assert r.status_code == 200  # the feed is left out; the agent's own hours still count
    assert len(expansions.threads) == 1, expansions.threads  # the first window ran out of budget; no other tried
