"""A discrete-event contact-center simulator that drives the real routing core in virtual time.

The simulator owns the world outside the core: callers arrive (Poisson, piecewise constant
per interval), lose patience, leave callbacks; agents come and go with their shifts and
meetings, answer offers (at once or after a delay), talk, wrap up. The core (`Router`)
decides who gets which call, exactly as in production. One event heap holds the
simulator's events; before each one, the core's own next deadline (overflow steps, offer
timeouts, wrap-up ends) is fired if it comes first. Nothing sleeps: time is a float.

KPIs use the definitions of `frontdoor_routing.stats.kpis` (a call counts in the interval it
arrived in; wait = answer time - original arrival), plus P(wait) (the call was not offered
at once), abandonment rate, max wait (of any offered call, answered or not) and occupancy
(talk + wrap-up time / time agents were available or busy).
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from frontdoor_routing.core.model import (
    MaxWaitReached,
    Offer,
    OverflowStep,
    QueueRules,
    RouterConfig,
    Strategy,
    Withdrawn,
)
from frontdoor_routing.core.router import Router
from frontdoor_routing.planning.results import IntervalResult, Kpis, SimulationResult, Tally

__all__ = [
    "AgentSpec",
    "CallRecord",
    "IntervalResult",
    "Kpis",
    "QueueSpec",
    "Scenario",
    "SimulationResult",
    "Tally",
    "call_records",
    "mmc_scenario",
    "simulate",
    "uniform_agents",
]

HandleDistribution = Literal["exponential", "lognormal"]


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """One queue: its call profile, handle times, patience, target and routing rules."""

    queue_id: str
    calls: tuple[float, ...]  # expected calls per interval
    aht_seconds: float = 180.0
    handle: HandleDistribution = "exponential"
    handle_cv: float = 1.0  # coefficient of variation of a lognormal handle time
    patience_seconds: float | None = None  # mean of an exponential patience; None: callers never hang up
    target_seconds: float = 20.0
    wrapup_seconds: float = 0.0  # part of the handle time (AHT = talk + wrap-up)
    overflow: tuple[OverflowStep, ...] = ()
    strategy: Strategy = "longest_idle"
    priority: int = 0
    callback_threshold_seconds: float | None = None  # estimated wait above which a caller leaves a callback
    callback_delay_seconds: float = 900.0  # how long after the request the callback is queued


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """One agent: queue memberships (queue -> proficiency), shifts and meetings (seconds from the start)."""

    agent_id: str
    queues: Mapping[str, int]
    shifts: tuple[tuple[float, float], ...] = ()  # none: present the whole day (and until the queue drains)
    meetings: tuple[tuple[float, float], ...] = ()  # unavailable during [start, end)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A day to simulate."""

    queues: tuple[QueueSpec, ...]
    agents: tuple[AgentSpec, ...]
    interval_seconds: float = 1800.0
    answer_delay_seconds: float = 0.0
    start_seconds: float = 0.0  # clock time of the first interval (labels only)

    @property
    def intervals(self) -> int:
        """Number of intervals in the profile."""
        return max((len(q.calls) for q in self.queues), default=0)


def uniform_agents(count: int, queue_ids: Sequence[str]) -> tuple[AgentSpec, ...]:
    """`count` agents in every queue, present all day."""
    return tuple(AgentSpec(f"agent-{i + 1}", dict.fromkeys(queue_ids, 3)) for i in range(count))


def mmc_scenario(
    calls_per_interval: float,
    aht_seconds: float,
    agents: int,
    intervals: int,
    *,
    patience_seconds: float | None = None,
    target_seconds: float = 20.0,
    interval_seconds: float = 1800.0,
) -> Scenario:
    """A single-queue M/M/c (or M/M/c+M with patience) day with constant load."""
    queue = QueueSpec(
        "q",
        (calls_per_interval,) * intervals,
        aht_seconds=aht_seconds,
        patience_seconds=patience_seconds,
        target_seconds=target_seconds,
    )
    return Scenario((queue,), uniform_agents(agents, ["q"]), interval_seconds=interval_seconds)


# ------------------------------------------------------------------------- the run

_ARRIVAL, _ABANDON, _FINISH, _PRESENCE, _ANSWER, _CALLBACK = range(6)
_WAITING, _OFFERED, _ANSWERED, _ABANDONED, _CALLBACK_PENDING, _LEFT = range(6)


