"""The task lane of the assignment core: emails and web-form messages, offered to agents with capacity.

Pure like `router.py` (no I/O, no clocks: times are float seconds passed in). Calls and tasks
are two channels of the same agents: `Router` holds the call channel (an agent holds at most one
call), `TaskRouter` the task channel (an agent holds up to their capacity of tasks, default 3).
The two are independent on purpose: an agent on a call can still be offered a task, and a task
offer or a held task never keeps a call from them. The engine feeds both the same agent facts
(memberships, availability) in the same change.

Rules (the naive reference in the tests implements the same rules by scanning):

- A task's order key is `arrived_at - (task priority + queue priority) * seconds_per_priority`,
  then its sequence number: older and higher-priority tasks first.
- A task is eligible for the members of its queue (no overflow, no preferred agent: a message
  waits hours, not seconds).
- An agent can take a task when `available`, not not-responding on tasks, holding no task offer
  (one task offer at a time), and holding fewer tasks than their capacity.
- When a task becomes eligible, it goes to the free member of its queue holding the fewest tasks,
  then free the longest (since their last task offer ended or task was done), then the oldest
  known; when an agent becomes free, they get the best task over their queues (smallest key).
- An agent never gets a task they declined. A task offer that times out makes the agent
  not-responding on tasks (no more task offers until `set_agent` says available again).

Invariant that makes the indexes sufficient: no free agent ever has an eligible waiting task.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sortedcontainers import SortedList

from frontdoor_routing.core.model import Id, WithdrawReason

DEFAULT_TASK_CAPACITY = 3
TaskKey = tuple[float, int]


@dataclass(frozen=True, slots=True)
class TaskQueueRules:
    """What the task lane needs to know about a queue."""

    queue_id: Id
    priority: int = 0
    offer_timeout: float = 120.0


@dataclass(frozen=True, slots=True)
class TaskOffer:
    """Offer `task_id` to `agent_id` (a lease until `expires_at`)."""

    offer_id: int
    task_id: Id
    agent_id: Id
    queue_id: Id
    expires_at: float


@dataclass(frozen=True, slots=True)
class TaskWithdrawn:
    """A task offer ended without being accepted; the task waits again (unless it left)."""

    offer_id: int
    task_id: Id
    agent_id: Id
    reason: WithdrawReason


TaskDecision = TaskOffer | TaskWithdrawn


@dataclass(slots=True, eq=False)
class _Task:
    task_id: Id
    seq: int
    queue_id: Id
    arrived_at: float
    key: TaskKey
    rejected: set[Id] = field(default_factory=set)
    offer_id: int | None = None
    holder: Id | None = None  # the agent who accepted it
    listed: bool = False


@dataclass(slots=True, eq=False)
class _Agent:
    agent_id: Id
    seq: int
    queues: dict[Id, int]
    capacity: int
    available: bool = False
    not_responding: bool = False
    free_since: float = 0.0
    offer_id: int | None = None
    held: set[Id] = field(default_factory=set)
    keys: dict[Id, tuple[Any, ...]] = field(default_factory=dict)  # queue -> key in its free list

    @property
    def can_take(self) -> bool:
        return self.available and not self.not_responding and self.offer_id is None and len(self.held) < self.capacity


@dataclass(slots=True, eq=False)
class _Queue:
    rules: TaskQueueRules
    waiting: SortedList = field(default_factory=SortedList)  # (key, seq) of its waiting tasks
    free: SortedList = field(default_factory=SortedList)  # (load, free_since, seq) of free members
    members: set[Id] = field(default_factory=set)


@dataclass(slots=True, eq=False)
class _Offer:
    offer_id: int
    task: _Task
    agent: _Agent
    queue_id: Id
    expires_at: float


class TaskRouter:
    """One tenant's task channel: queues' waiting tasks, agents' task capacity, per-event decisions."""

    def __init__(self, *, seconds_per_priority: float = 60.0, default_capacity: int = DEFAULT_TASK_CAPACITY) -> None:
        self.seconds_per_priority = seconds_per_priority
        self.default_capacity = default_capacity
        self._queues: dict[Id, _Queue] = {}
        self._agents: dict[Id, _Agent] = {}
        self._agents_by_seq: dict[int, _Agent] = {}
        self._tasks: dict[Id, _Task] = {}
        self._tasks_by_seq: dict[int, _Task] = {}
        self._offers: dict[int, _Offer] = {}
        self._timers: list[tuple[float, int, int]] = []  # (at, seq, offer id): offer timeouts only
        self._seq = itertools.count(1)
        self._offer_seq = itertools.count(1)

    # ------------------------------------------------------------------ queues
    def set_queue(self, rules: TaskQueueRules) -> None:
        """Add or change a queue (its priority counts for tasks entering it from now on)."""
        queue = self._queues.get(rules.queue_id)
        if queue is None:
            self._queues[rules.queue_id] = _Queue(rules)
        else:
            queue.rules = rules

    # ------------------------------------------------------------------ agents
    def set_agent(
        self, agent_id: Id, queues: Mapping[Id, int], available: bool, now: float, capacity: int | None = None
    ) -> list[TaskDecision]:
        """Create or update an agent: memberships, availability and (if given) task capacity."""
        agent = self._agents.get(agent_id)
        if agent is None:
            seq = next(self._seq)
            agent = _Agent(agent_id, seq, {}, self.default_capacity, free_since=now)
            self._agents[agent_id] = agent
            self._agents_by_seq[seq] = agent
        was_taking = agent.can_take
        self._free_remove(agent)
        for queue_id in agent.queues:
            q = self._queues.get(queue_id)
            if q is not None:
                q.members.discard(agent_id)
        agent.queues = {q: p for q, p in queues.items() if q in self._queues}
        for queue_id in agent.queues:
            self._queues[queue_id].members.add(agent_id)
        if available:
            agent.not_responding = False
        agent.available = available
        if capacity is not None:
            agent.capacity = max(0, capacity)
        if agent.can_take:
            if not was_taking:
                agent.free_since = now
            return self._agent_freed(agent, now)
        return []

    def load(self, agent_id: Id) -> int:
        """Tasks the agent holds now."""
        agent = self._agents.get(agent_id)
        return len(agent.held) if agent else 0

    def capacity(self, agent_id: Id) -> int | None:
        """The agent's task capacity (None for an unknown agent)."""
        agent = self._agents.get(agent_id)
        return agent.capacity if agent else None

    # ------------------------------------------------------------------- tasks
    def enqueue(
        self, task_id: Id, queue_id: Id, now: float, *, arrived_at: float | None = None, priority: int = 0
    ) -> list[TaskDecision]:
        """A task enters a queue; returns the offer it causes, if any."""
        if task_id in self._tasks:
            raise ValueError(f"task {task_id!r} is already in the core")
        queue = self._queues[queue_id]
        seq = next(self._seq)
        arrived = now if arrived_at is None else arrived_at
        virtual = arrived - (priority + queue.rules.priority) * self.seconds_per_priority
        task = _Task(task_id, seq, queue_id, arrived, (virtual, seq))
        self._tasks[task_id] = task
        self._tasks_by_seq[seq] = task
        return self._task_ready(task, now)

    def accept(self, offer_id: int, now: float) -> tuple[Id, list[TaskDecision]]:
        """The agent took the task: they hold it; with room left they may be offered the next one."""
        offer = self._offers.pop(offer_id)
        agent, task = offer.agent, offer.task
        agent.offer_id = None
        task.offer_id = None
        task.holder = agent.agent_id
        agent.held.add(task.task_id)
        decisions: list[TaskDecision] = []
        if agent.can_take:
            decisions = self._agent_freed(agent, now)
        return task.task_id, decisions

    def reject(self, offer_id: int, now: float) -> list[TaskDecision]:
        """The agent declined: the task waits again (never offered to them again)."""
        return self._withdraw(self._offers[offer_id], "rejected", now)

    def remove_task(self, task_id: Id, now: float) -> list[TaskDecision]:
        """The task ended (done, answered, withdrawn): it leaves; its agent has room again."""
        task = self._tasks.pop(task_id, None)
        if task is None:
            return []
        self._tasks_by_seq.pop(task.seq, None)
        decisions: list[TaskDecision] = []
        agent: _Agent | None = None
        if task.offer_id is not None:
            offer = self._offers.pop(task.offer_id)
            task.offer_id = None
            agent = offer.agent
            agent.offer_id = None
            decisions.append(TaskWithdrawn(offer.offer_id, task_id, agent.agent_id, "cancelled"))
        elif task.holder is not None:
            agent = self._agents.get(task.holder)
            if agent is not None:
                agent.held.discard(task_id)
        self._unlist(task)
        if agent is not None:
            self._free_remove(agent)  # its load changed: re-keyed below if free
            if agent.can_take:
                agent.free_since = now
                decisions += self._agent_freed(agent, now)
        return decisions

    def hold(self, agent_id: Id, task_id: Id, queue_id: Id, arrived_at: float) -> None:
        """An agent holds a task accepted before (a tenant rebuilt from the database)."""
        agent = self._agents[agent_id]
        self._free_remove(agent)
        seq = next(self._seq)
        task = _Task(task_id, seq, queue_id, arrived_at, (arrived_at, seq), holder=agent_id)
        self._tasks[task_id] = task
        self._tasks_by_seq[seq] = task
        agent.held.add(task_id)

    def restore_offer(
        self, task_id: Id, agent_id: Id, via_queue: Id, expires_at: float, now: float
    ) -> TaskOffer | None:
        """Hold again a task offer decided before (rebuilding after a failed change); None if it cannot stand."""
        task = self._tasks.get(task_id)
        agent = self._agents.get(agent_id)
        if task is None or agent is None or task.offer_id is not None or task.holder is not None:
            return None
        if agent.offer_id is not None or len(agent.held) >= agent.capacity or agent_id in task.rejected:
            return None
        return self._offer(task, agent, via_queue if via_queue in self._queues else task.queue_id, now, expires_at)

    # ------------------------------------------------------------------ timers
    def next_deadline(self) -> float | None:
        """When `advance` next has something to do."""
        while self._timers and self._timers[0][2] not in self._offers:
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    def advance(self, now: float) -> list[TaskDecision]:
        """Fire the task offers' timeouts due at `now`."""
        decisions: list[TaskDecision] = []
        while self._timers and self._timers[0][0] <= now:
            at, _seq, offer_id = heapq.heappop(self._timers)
            offer = self._offers.get(offer_id)
            if offer is not None and offer.expires_at == at:
                decisions += self._withdraw(offer, "timeout", at)
        return decisions

    # ----------------------------------------------------------------- queries
    def waiting_count(self, queue_id: Id) -> int:
        """Tasks waiting in the queue (not offered, not held)."""
        queue = self._queues.get(queue_id)
        return len(queue.waiting) if queue else 0

    def position(self, task_id: Id) -> int | None:
        """1-based place among the tasks waiting in the task's queue; None unless waiting."""
        task = self._tasks.get(task_id)
        if task is None or not task.listed:
            return None
        return int(self._queues[task.queue_id].waiting.bisect_left(task.key)) + 1

    def has_task(self, task_id: Id) -> bool:
        """Whether the core holds the task (waiting, offered or held)."""
        return task_id in self._tasks

    def offer_of(self, task_id: Id) -> int | None:
        """The live offer id of a task, if any."""
        task = self._tasks.get(task_id)
        return task.offer_id if task else None

    def holder_of(self, task_id: Id) -> Id | None:
        """The agent holding the task, if accepted."""
        task = self._tasks.get(task_id)
        return task.holder if task else None

    def snapshot(self) -> dict[str, int]:
        """Counts for statistics and tests."""
        return {
            "queues": len(self._queues),
            "agents": len(self._agents),
            "tasks": len(self._tasks),
            "offers": len(self._offers),
            "held": sum(len(a.held) for a in self._agents.values()),
        }

    # ---------------------------------------------------------------- internals
    def _free_key(self, agent: _Agent) -> tuple[Any, ...]:
        return (len(agent.held), agent.free_since, agent.seq)

    def _free_add(self, agent: _Agent) -> None:
        key = self._free_key(agent)
        for queue_id in agent.queues:
            agent.keys[queue_id] = key
            self._queues[queue_id].free.add(key)

    def _free_remove(self, agent: _Agent) -> None:
        for queue_id, key in agent.keys.items():
            queue = self._queues.get(queue_id)
            if queue is not None:
                queue.free.discard(key)
        agent.keys.clear()

    def _list(self, task: _Task) -> None:
        self._queues[task.queue_id].waiting.add(task.key)
        task.listed = True

    def _unlist(self, task: _Task) -> None:
        if task.listed:
            self._queues[task.queue_id].waiting.discard(task.key)
            task.listed = False

    def _offer(self, task: _Task, agent: _Agent, via: Id, now: float, expires_at: float | None = None) -> TaskOffer:
        self._free_remove(agent)
        self._unlist(task)
        offer_id = next(self._offer_seq)
        expires = now + self._queues[task.queue_id].rules.offer_timeout if expires_at is None else expires_at
        self._offers[offer_id] = _Offer(offer_id, task, agent, via, expires)
        task.offer_id = offer_id
        agent.offer_id = offer_id
        heapq.heappush(self._timers, (expires, offer_id, offer_id))
        return TaskOffer(offer_id, task.task_id, agent.agent_id, via, expires)

    def _withdraw(self, offer: _Offer, reason: WithdrawReason, now: float) -> list[TaskDecision]:
        self._offers.pop(offer.offer_id, None)
        task, agent = offer.task, offer.agent
        task.offer_id = None
        agent.offer_id = None
        decisions: list[TaskDecision] = [TaskWithdrawn(offer.offer_id, task.task_id, agent.agent_id, reason)]
        if reason == "rejected":
            task.rejected.add(agent.agent_id)
        elif reason == "timeout":
            agent.not_responding = True
        decisions += self._task_ready(task, now)
        if agent.can_take and agent.agent_id in self._agents:
            agent.free_since = now
            decisions += self._agent_freed(agent, now)
        return decisions

    def _task_ready(self, task: _Task, now: float) -> list[TaskDecision]:
        queue = self._queues[task.queue_id]
        for key in queue.free:
            agent = self._agents_by_seq[key[-1]]
            if agent.agent_id not in task.rejected:
                return [self._offer(task, agent, task.queue_id, now)]
        self._list(task)
        return []

    def _agent_freed(self, agent: _Agent, now: float) -> list[TaskDecision]:
        best: tuple[TaskKey, Id] | None = None
        for queue_id in agent.queues:
            for key in self._queues[queue_id].waiting:
                if best is not None and key >= best[0]:
                    break
                if agent.agent_id not in self._tasks_by_seq[key[1]].rejected:
                    best = (key, queue_id)
                    break
        if best is not None:
            return [self._offer(self._tasks_by_seq[best[0][1]], agent, best[1], now)]
        if not agent.keys:
            self._free_add(agent)
        return []
