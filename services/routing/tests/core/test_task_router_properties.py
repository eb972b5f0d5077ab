"""The task lane against a naive reference (the same rules by scanning): random events, same decisions."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdoor_routing.core.tasks import TaskDecision, TaskOffer, TaskQueueRules, TaskRouter, TaskWithdrawn


@dataclass
class NTask:
    task_id: Any
    seq: int
    queue_id: Any
    key: tuple[float, int]
    rejected: set[Any] = field(default_factory=set)
    offer_id: int | None = None
    holder: Any = None


@dataclass
class NAgent:
    agent_id: Any
    seq: int
    queues: dict[Any, int]
    capacity: int
    available: bool = False
    not_responding: bool = False
    free_since: float = 0.0
    offer_id: int | None = None
    held: set[Any] = field(default_factory=set)

    def can_take(self) -> bool:
        return self.available and not self.not_responding and self.offer_id is None and len(self.held) < self.capacity


class NaiveTaskRouter:
    """Same decisions as `TaskRouter`, found by scanning (slow, obviously right)."""

    def __init__(self, *, seconds_per_priority: float = 60.0, default_capacity: int = 3) -> None:
        self.spp, self.default_capacity = seconds_per_priority, default_capacity
        self.queues: dict[Any, TaskQueueRules] = {}
        self.agents: dict[Any, NAgent] = {}
        self.tasks: dict[Any, NTask] = {}
        self.offers: dict[int, tuple[NTask, NAgent, Any, float]] = {}
        self.seq = itertools.count(1)
        self.offer_seq = itertools.count(1)

    def set_queue(self, rules: TaskQueueRules) -> None:
        self.queues[rules.queue_id] = rules

    def set_agent(
        self, agent_id: Any, queues: Mapping[Any, int], available: bool, now: float, capacity: int | None = None
    ) -> list[TaskDecision]:
        agent = self.agents.get(agent_id)
        if agent is None:
            agent = NAgent(agent_id, next(self.seq), {}, self.default_capacity, free_since=now)
            self.agents[agent_id] = agent
        was = agent.can_take()
        agent.queues = {q: p for q, p in queues.items() if q in self.queues}
        if available:
            agent.not_responding = False
        agent.available = available
        if capacity is not None:
            agent.capacity = max(0, capacity)
        if agent.can_take():
            if not was:
                agent.free_since = now
            return self._freed(agent, now)
        return []

    def enqueue(
        self, task_id: Any, queue_id: Any, now: float, *, arrived_at: float | None = None, priority: int = 0
    ) -> list[TaskDecision]:
        seq = next(self.seq)
        arrived = now if arrived_at is None else arrived_at
        task = NTask(task_id, seq, queue_id, (arrived - (priority + self.queues[queue_id].priority) * self.spp, seq))
        self.tasks[task_id] = task
        return self._ready(task, now)

    def accept(self, offer_id: int, now: float) -> tuple[Any, list[TaskDecision]]:
        task, agent, _via, _exp = self.offers.pop(offer_id)
        task.offer_id = agent.offer_id = None
        task.holder = agent.agent_id
        agent.held.add(task.task_id)
        return task.task_id, (self._freed(agent, now) if agent.can_take() else [])

    def reject(self, offer_id: int, now: float) -> list[TaskDecision]:
        return self._withdraw(offer_id, "rejected", now)

    def remove_task(self, task_id: Any, now: float) -> list[TaskDecision]:
        task = self.tasks.pop(task_id, None)
        if task is None:
            return []
        out: list[TaskDecision] = []
        agent = None
        if task.offer_id is not None:
            _t, agent, _via, _exp = self.offers.pop(task.offer_id)
            out.append(TaskWithdrawn(task.offer_id, task_id, agent.agent_id, "cancelled"))
            task.offer_id = agent.offer_id = None
        elif task.holder is not None:
            agent = self.agents[task.holder]
            agent.held.discard(task_id)
        if agent is not None and agent.can_take():
            agent.free_since = now
            out += self._freed(agent, now)
        return out

    def next_deadline(self) -> float | None:
        return min((exp for _t, _a, _v, exp in self.offers.values()), default=None)

    def advance(self, now: float) -> list[TaskDecision]:
        out: list[TaskDecision] = []
        while True:
            due = [(exp, oid) for oid, (_t, _a, _v, exp) in self.offers.items() if exp <= now]
            if not due:
                return out
            exp, oid = min(due)
            out += self._withdraw(oid, "timeout", exp)

    def waiting_count(self, queue_id: Any) -> int:
        return sum(1 for t in self.tasks.values() if t.queue_id == queue_id and self._waiting(t))

    def free_agents_with_eligible_tasks(self) -> list[Any]:
        """The invariant's breaches: free agents who could take a waiting task (always empty)."""
        return [
            a.agent_id
            for a in self.agents.values()
            if a.can_take()
            and any(
                self._waiting(t) and t.queue_id in a.queues and a.agent_id not in t.rejected
                for t in self.tasks.values()
            )
        ]

    # ------------------------------------------------------------------
    @staticmethod
    def _waiting(task: NTask) -> bool:
        return task.offer_id is None and task.holder is None

    def _offer(self, task: NTask, agent: NAgent, now: float) -> TaskOffer:
        oid = next(self.offer_seq)
        expires = now + self.queues[task.queue_id].offer_timeout
        self.offers[oid] = (task, agent, task.queue_id, expires)
        task.offer_id = agent.offer_id = oid
        return TaskOffer(oid, task.task_id, agent.agent_id, task.queue_id, expires)

    def _withdraw(self, offer_id: int, reason: Any, now: float) -> list[TaskDecision]:
        task, agent, _via, _exp = self.offers.pop(offer_id)
        task.offer_id = agent.offer_id = None
        out: list[TaskDecision] = [TaskWithdrawn(offer_id, task.task_id, agent.agent_id, reason)]
        if reason == "rejected":
            task.rejected.add(agent.agent_id)
        elif reason == "timeout":
            agent.not_responding = True
        out += self._ready(task, now)
        if agent.can_take():
            agent.free_since = now
            out += self._freed(agent, now)
        return out

    def _ready(self, task: NTask, now: float) -> list[TaskDecision]:
        free = [
            a
            for a in self.agents.values()
            if a.can_take() and task.queue_id in a.queues and a.agent_id not in task.rejected
        ]
        if not free:
            return []
        best = min(free, key=lambda a: (len(a.held), a.free_since, a.seq))
        return [self._offer(task, best, now)]

    def _freed(self, agent: NAgent, now: float) -> list[TaskDecision]:
        eligible = [
            t
            for t in self.tasks.values()
            if self._waiting(t) and t.queue_id in agent.queues and agent.agent_id not in t.rejected
        ]
        if not eligible:
            return []
        return [self._offer(min(eligible, key=lambda t: t.key), agent, now)]