def _presence(agent: AgentSpec) -> list[tuple[float, float]]:
    """Availability as sorted disjoint [start, end) segments: shifts minus meetings."""
    shifts = sorted(agent.shifts) if agent.shifts else [(0.0, math.inf)]
    segments: list[tuple[float, float]] = []
    for start, end in shifts:
        pieces = [(start, end)]
        for m_start, m_end in agent.meetings:
            nxt = []
            for s, e in pieces:
                if m_end <= s or m_start >= e:
                    nxt.append((s, e))
                    continue
                if s < m_start:
                    nxt.append((s, m_start))
                if m_end < e:
                    nxt.append((m_end, e))
            pieces = nxt
        segments.extend(p for p in pieces if p[1] > p[0])
    segments.sort()
    merged: list[tuple[float, float]] = []
    for s, e in segments:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _spread(buckets: list[float], start: float, end: float, width: float) -> None:
    """Add the length of [start, end) to the interval buckets it overlaps."""
    n = len(buckets)
    start, end = max(start, 0.0), min(end, n * width)
    if end <= start or start >= n * width:
        return
    i = int(start // width)
    while i < n and start < end:
        stop = min(end, (i + 1) * width)
        buckets[i] += stop - start
        start = stop
        i += 1


def _union(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for s, e in sorted(a + b):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


class _Run:
    """One replication."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.sc = scenario
        self.width = scenario.interval_seconds
        self.n_intervals = scenario.intervals
        self.day_end = self.n_intervals * self.width
        # Separate streams, so that staffing changes leave the callers' draws alone.
        self.rng_arrival = random.Random(seed * 7919 + 1)
        self.rng_call = random.Random(seed * 7919 + 2)
        self.router = Router(RouterConfig())
        offer_timeout = max(15.0, 2.0 * scenario.answer_delay_seconds + 1.0)  # a simulated agent always answers
        self.queue_index = {q.queue_id: i for i, q in enumerate(scenario.queues)}
        for q in scenario.queues:
            self.router.set_queue(
                QueueRules(
                    q.queue_id,
                    strategy=q.strategy,
                    priority=q.priority,
                    overflow=q.overflow,
                    offer_timeout=offer_timeout,
                    wrapup=q.wrapup_seconds,
                )
            )
        self.tallies = [[Tally() for _ in range(self.n_intervals)] for _ in scenario.queues]
        self.heap: list[tuple[float, int, int, int, Any]] = []
        self.seq = 0
        # Per call (index = call id): queue, arrival, interval, status, talk seconds, patience deadline.
        self.c_queue: list[int] = []
        self.c_arrival: list[float] = []
        self.c_interval: list[int] = []
        self.c_status: list[int] = []
        self.c_talk: list[float] = []
        self.c_ended: list[float] = []  # answer or abandon time (nan: neither)
        self.c_callback: list[bool] = []
        self.offers: dict[int, int] = {}  # offer id -> call
        self.agent_on: dict[str, bool] = {}
        self.agent_busy: dict[str, list[tuple[float, float]]] = {a.agent_id: [] for a in scenario.agents}
        self.agent_presence = {a.agent_id: _presence(a) for a in scenario.agents}
        self.agents = {a.agent_id: a for a in scenario.agents}
        self.on_members = [0] * len(scenario.queues)  # agents present per queue (for the estimated wait)
        self.events = 0

    def push(self, at: float, kind: int, a: int, b: Any = None) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, a, b))

    # -- sampling
    def _next_arrival(self, qi: int, now: float) -> None:
        """Schedule queue `qi`'s next arrival after `now` (exact for a piecewise-constant rate)."""
        calls = self.sc.queues[qi].calls
        t = now
        while True:
            i = int(t // self.width)
            if i >= len(calls):
                return
            rate = calls[i] / self.width
            boundary = (i + 1) * self.width
            if rate > 0:
                t_next = t + self.rng_arrival.expovariate(rate)
                if t_next < boundary:
                    self.push(t_next, _ARRIVAL, qi)
                    return
            t = boundary  # memoryless: restart at the boundary with the next rate

    def _talk(self, q: QueueSpec) -> float:
        talk_mean = max(q.aht_seconds - q.wrapup_seconds, 1e-9)
        if q.handle == "lognormal":
            sigma2 = math.log1p(q.handle_cv**2)
            return self.rng_call.lognormvariate(math.log(talk_mean) - sigma2 / 2.0, math.sqrt(sigma2))
        return self.rng_call.expovariate(1.0 / talk_mean)

    # -- decisions of the core
    def apply(self, decisions: list[Any], now: float) -> None:
        for d in decisions:
            if type(d) is Offer:
                call = cast(int, d.call_id)
                self.offers[d.offer_id] = call
                self.c_status[call] = _OFFERED
                if self.sc.answer_delay_seconds > 0:
                    self.push(now + self.sc.answer_delay_seconds, _ANSWER, d.offer_id, str(d.agent_id))
                else:
                    self.answer(d.offer_id, str(d.agent_id), now)
            elif type(d) is Withdrawn:
                self.offers.pop(d.offer_id, None)
                call = cast(int, d.call_id)
                if self.c_status[call] == _OFFERED:
                    self.c_status[call] = _WAITING
                if d.reason == "timeout":  # the agent is back at once (not expected: timeouts are long)
                    self.set_presence(str(d.agent_id), self.agent_on.get(str(d.agent_id), False), now)
            elif type(d) is MaxWaitReached:
                self.c_status[cast(int, d.call_id)] = _LEFT

    def answer(self, offer_id: int, agent_id: str, now: float) -> None:
        call = self.offers.pop(offer_id)
        self.router.accept(offer_id, now)
        self.c_status[call] = _ANSWERED
        self.c_ended[call] = now
        q = self.sc.queues[self.c_queue[call]]
        tally = self.tallies[self.c_queue[call]][self.c_interval[call]]
        wait = now - self.c_arrival[call]
        tally.answered += 1
        tally.wait_sum += wait
        if wait > tally.max_wait:
            tally.max_wait = wait
        if wait <= q.target_seconds:
            tally.answered_within_target += 1
        talk = self.c_talk[call]
        tally.handled += 1
        tally.handle_sum += talk + q.wrapup_seconds
        self.agent_busy[agent_id].append((now, now + talk + q.wrapup_seconds))
        self.push(now + talk, _FINISH, call, agent_id)

    def set_presence(self, agent_id: str, on: bool, now: float) -> None:
        agent = self.agents[agent_id]
        was = self.agent_on.get(agent_id, False)
        if was != on:
            for q in agent.queues:
                if q in self.queue_index:
                    self.on_members[self.queue_index[q]] += 1 if on else -1
        self.agent_on[agent_id] = on
        # Off duty, the agent keeps no memberships: the core would otherwise offer them the
        # next call when they finish the current one (finish() frees without checking `available`).
        memberships: dict[Hashable, int] = {q: p for q, p in agent.queues.items()} if on else {}
        self.apply(self.router.set_agent(agent_id, memberships, on, now), now)

    # -- the loop
    def run(self) -> None:
        for qi in range(len(self.sc.queues)):
            self._next_arrival(qi, 0.0)
        for agent_id, segments in self.agent_presence.items():
            self.router.set_agent(agent_id, {}, False, 0.0)
            for s, e in segments:
                self.push(s, _PRESENCE, 0, (agent_id, True))
                if math.isfinite(e):
                    self.push(e, _PRESENCE, 0, (agent_id, False))
        heap, router = self.heap, self.router
        pop = heapq.heappop
        while True:
            deadline = router.next_deadline()
            if heap:
                if deadline is not None and deadline <= heap[0][0]:
                    self.apply(router.advance(deadline), deadline)
                    continue
            elif deadline is not None:
                self.apply(router.advance(deadline), deadline)
                continue
            else:
                break
            now, _, kind, a, b = pop(heap)
            self.events += 1
            if kind == _ARRIVAL:
                self.arrive(a, now)
            elif kind == _FINISH:
                self.apply(router.finish(b, now), now)
            elif kind == _ABANDON:
                if self.c_status[a] in (_WAITING, _OFFERED):
                    self.c_status[a] = _ABANDONED
                    self.c_ended[a] = now
                    tally = self.tallies[self.c_queue[a]][self.c_interval[a]]
                    q = self.sc.queues[self.c_queue[a]]
                    wait = now - self.c_arrival[a]
                    tally.abandoned += 1
                    if wait > q.target_seconds:
                        tally.abandoned_after_target += 1
                    if wait > tally.max_wait:
                        tally.max_wait = wait
                    self.apply(router.remove_call(a, now), now)
            elif kind == _PRESENCE:
                self.set_presence(b[0], b[1], now)
            elif kind == _ANSWER:
                if a in self.offers:
                    self.answer(a, b, now)
            else:  # _CALLBACK
                self.c_status[a] = _WAITING
                q = self.sc.queues[self.c_queue[a]]
                self.apply(router.enqueue(a, q.queue_id, now, arrived_at=self.c_arrival[a]), now)
        for qi, row in enumerate(self.tallies):
            for call_status, call_q, call_i in zip(self.c_status, self.c_queue, self.c_interval, strict=True):
                if call_q == qi and call_status in (_WAITING, _OFFERED, _CALLBACK_PENDING, _LEFT):
                    row[call_i].unresolved += 1

    def arrive(self, qi: int, now: float) -> None:
        self._next_arrival(qi, now)
        q = self.sc.queues[qi]
        call = len(self.c_status)
        interval = min(int(now // self.width), self.n_intervals - 1)
        self.c_queue.append(qi)
        self.c_arrival.append(now)
        self.c_interval.append(interval)
        self.c_status.append(_WAITING)
        self.c_talk.append(self._talk(q))
        self.c_ended.append(math.nan)
        self.c_callback.append(False)
        patience = self.rng_call.expovariate(1.0 / q.patience_seconds) if q.patience_seconds else math.inf
        tally = self.tallies[qi][interval]
        tally.offered += 1
        if q.callback_threshold_seconds is not None:
            staffed = self.on_members[qi]
            position = self.router.waiting_count(q.queue_id) + 1
            estimate = position * q.aht_seconds / staffed if staffed else math.inf
            if estimate > q.callback_threshold_seconds and self.router.idle_count(q.queue_id) == 0:
                self.c_status[call] = _CALLBACK_PENDING
                self.c_callback[call] = True
                tally.callbacks += 1
                tally.waited += 1
                self.push(now + q.callback_delay_seconds, _CALLBACK, call)
                return
        decisions = self.router.enqueue(call, q.queue_id, now)
        if not any(type(d) is Offer and d.call_id == call for d in decisions):
            tally.waited += 1
        self.apply(decisions, now)
        if math.isfinite(patience):
            self.push(now + patience, _ABANDON, call)

    def interval_tallies(self) -> list[Tally]:
        """Per interval, all queues, with agents' busy and staffed time."""
        out = [Tally() for _ in range(self.n_intervals)]
        for row in self.tallies:
            for i, t in enumerate(row):
                out[i].add(t)
        busy = [0.0] * self.n_intervals
        staffed = [0.0] * self.n_intervals
        for agent_id, segments in self.agent_busy.items():
            for s, e in segments:
                _spread(busy, s, e, self.width)
            for s, e in _union(self.agent_presence[agent_id], segments):
                _spread(staffed, s, e, self.width)
        for i, t in enumerate(out):
            t.busy_seconds = busy[i]
            t.staffed_seconds = staffed[i]
        return out


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One simulated call, for checks against other KPI code."""

    queue_id: str
    arrived_at: float
    answered_at: float | None
    abandoned_at: float | None
    handle_seconds: float | None
    callback: bool


def call_records(scenario: Scenario, seed: int = 1) -> list[CallRecord]:
    """Simulate one day and return every call (arrival, answer or abandon, handle time)."""
    run = _Run(scenario, seed)
    run.run()
    out = []
    for i, status in enumerate(run.c_status):
        q = scenario.queues[run.c_queue[i]]
        answered = status == _ANSWERED
        out.append(
            CallRecord(
                q.queue_id,
                run.c_arrival[i],
                run.c_ended[i] if answered else None,
                run.c_ended[i] if status == _ABANDONED else None,
                run.c_talk[i] + q.wrapup_seconds if answered else None,
                run.c_callback[i],
            )
        )
    return out


def simulate(scenario: Scenario, seed: int = 1, replications: int = 1) -> SimulationResult:
    """Simulate the day `replications` times (seeds seed, seed+1, ...) and pool the KPIs."""
    if replications < 1:
        raise ValueError("replications must be >= 1")
    n = scenario.intervals
    pooled = [Tally() for _ in range(n)]
    per_queue = {q.queue_id: Tally() for q in scenario.queues}
    calls = 0
    started = time.perf_counter()
    for r in range(replications):
        run = _Run(scenario, seed + r)
        run.run()
        calls += len(run.c_status)
        for i, t in enumerate(run.interval_tallies()):
            pooled[i].add(t)
        for qi, q in enumerate(scenario.queues):
            for t in run.tallies[qi]:
                per_queue[q.queue_id].add(t)
    elapsed = time.perf_counter() - started
    day = Tally()
    for t in pooled:
        day.add(t)
    intervals = []
    for i, t in enumerate(pooled):
        k = t.kpis()
        k.staffed_agents = t.staffed_seconds / (scenario.interval_seconds * replications)
        intervals.append(IntervalResult(i, scenario.start_seconds + i * scenario.interval_seconds, k))
    day_kpis = day.kpis()
    day_kpis.staffed_agents = day.staffed_seconds / (scenario.interval_seconds * max(n, 1) * replications)
    queue_kpis = {}
    for queue_id, t in per_queue.items():
        k = t.kpis()
        k.staffed_agents = 0.0  # agents serve several queues: staffing is reported for all queues only
        queue_kpis[queue_id] = k
    return SimulationResult(intervals, day_kpis, queue_kpis, calls, replications, elapsed, pooled, day)
