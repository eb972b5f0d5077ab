"""Planning cannot starve routing: bounded inputs, work off the event loop, a planner's scope."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from frontdoor_common.testing import auth
from frontdoor_routing.planning import endpoints
from frontdoor_routing.planning.erlang import erlang_a_required_agents
from frontdoor_routing.planning.schemas import MAX_AGENTS, MAX_INTERVALS, MAX_OVERFLOW_STEPS, MAX_PERIODS, MAX_QUEUES
from frontdoor_routing.settings import Settings

TENANT = "7e3a1c52-0000-4000-8000-000000000001"
HEALTHZ_BOUND_S = 0.5


def _off_the_loop(worst: float, took: float) -> bool:
    """Work done on the event loop holds a /healthz for about its whole duration (the request's
    validation and the simulation: over 90% of it); off the loop, the slowest answer is a part of it.
    Relative, and with room: on a machine loaded by a parallel suite, reading the maximal body on the
    loop held one /healthz for 58% of the request once (2.6 s of 4.5 s)."""
    return worst < max(HEALTHZ_BOUND_S, took * 0.8)


async def _ping_while(client: httpx.AsyncClient, work: asyncio.Task[Any]) -> float:
    """The slowest /healthz round trip while `work` runs."""
    worst = 0.0
    while not work.done():
        started = time.perf_counter()
        r = await client.get("/healthz")
        assert r.status_code == 200
        worst = max(worst, time.perf_counter() - started)
        await asyncio.sleep(0.05)
    return worst


def _maximal_profile() -> dict[str, Any]:
    names = [f"q{i}" for i in range(MAX_QUEUES)]
    calls = 19_999 / (MAX_QUEUES * MAX_INTERVALS)  # about the most expected calls a request may have
    queues = [
        {
            "id": n,
            "calls_per_interval": [calls] * MAX_INTERVALS,
            "patience_seconds": 300,
            "overflow": [
                {"after_seconds": 10 * (k + 1), "queues": names[:k] + names[k + 1 :]} for k in range(MAX_OVERFLOW_STEPS)
            ],
        }
        for n in names
    ]
    shifts = [[k * 8000, k * 8000 + 7000] for k in range(MAX_PERIODS)]
    agents = [{"id": f"a{i}", "queues": names, "shifts": shifts} for i in range(MAX_AGENTS)]
    return {"interval_seconds": 1800, "queues": queues, "agents": agents}


async def test_a_maximal_simulation_runs_off_the_event_loop_and_an_oversized_one_is_refused_fast(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    settings = make_settings(Settings, planning_budget_s=20.0)
    async with make_platform(settings) as p:
        # 400 queues overflowing to all (just under the body limit): refused by the schema's
        # limits on the list's length, before any cross-field check (which took seconds on the
        # event loop for such a body). Its speed is not timed here: a refusal this small is
        # shorter than a loaded machine's pauses; the outcome shows which check refused it.
        names = [f"{i:x}" for i in range(400)]
        huge = {"queues": [{"id": n, "calls": [1], "overflow": [{"after_seconds": 5, "queues": names}]} for n in names]}
        r = await p.http.post("/v1/staffing/simulate", json={"profile": huge})
        assert r.status_code == 422, r.text[:300]
        assert r.json()["field"] == "profile.queues" and r.json()["errors"][0]["type"] == "too_long", r.text[:300]

        started = time.perf_counter()
        task = asyncio.create_task(p.http.post("/v1/staffing/simulate", json={"profile": _maximal_profile()}))
        worst = await _ping_while(p.http, task)
        r = task.result()
        took = time.perf_counter() - started
        assert r.status_code in (200, 422), r.text[:300]
        if r.status_code == 422:
            assert r.json()["error_id"] == "planning_budget_exceeded"
        assert _off_the_loop(worst, took), (worst, took)
        print(f"maximal simulation: {r.status_code} in {took:.1f} s; slowest /healthz {worst * 1000:.0f} ms")


async def test_a_simulation_past_its_budget_is_stopped_and_refused(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any]
) -> None:
    settings = make_settings(Settings, planning_budget_s=0.5)
    async with make_platform(settings) as p:
        started = time.perf_counter()
        r = await p.http.post("/v1/staffing/simulate", json={"profile": _maximal_profile()})
        # Stopped at its budget (unstopped, the maximal day runs to its end and answers 200).
        assert r.status_code == 422 and r.json()["error_id"] == "planning_budget_exceeded", r.text[:300]
        print(f"stopped and refused after {time.perf_counter() - started:.1f} s (budget 0.5 s)")


async def test_simulating_needs_a_scope_that_manages_routing(
    settings: Settings, make_platform: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    profile = {"queues": [{"id": "q", "calls": [10]}], "agents": 2}
    async with make_platform(settings) as p:
        reader = auth(token_for(TENANT, scopes=["routing:read"]))
        r = await p.http.post("/v1/staffing/simulate", json={"profile": profile}, headers=reader)
        assert r.status_code == 403, r.text
        writer = auth(token_for(TENANT, scopes=["routing:write"]))
        r = await p.http.post("/v1/staffing/simulate", json={"profile": profile}, headers=writer)
        assert r.status_code == 200, r.text


def _problem_or_figures(r: httpx.Response) -> None:
    assert r.status_code in (200, 422), (r.request.url, r.status_code, r.text[:200])
    if r.status_code == 422:
        assert r.json()["field"], r.text


@pytest.mark.slow  # 300 requests over the grid of edges
async def test_erlang_numbers_at_their_edges_are_refused_or_computed_never_a_500(
    settings: Settings, make_platform: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_platform(settings) as p:
        r = await p.http.get(
            "/v1/staffing/erlang-a",
            params={"calls_per_interval": 100, "aht_seconds": 180, "patience_seconds": "5e-324", "agents": 11},
        )
        assert r.status_code == 422 and r.json()["field"] == "patience_seconds", r.text
        tiny, huge = "5e-324", "1e308"
        for aht in (tiny, "1", "86400", huge):
            for calls in ("0", tiny, "1", "1000000", huge):
                for interval in (tiny, "1", "86400"):
                    for target in ("0", tiny, "86400"):
                        base = {
                            "calls_per_interval": calls,
                            "aht_seconds": aht,
                            "interval_seconds": interval,
                            "target_seconds": target,
                            "agents": 3,
                        }
                        _problem_or_figures(await p.http.get("/v1/staffing/erlang-c", params=base))
                        for patience in (tiny, "1", "86400", huge):
                            params = {**base, "patience_seconds": patience}
                            _problem_or_figures(await p.http.get("/v1/staffing/erlang-a", params=params))
        # the slowest Erlang A the limits allow is computed off the loop: in a thread other than
        # the event loop's (it takes tens of milliseconds, too short for a timing to tell)
        loop_thread = threading.get_ident()
        ran_in: list[int] = []

        def recording(*args: Any, **kwargs: Any) -> Any:
            ran_in.append(threading.get_ident())
            return erlang_a_required_agents(*args, **kwargs)

        monkeypatch.setattr(endpoints, "erlang_a_required_agents", recording)
        r = await p.http.get(
            "/v1/staffing/erlang-a",
            params={"calls_per_interval": 36000, "aht_seconds": 180, "patience_seconds": 1, "agents": 1},
        )
        _problem_or_figures(r)
        assert ran_in and loop_thread not in ran_in, (loop_thread, ran_in)