QUEUES = ["q1", "q2", "q3"]
AGENTS = [f"a{i}" for i in range(6)]
ACTIONS = ["arrive", "arrive", "arrive", "accept", "accept", "accept", "reject", "done", "done", "agent", "timeout"]


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    queues = [
        TaskQueueRules(q, priority=draw(st.integers(0, 2)), offer_timeout=float(draw(st.integers(2, 30))))
        for q in QUEUES
    ]
    actions = draw(
        st.lists(
            st.tuples(st.sampled_from(ACTIONS), st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 25)),
            min_size=5,
            max_size=80,
        )
    )
    return {"queues": queues, "actions": actions}


def _memberships(seed: int) -> dict[str, int]:
    return {q: 1 + (seed >> i) % 5 for i, q in enumerate(QUEUES) if (seed >> i) & 1}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_task_lane_decides_exactly_like_the_naive_reference(scenario: dict[str, Any]) -> None:
    core, naive = TaskRouter(seconds_per_priority=30.0), NaiveTaskRouter(seconds_per_priority=30.0)
    now = 0.0
    for rules in scenario["queues"]:
        core.set_queue(rules)
        naive.set_queue(rules)
    for i, agent in enumerate(AGENTS):
        m = _memberships(i * 7 + 3)
        cap = 1 + i % 3
        assert core.set_agent(agent, m, i % 5 != 0, now, cap) == naive.set_agent(agent, m, i % 5 != 0, now, cap)
    offers: dict[int, TaskOffer] = {}
    held: list[str] = []
    tasks: list[str] = []
    n = 0

    def record(decisions: list[Any]) -> None:
        for d in decisions:
            if isinstance(d, TaskOffer):
                offers[d.offer_id] = d
            else:
                offers.pop(d.offer_id, None)

    for action, x, y, dt in scenario["actions"]:
        now += dt
        got, want = core.advance(now), naive.advance(now)
        assert got == want
        record(got)
        if action == "arrive":
            n += 1
            tasks.append(f"t{n}")
            kw = {"priority": x % 2, "arrived_at": now - (y % 30)}
            got, want = (
                core.enqueue(f"t{n}", QUEUES[x % 3], now, **kw),
                naive.enqueue(f"t{n}", QUEUES[x % 3], now, **kw),
            )
        elif action in ("accept", "reject", "timeout") and offers:
            offer = offers[sorted(offers)[x % len(offers)]]
            if action == "accept":
                (task_got, got), (task_want, want) = core.accept(offer.offer_id, now), naive.accept(offer.offer_id, now)
                assert task_got == task_want == offer.task_id
                offers.pop(offer.offer_id)
                held.append(str(offer.task_id))
            elif action == "reject":
                got, want = core.reject(offer.offer_id, now), naive.reject(offer.offer_id, now)
            else:
                now = max(now, offer.expires_at)
                got, want = core.advance(now), naive.advance(now)
        elif action == "done" and tasks:
            # a held task done, or (now and then) a waiting or offered one answered elsewhere
            pool = held if held and y % 3 else tasks
            task = pool[x % len(pool)]
            if task in held:
                held.remove(task)
            got, want = core.remove_task(task, now), naive.remove_task(task, now)
        elif action == "agent":
            agent = AGENTS[x % len(AGENTS)]
            m = _memberships(y)
            cap = None if y % 5 else y % 4
            got, want = core.set_agent(agent, m, y % 3 != 0, now, cap), naive.set_agent(agent, m, y % 3 != 0, now, cap)
        else:
            got = want = []
        assert got == want, (action, got, want)
        record(got)
        assert core.next_deadline() == naive.next_deadline()
        # the invariants: one task offer per agent, a task offered once, no free agent with an
        # eligible waiting task, nobody over capacity
        assert len({o.agent_id for o in offers.values()}) == len(offers)
        assert len({o.task_id for o in offers.values()}) == len(offers)
        assert naive.free_agents_with_eligible_tasks() == []
        for q in QUEUES:
            assert core.waiting_count(q) == naive.waiting_count(q)
        for agent in AGENTS:
            assert core.load(agent) == len(naive.agents[agent].held)
