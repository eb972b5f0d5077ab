"""Crash safety: the platform under steady load while its processes are killed with SIGKILL.

The broker and the five services run as processes on SQLite files. A CTI posts calls, agent
desks accept the offers on their event streams and complete, callers abandon or leave a queue
callback, an SMS gateway answers the surveys. Every few seconds one process is killed with
SIGKILL and started again: each service in turn and, every sixth cycle, the broker (which
restarts empty). Then the load stops, the platform settles, and a client-side ledger of every
acknowledged request is checked against the REST API, the topics and the databases.

    CHAOS_CYCLES=20 .venv/bin/python -m pytest tests/chaos -m chaos -s

Prints recovery times per service (SIGKILL to /readyz 200 and to the first API answer) and a
summary JSON line (`CHAOS-SUMMARY {...}`). Skipped unless CHAOS_CYCLES is set.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import holidays
import httpx
import pytest
from chaos_checks import (
    CALLBACK_DUE_WITHIN_S,
    OPEN_CALL_STATES,
    OPEN_CALLBACK_STATES,
    Checks,
    hexid,
    kpis_from_events,
    offers_and_holds,
    parse_dt,
    rows,
    summary_ms,
)
from chaos_load import MEMBER_NUMBERS, Api, Ledger, Load
from chaos_platform import SERVICES, ChaosPlatform

from frontdoor_common.testing import read_envelopes, read_records

CYCLES = int(os.environ.get("CHAOS_CYCLES", "0") or 0)
SEED = int(os.environ.get("CHAOS_SEED", "1"))
CALLS_PER_SECOND = float(os.environ.get("CHAOS_CALLS_PER_SECOND", "1.0"))
GAP_S = float(os.environ.get("CHAOS_GAP_S", "3"))  # load between a recovery and the next kill
BROKER_DOWN_S = 5.0  # the broker stays down this long (2.5 of the services' broker watch intervals)
RECOVERY_TIMEOUT_S = 90.0
# Recovery bounds: SIGKILL to the first API answer, and to /readyz 200 (consumers joined,
# relay running), at least these, and at most 1.5 times the service's cold start measured in the
# same run (a loaded machine starts everything slower; the failure this guards against, start-up
# waiting out the killed instance's consumer session, took twice a cold start and more).
API_RECOVERY_MAX_S = 10.0
READY_RECOVERY_MAX_S = 15.0
COLD_START_FACTOR = 1.5
SETTLE_TIMEOUT_S = 180.0
KEEP_FAILED = Path(__file__).resolve().parents[2] / "var"  # a failed run's var dir is copied here

PROBES = {
    "routing": "/v1/queues",
    "members": "/v1/tenant/settings",
    "agents": "/v1/settings",
    "callbacks": "/v1/callbacks?limit=1",
    "surveys": "/v1/survey-policy",
}
TOPICS = {name: f"frontdoor.{name}.v1" for name in SERVICES}

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.skipif(not CYCLES, reason="set CHAOS_CYCLES=<n> to run the chaos test"),
    pytest.mark.timeout(600 + CYCLES * 60),
]


def target_of(cycle: int) -> str:
    """Cycle 1..n: the services in turn, the broker every sixth cycle."""
    if cycle % 6 == 0:
        return "broker"
    return SERVICES[(cycle - 1 - cycle // 6) % len(SERVICES)]


def _country_without_a_holiday_today() -> str:
    today = datetime.now(UTC).date()
    for country in ("NO", "DK", "NL", "SE", "FI"):
        days_off = holidays.country_holidays(country)
        if today not in days_off and today + timedelta(days=1) not in days_off:
            return country
    pytest.skip("today is a public holiday everywhere the test knows")


class Chaos:
    """The kill/restart loop and its measurements."""

    def __init__(self, plat: ChaosPlatform, down: dict[str, bool], load: Load) -> None:
        self.plat = plat
        self.load = load
        self.down = down
        self.to_ready: dict[str, list[float]] = defaultdict(list)
        self.to_api: dict[str, list[float]] = defaultdict(list)
        self.broker_recovery: list[float] = []
        self.not_recovered: list[str] = []
        self.readyz_during_broker_outage: dict[str, list[int | None]] = defaultdict(list)
        self.broker_windows: list[tuple[float, float]] = []  # wall clock: kill .. all ready
        self.routing_windows: list[tuple[float, float]] = []  # wall clock: kill .. the last refused connection
        self.routing_api_windows: list[tuple[float, float]] = []  # wall clock: kill .. first API answer
        self.to_listen: dict[str, list[float]] = defaultdict(list)
        self.cycles_done: list[str] = []
        self.crashed: list[str] = []
        self.probe = httpx.AsyncClient(timeout=1.0, headers={"Authorization": f"Bearer {plat.token}"})

    async def close(self) -> None:
        await self.probe.aclose()

    async def status(self, name: str, path: str) -> int | None:
        try:
            r = await self.probe.get(f"http://127.0.0.1:{self.plat.ports[name]}{path}")
            return r.status_code
        except httpx.HTTPError:
            return None

    async def wait_for(self, name: str, path: str, since: float) -> float | None:
        deadline = since + RECOVERY_TIMEOUT_S
        while time.monotonic() < deadline:
            if await self.status(name, path) == 200:
                return time.monotonic() - since
            await asyncio.sleep(0.05)
        return None

    async def wait_listen(self, name: str, since: float) -> tuple[float, float] | None:
        """Seconds from `since` until the service's port accepts a TCP connection (the HTTP API opened).

        Returns (last refused, first accepted): the port provably refused connections until the
        first, and the moment it opened lies between the two (the probe shares a busy loop).
        """
        deadline = since + RECOVERY_TIMEOUT_S
        refused = 0.0
        while time.monotonic() < deadline:
            attempt = time.monotonic()
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", self.plat.ports[name])
                writer.close()
                return refused, time.monotonic() - since
            except OSError:
                # The attempt began before the refusal was seen: the port refused at least until then.
                refused = attempt - since
                await asyncio.sleep(0.01)
        return None

    async def kill_service(self, name: str) -> None:
        wall = time.time()
        self.down[name] = True
        killed = self.plat.kill(name)
        self.plat.spawn(name)
        if name == "agents":  # callbacks asked for while the agents service is down are due at once all the same
            self.load.spawn(self.load.web_callback("agents down"))
            self.load.spawn(self._later(4.0, self.load.web_callback("agents down")))
        ready, api, probed = await asyncio.gather(
            self.wait_for(name, "/readyz", killed),
            self.wait_for(name, PROBES[name], killed),
            self.wait_listen(name, killed),
        )
        refused, listen = probed if probed is not None else (None, None)
        self.down[name] = False
        if ready is None or api is None:
            self.not_recovered.append(f"{name}: ready={ready} api={api} within {RECOVERY_TIMEOUT_S}s")
            return
        self.to_ready[name].append(ready)
        self.to_api[name].append(api)
        if name == "routing":  # no offer while the port refused connections: no desk could see it
            self.routing_windows.append((wall, wall + (refused if refused is not None else api)))
            self.routing_api_windows.append((wall, wall + api))
        if listen is not None:
            self.to_listen[name].append(listen)
        at = datetime.fromtimestamp(wall, UTC).strftime("%H:%M:%S.%f")[:-3]
        print(
            f"chaos: {at} kill -9 {name:<9} listen {listen or -1:5.2f}s  api {api:5.2f}s  ready {ready:5.2f}s",
            flush=True,
        )

    @staticmethod
    async def _later(seconds: float, coro: Any) -> None:
        await asyncio.sleep(seconds)
        await coro

    async def kill_broker(self) -> None:
        wall = time.time()
        self.down["broker"] = True
        killed = self.plat.kill("broker")
        while time.monotonic() < killed + BROKER_DOWN_S:
            for name in SERVICES:
                self.readyz_during_broker_outage[name].append(await self.status(name, "/readyz"))
            await asyncio.sleep(0.25)
        await asyncio.to_thread(self.plat.restart_broker)
        restarted = time.monotonic()
        self.down["broker"] = False
        times = await asyncio.gather(*(self.wait_for(n, "/readyz", restarted) for n in SERVICES))
        if any(t is None for t in times):
            self.not_recovered.append(f"broker: services not ready again: {dict(zip(SERVICES, times, strict=True))}")
            return
        total = restarted - killed + max(t for t in times if t is not None)
        self.broker_recovery.append(restarted - killed + max(t for t in times if t is not None))
        self.broker_windows.append((wall, wall + total))
        at = datetime.fromtimestamp(wall, UTC).strftime("%H:%M:%S.%f")[:-3]
        print(
            f"chaos: {at} kill -9 broker    (down {BROKER_DOWN_S}s) all ready again {total:5.2f}s after kill",
            flush=True,
        )

    async def run(self, cycles: int) -> None:
        for cycle in range(1, cycles + 1):
            await asyncio.sleep(GAP_S)
            target = target_of(cycle)
            if target == "broker":
                await self.kill_broker()
            else:
                await self.kill_service(target)
            self.cycles_done.append(target)
            for name, alive in self.plat.alive().items():
                if not alive:  # died by itself: a finding; start it again and go on
                    self.crashed.append(f"{name} exited by itself after cycle {cycle}")
                    if name == "broker":
                        await asyncio.to_thread(self.plat.restart_broker)
                    else:
                        self.plat.spawn(name)


async def configure(api: Api) -> list[str]:
    """Open around the clock, surveys at any hour and as often as members call; wrap-up none."""
    await api.json(
        "agents",
        "PUT",
        "/v1/settings",
        json={
            "timezone": "UTC",
            "country": _country_without_a_holiday_today(),
            "opening_hours": [
                {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59:59"}
            ],
        },
    )
    policy = await api.json("surveys", "GET", "/v1/survey-policy")
    policy.update({"quiet_start": "00:00", "quiet_end": "00:00", "min_days_between": 0})
    await api.json("surveys", "PUT", "/v1/survey-policy", json={k: v for k, v in policy.items() if k != "questions"})
    for q in await api.json("routing", "GET", "/v1/queues"):
        await api.json("routing", "PATCH", f"/v1/queues/{q['id']}", json={"wrapup_seconds": 0})
    deadline = time.monotonic() + 60
    while not all(q["open"] for q in await api.json("routing", "GET", "/v1/queues")):
        assert time.monotonic() < deadline, "queues not open after setting the opening hours"
        await asyncio.sleep(0.2)
    agents = await api.json("agents", "GET", "/v1/agents")
    for a in agents:
        if a["presence"] != "available":
            await api.json("agents", "PUT", f"/v1/agents/{a['id']}/presence", json={"presence": "available"})
    for number in MEMBER_NUMBERS:
        found = await api.json("members", "GET", "/v1/members/lookup", params={"phone": number})
        assert len(found["candidates"]) == 1, f"{number} should be one demo member"
    return [a["id"] for a in agents]


async def settle(plat: ChaosPlatform, api: Api, load: Load) -> list[str]:
    """Until nothing waits, nobody talks, no callback is open and every outbox row is sent."""
    var = plat.var
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    pending: list[str] = []
    while time.monotonic() < deadline:
        pending = []
        callers = [t for t in load.tasks if t.get_coro().__qualname__.startswith("Load.caller")]  # type: ignore[union-attr]
        if callers:
            pending.append(f"{len(callers)} callers still waiting")
        open_calls = rows(
            var / "routing.db",
            "select state, count(*) n from calls group by state having state in (?,?,?,?,?)",
            *sorted(OPEN_CALL_STATES),
        )
        if open_calls:
            pending.append(f"routing calls open: {open_calls}")
        ours = {hexid(e["callback_id"]) for e in load.ledger.of("callback_requested")}
        open_cbs = [
            (r["id"], r["status"])
            for r in rows(var / "callbacks.db", "select id, status from callback")
            if r["id"] in ours and r["status"] in OPEN_CALLBACK_STATES
        ]
        if open_cbs:
            pending.append(f"callbacks open: {open_cbs}")
        for name in SERVICES:
            unsent = rows(var / f"{name}.db", "select count(*) n from outbox where sent_at is null")[0]["n"]
            if unsent:
                pending.append(f"{name}: {unsent} outbox rows unsent")
        sms = rows(var / "surveys.db", "select count(*) n from sms_outgoing where status in ('pending', 'sending')")
        if sms[0]["n"]:
            pending.append(f"surveys: {sms[0]['n']} SMS not sent yet")
        board = await api.json("agents", "GET", "/v1/agents/snapshots")
        busy = [a["name"] for a in board if a["presence"] in ("on_call", "wrap_up")]
        if busy:
            pending.append(f"agents busy per the agents service: {busy}")
        if not pending:
            await asyncio.sleep(3)  # let the consumers apply the last events
            return []
        await asyncio.sleep(1)
    return pending


async def test_kill_9_under_load_loses_nothing_and_applies_nothing_twice(tmp_path: Path) -> None:
    started_wall = time.time()
    plat = ChaosPlatform(
        tmp_path / "var", extra_env={"FRONTDOOR_ENV": "test", "ROUTING_KNOWN_AGENT_PREFERENCE_SECONDS": "0"}
    )
    ledger = Ledger()
    down = {name: False for name in (*SERVICES, "broker")}
    rng = random.Random(SEED)
    checks = Checks()
    api: Api | None = None
    load: Load | None = None
    chaos: Chaos | None = None
    try:
        await asyncio.to_thread(plat.start)
        api = Api(plat.ports, plat.token, ledger, down)
        agents = await configure(api)
        since = datetime.now(UTC) - timedelta(seconds=1)
        load = Load(api, ledger, plat.var, agents, rng)
        load.queues = await api.json("routing", "GET", "/v1/queues")
        load.start(CALLS_PER_SECOND)
        chaos = Chaos(plat, down, load)
        chaos_started = time.monotonic()
        await chaos.run(CYCLES)
        chaos_seconds = time.monotonic() - chaos_started
        load.stop_calling()
        still_pending = await settle(plat, api, load)
        checks.record("settled (nothing waiting or open, every outbox row sent)", still_pending)
        checks.record("no client task failed", list(load.failures))
        await load.close()
        try:
            await verify(plat, api, ledger, chaos, checks, since)
        except Exception as exc:  # the figures are still worth printing
            checks.record("the checks ran to the end", [f"{type(exc).__name__}: {exc}"])
        report(plat, ledger, chaos, checks, started_wall, chaos_seconds)
    finally:
        if load is not None:
            await load.close()
        if chaos is not None:
            await chaos.close()
        if api is not None:
            await api.close()
        await asyncio.to_thread(plat.stop)
    failed = checks.failed()
    if failed:
        # pytest keeps only its last three temporary folders: keep this run's logs and databases
        kept = KEEP_FAILED / f"chaos-failed-{int(started_wall)}"
        await asyncio.to_thread(shutil.copytree, plat.var, kept, dirs_exist_ok=True)
        print(f"chaos: the run's logs and databases are kept in {kept}")
    assert not failed, "invariants violated:\n" + "\n".join(
        f"- {name}: {len(v)} violation(s); e.g. {v[:5]}" for name, v in failed.items()
    )


async def verify(plat: ChaosPlatform, api: Api, ledger: Ledger, chaos: Chaos, checks: Checks, since: datetime) -> None:
    var = plat.var
    # --- the wire ---------------------------------------------------------------------------
    checks.record(
        "no 5xx",
        [
            f"{e['status']} {e['method']} {e['service']}{e['path']} (down: {e['down']}) {e['body'][:120]}"
            for e in ledger.server_errors
        ],
    )
    checks.record(
        "no hung request", [f"{e['method']} {e['service']}{e['path']} (down: {e['down']})" for e in ledger.hung]
    )
    checks.record("every process recovered", chaos.not_recovered + chaos.crashed)

    # --- recovery ---------------------------------------------------------------------------
    slow = []
    for name in SERVICES:
        cold = COLD_START_FACTOR * plat.cold_start.get(name, 0.0)
        api_bound, ready_bound = max(API_RECOVERY_MAX_S, cold), max(READY_RECOVERY_MAX_S, cold)
        for t in chaos.to_api[name]:
            if t > api_bound:
                slow.append(f"{name}: first API answer {t:.1f}s after SIGKILL (bound {api_bound:.1f}s)")
        for t in chaos.to_ready[name]:
            if t > ready_bound:
                slow.append(f"{name}: /readyz 200 {t:.1f}s after SIGKILL (bound {ready_bound:.1f}s)")
    checks.record("recovery within bounds", slow)
    if chaos.broker_windows:
        checks.record(
            "/readyz says not ready while the broker is down",
            [
                f"{name}: /readyz never 503 in {BROKER_DOWN_S}s of broker outage (saw {Counter(seen)})"
                for name, seen in chaos.readyz_during_broker_outage.items()
                if 503 not in seen
            ],
        )

    # --- the databases, read directly ----------------------------------------------------------
    calls = {r["id"]: r for r in rows(var / "routing.db", "select * from calls")}
    by_cti = {r["cti_call_id"]: r for r in calls.values()}
    callbacks = {r["id"]: r for r in rows(var / "callbacks.db", "select * from callback")}
    dossier = rows(var / "members.db", "select * from dossier_entries")
    surveys = rows(var / "surveys.db", "select * from surveys")
    sms_in = {r["provider_message_id"]: r for r in rows(var / "surveys.db", "select * from sms_inbound")}
    sms_out = rows(var / "surveys.db", "select * from sms_outgoing")
    records = {r["call_id"]: r for r in rows(var / "agents.db", "select * from call_records")}

    # --- nothing acknowledged lost ------------------------------------------------------------
    lost: list[str] = []
    for e in ledger.of("call_posted"):
        row = by_cti.get(e["cti_call_id"])
        if row is None or row["id"] != hexid(e["call_id"]):
            lost.append(f"call {e['cti_call_id']} acknowledged as {e['call_id']}, routing has {row and row['id']}")
    for e in ledger.of("accepted"):
        row = calls.get(hexid(e["call_id"]))
        if row is None or row["answered_at"] is None or row["agent_id"] != hexid(e["agent"]):
            lost.append(
                f"accept of {e['call_id']} by {e['agent']}: routing has {row and (row['state'], row['agent_id'])}"
            )
    for e in ledger.of("completed"):
        row = calls.get(hexid(e["call_id"]))
        if row is None or row["state"] != "completed" or row["resolution"] != e["resolution"]:
            lost.append(f"completion of {e['call_id']}: routing has {row and (row['state'], row['resolution'])}")
    for e in ledger.of("abandoned"):
        row = calls.get(hexid(e["call_id"]))
        if row is None or row["state"] != "abandoned":
            lost.append(f"abandon of {e['call_id']}: routing has {row and row['state']}")
    for e in ledger.of("callback_requested"):
        if hexid(e["callback_id"]) not in callbacks:
            lost.append(f"callback {e['callback_id']} (call {e['call_id']}) acknowledged, not in the callbacks service")
    for e in ledger.of("sms_reply"):
        if e["message_id"] not in sms_in:
            lost.append(f"SMS reply {e['message_id']} acknowledged, not recorded")
    checks.record("nothing acknowledged lost", lost)

    # --- REST agrees with the databases for a sample of acknowledged calls -----------------------
    rest: list[str] = []
    for e in ledger.of("completed")[:: max(1, len(ledger.of("completed")) // 25)]:
        view = await api.json("routing", "GET", f"/v1/calls/{e['call_id']}")
        if view["call"]["state"] != "completed":
            rest.append(f"GET /v1/calls/{e['call_id']}: {view['call']['state']}")
    for e in ledger.of("callback_requested"):
        r = await api.request("callbacks", "GET", f"/v1/callbacks/{e['callback_id']}")
        if r.status_code != 200:
            rest.append(f"GET /v1/callbacks/{e['callback_id']}: {r.status_code}")
    checks.record("the REST API shows every acknowledged call and callback", rest)

    # --- one agent per call, one call per agent ---------------------------------------------------
    routing_events = await read_envelopes(plat.bootstrap, TOPICS["routing"], grace=2.0)
    checks.record(
        "no call offered to two agents, no agent holding two calls",
        ledger.holding_violations + offers_and_holds(routing_events),
    )

    # --- offers made while the desks could not see them ---------------------------------------------
    seen_offers = {o["offer_id"] for o in ledger.offers_seen}
    blind: list[str] = []
    early_offers: list[str] = []
    for e in routing_events:
        timed_out = e.type == "routing.offer.withdrawn" and e.data.get("reason") == "timeout"
        if timed_out and str(e.data["offer_id"]) not in seen_offers:
            blind.append(f"offer {e.data['offer_id']} to {e.data['agent_id']} timed out, never on the desk's stream")
        if e.type == "routing.call.offered":
            at = (parse_dt(e.time) or datetime.now(UTC)).timestamp()
            for (start, end), (_, answered) in zip(chaos.routing_windows, chaos.routing_api_windows, strict=True):
                if start < at < end:
                    blind.append(
                        f"offer {e.data['offer_id']} made {at - start:.2f}s after routing's SIGKILL, "
                        f"{end - at:.3f}s before its port last refused a connection"
                    )
                elif end <= at < answered:  # listening, not yet answering: desks connect and get it
                    early_offers.append(f"{e.data['offer_id']}: {answered - at:.3f}s before the first API answer")
    checks.record("no offer made that no desk could see (before the API opened)", sorted(set(blind)))
    if early_offers:
        print(
            f"chaos: {len(set(early_offers))} offers made after routing listened, before its first API answer: "
            f"{sorted(set(early_offers))[:5]}"
        )

    # --- KPIs ----------------------------------------------------------------------------------
    report_ = await api.json("routing", "GET", "/v1/kpis", params={"from": since.isoformat(), "group_by": "none"})
    from_events = kpis_from_events(routing_events, since)
    posted = ledger.of("call_posted")
    ledger_calls = {hexid(e["call_id"]) for e in posted}
    accepted_calls = {hexid(e["call_id"]) for e in ledger.of("accepted")}
    tasks_answered = accepted_calls - ledger_calls  # callback tasks the desks answered
    calls_expected = {
        "offered": sum(1 for e in posted if e["outcome"] in ("queued", "offered")),
        "answered": len(accepted_calls & ledger_calls),
        "abandoned": len({hexid(e["call_id"]) for e in ledger.of("abandoned")}),
    }
    # Every callback task reached a desk (nobody hangs up on a callback): offered == answered.
    tasks_expected = {"offered": len(tasks_answered), "answered": len(tasks_answered), "abandoned": 0}
    if "callbacks" in report_:
        expected = {"total": calls_expected, "callbacks": tasks_expected}
    else:  # one total over calls and tasks
        expected = {"total": {k: calls_expected[k] + tasks_expected[k] for k in calls_expected}}
    kpi_bad = []
    for block, want in expected.items():
        got = report_.get(block) or {}
        kpi_bad += [f"{block}.{k}: KPI {got.get(k)} != ledger {v}" for k, v in want.items() if got.get(k) != v]
    for block, computed in from_events.items():
        got = report_.get(block) or {}
        kpi_bad += [
            f"{block}.{k}: KPI {got.get(k)} != from the topic {v}" for k, v in computed.items() if got.get(k) != v
        ]
    checks.record("KPIs equal the ledger (and the events)", kpi_bad)

    # --- identification, dossier, surveys --------------------------------------------------------
    unlinked = [
        f"call {e['call_id']} from member number {e['number']} never linked to its member"
        for e in posted
        if e["member"] and calls.get(hexid(e["call_id"]), {}).get("member_id") is None
    ]
    checks.record("every call from a member's number linked to the member", unlinked)
    dossier_by_call = Counter(d["call_id"] for d in dossier if d["kind"] == "call" and d["call_id"])
    survey_by_call = Counter(s["call_id"] for s in surveys if s["call_id"])
    survey_by_cb = Counter(s["callback_id"] for s in surveys if s["callback_id"])
    one_each: list[str] = []
    for cid, c in calls.items():
        identified_done = c["state"] == "completed" and c["member_id"] is not None and c["answered_at"] is not None
        n_dossier = dossier_by_call.get(cid, 0)
        n_survey = survey_by_call.get(cid, 0) + (survey_by_cb.get(c["callback_id"], 0) if c["callback_id"] else 0)
        if identified_done and n_dossier != 1:
            one_each.append(f"completed identified call {cid}: {n_dossier} dossier entries")
        if identified_done and n_survey != 1:
            one_each.append(f"completed identified call {cid}: {n_survey} surveys")
        if not identified_done and n_dossier:
            one_each.append(f"call {cid} ({c['state']}, member {c['member_id']}): {n_dossier} dossier entries")
    checks.record("one dossier entry and one survey per completed identified call", one_each)

    # --- workload --------------------------------------------------------------------------------
    done = {cid: c for cid, c in calls.items() if c["state"] == "completed" and c["agent_id"] and c["answered_at"]}
    workload_bad: list[str] = []
    for cid, c in done.items():
        r = records.get(cid)
        if r is None or r["agent_id"] != c["agent_id"]:
            workload_bad.append(f"call {cid} completed by {c['agent_id']}: agents has {r and r['agent_id']}")
    for cid in set(records) - set(done):
        workload_bad.append(f"agents records call {cid}, routing has {calls.get(cid, {}).get('state')}")
    per_agent = Counter(
        c["agent_id"]
        for c in done.values()
        if (parse_dt(c["completed_at"]) or since).date() == datetime.now(UTC).date()
    )
    workload = await api.json(
        "agents", "GET", "/v1/workload", params={"period": "day", "date": datetime.now(UTC).date().isoformat()}
    )
    for a in workload["agents"]:
        want = per_agent.get(hexid(a["agent_id"]), 0)
        if a["calls_handled"] != want:
            workload_bad.append(f"workload of {a['name']}: {a['calls_handled']} calls, routing completed {want}")
    checks.record("workload counts exact", workload_bad)

    # --- dead letters, inboxes, outboxes, the broker after its restarts ------------------------------
    dlq: list[str] = []
    for name, topic in TOPICS.items():
        dead = await read_records(plat.bootstrap, f"{topic}.dlq", timeout=2.0, grace=0.5)
        dlq += [f"{topic}.dlq: {r.value[:160]!r}" for r in dead]
        inbox_dead = rows(var / f"{name}.db", "select consumer, event_type from inbox where status != 'processed'")
        dlq += [f"{name} inbox: {d}" for d in inbox_dead]
    checks.record("nothing in a dead-letter topic", dlq)
    unsent: list[str] = []
    missing: list[str] = []
    for name in TOPICS:
        outbox = rows(var / f"{name}.db", "select event_id, topic, type, sent_at from outbox")
        unsent += [f"{name}: {o['type']} {o['event_id']} unsent" for o in outbox if o["sent_at"] is None]
        on_topic: dict[str, set[str]] = {}
        for t in {o["topic"] for o in outbox}:
            envs = routing_events if t == TOPICS["routing"] else await read_envelopes(plat.bootstrap, t, grace=1.0)
            on_topic[t] = {e.id for e in envs}
        missing += [
            f"{name}: {o['type']} {o['event_id']} not on {o['topic']}"
            for o in outbox
            if o["event_id"] not in on_topic[o["topic"]]
        ]
    unsent += [f"surveys: SMS {m['kind']} {m['id']} {m['status']}" for m in sms_out if m["status"] != "sent"]
    checks.record("no outbox row left unsent (events and SMS)", unsent)
    checks.record("every retained event back on the broker after it restarted empty", missing)

    # --- nothing applied twice ---------------------------------------------------------------------
    twice: list[str] = []
    arrived: dict[str, set[str]] = defaultdict(set)
    for e in routing_events:
        if e.type == "routing.call.arrived":
            arrived[e.data["call"]["cti_call_id"]].add(str(e.data["call"]["call_id"]))
    twice += [f"cti call {k} became calls {sorted(v)}" for k, v in arrived.items() if len(v) > 1]
    per_original = Counter(cb["original_call_id"] for cb in callbacks.values() if cb["original_call_id"])
    twice += [f"call {k} has {n} callbacks" for k, n in per_original.items() if n > 1]
    twice += [f"dossier: call {k} has {n} entries" for k, n in dossier_by_call.items() if n > 1]
    cb_entries = Counter(d["callback_id"] for d in dossier if d["kind"] == "callback" and d["callback_id"])
    twice += [f"dossier: callback {k} has {n} entries" for k, n in cb_entries.items() if n > 1]
    twice += [f"surveys: call {k} has {n} surveys" for k, n in survey_by_call.items() if n > 1]
    sms_bodies = Counter((s["survey_id"], s["kind"], s["body"]) for s in sms_out)
    twice += [f"SMS {k[1]} of survey {k[0]} queued {n} times" for k, n in sms_bodies.items() if n > 1]
    sms_file = var / "sms-outgoing.jsonl"
    lines = [json.loads(x) for x in sms_file.read_text().splitlines()] if sms_file.exists() else []
    sent_refs = Counter(m.get("reference") for m in lines)
    twice += [f"SMS {k} sent {n} times" for k, n in sent_refs.items() if n > 1]
    answers = Counter(s["id"] for s in surveys for _ in json.loads(s["answers"] or "[]"))
    for s in surveys:
        n_answers = answers.get(s["id"], 0)
        if n_answers > 4:
            twice.append(f"survey {s['id']} has {n_answers} answers")
    checks.record("no effect applied twice (calls, callbacks, dossier, workload, surveys, SMS)", twice)

    # --- callbacks: never pushed to a later day, never a second call once answered --------------------
    cb_bad: list[str] = []
    tasks_by_cb: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in calls.values():
        if c["callback_id"]:
            tasks_by_cb[c["callback_id"]].append(c)
    for e in ledger.of("callback_requested"):
        cb = callbacks.get(hexid(e["callback_id"]))
        if cb is None:
            continue
        requested, due = parse_dt(cb["requested_at"]), parse_dt(cb["due_at"])
        if due is not None and requested is not None and (due - requested).total_seconds() > CALLBACK_DUE_WITHIN_S:
            cb_bad.append(
                f"callback {cb['id']} requested {requested:%H:%M:%S}, due {due:%Y-%m-%d %H:%M} (open all day)"
            )
        original = calls.get(hexid(e["call_id"])) if e["call_id"] else None
        answered_in_place = original is not None and original["answered_at"] is not None
        if cb["status"] != "completed" and not (cb["status"] == "cancelled" and answered_in_place):
            cb_bad.append(
                f"{e['source']} callback {cb['id']} is {cb['status']} ({cb['closed_reason']}) after the platform "
                "settled (desks answer every call)"
            )
        answered = [t for t in tasks_by_cb.get(cb["id"], []) if t["answered_at"] is not None]
        if original is not None and original["answered_at"] is not None and original["callback_id"] != cb["id"]:
            answered.append(original)
        if len({t["id"] for t in answered}) > 1:
            cb_bad.append(
                f"callback {cb['id']}: the member was called {len(answered)} times (original call answered too)"
            )
    checks.record("callbacks due at once and called back once", cb_bad)


def report(
    plat: ChaosPlatform, ledger: Ledger, chaos: Chaos, checks: Checks, started_wall: float, chaos_seconds: float
) -> None:
    recovery = {
        name: {
            "to_listen": summary_ms(chaos.to_listen[name]),
            "to_api": summary_ms(chaos.to_api[name]),
            "to_ready": summary_ms(chaos.to_ready[name]),
            "cold_start_s": round(plat.cold_start.get(name, 0.0), 2),
        }
        for name in SERVICES
    }
    recovery["broker"] = {"to_all_ready": summary_ms(chaos.broker_recovery)}
    print("\nchaos: recovery from SIGKILL (seconds)")
    for name, r in recovery.items():
        print(f"  {name:<10} {json.dumps(r)}")
    print("chaos: invariants")
    for name, v in checks.results.items():
        print(f"  {'ok  ' if not v else 'FAIL'} {name}" + (f": {len(v)}; e.g. {v[:3]}" if v else ""))
    summary = {
        "cycles": len(chaos.cycles_done),
        "kills": dict(Counter(chaos.cycles_done)),
        "chaos_seconds": round(chaos_seconds, 1),
        "total_seconds": round(time.time() - started_wall, 1),
        "acknowledged": ledger.counts(),
        "client_retries": ledger.retries,
        "ambiguous": dict(Counter(a["op"] for a in ledger.ambiguous)),
        "offers_seen": len(ledger.offers_seen),
        "desk_resets": ledger.desk_resets,
        "server_errors": len(ledger.server_errors),
        "hung_requests": len(ledger.hung),
        "recovery": recovery,
        "invariants": {k: ("ok" if not v else len(v)) for k, v in checks.results.items()},
        "passed": not checks.failed(),
    }
    print("CHAOS-SUMMARY " + json.dumps(summary, sort_keys=True), flush=True)
    (plat.var.parent / "chaos-summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True))
    (plat.var.parent / "chaos-ledger.json").write_text(
        json.dumps(
            {
                "entries": ledger.entries,
                "server_errors": ledger.server_errors,
                "hung": ledger.hung,
                "ambiguous": ledger.ambiguous,
                "offers_seen": ledger.offers_seen,
                "violations": checks.results,
            },
            default=str,
        )
    )
