"""The assignment core: which agent gets which call, decided per event, never by polling.

Rules (the naive reference router in the tests implements the same rules by scanning):

- A call's order key is its *virtual arrival* `arrived_at - (call priority + queue
  priority) * seconds_per_priority`, then its sequence number: older and higher-priority
  calls first, and priority ages, so nothing starves.
- A call is eligible for the members of its queue, and after each overflow step's
  threshold (measured from when it entered the queue) for the members of that step's
  queues too. While its preference window runs, a call with a preferred (known) agent is
  eligible for that agent only.
- An agent can take calls when the agents service says so (`available`), they hold no
  offer or call, and they are not in wrap-up.
- When a call becomes eligible for idle agents, it is offered to the best of them: its own
  queue's idle members first by that queue's strategy, else the overflow queues' idle
  members, step by step, queue by queue in the order given.
- When an agent becomes free, they are offered the best call eligible for them: a call
  waiting for them as preferred agent first, else the smallest order key over their queues.
- An agent never gets a call they rejected. An offer that times out makes the agent
  not-responding (no more offers until `set_agent` says available again).
- A call transferred to a named colleague (`enqueue(..., offer_to=agent)`) is offered to
  that colleague only, at once, whatever their queues, if they can take a call now. If
  they cannot, or reject the offer, or let it time out, the call waits in its queue like
  any other, at the place its arrival gives it (it is never offered to them again).

Invariant that makes the indexes sufficient: no idle agent ever has an eligible waiting
call. Every event restores it by looking only where that event can make a difference.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sortedcontainers import SortedList

from frontdoor_routing.core.model import (
    CallView,
    Decision,
    Id,
    MaxWaitReached,
    Offer,
    QueueRules,
    RouterConfig,
    Withdrawn,
    WithdrawReason,
    WrapUpEnded,
)

CallKey = tuple[float, int]


@dataclass(slots=True, eq=False)
class _Call:
    call_id: Id
    seq: int
    queue_id: Id
    arrived_at: float
    entered_at: float
    priority: int
    key: CallKey
    preferred_agent: Id | None = None
    preferred_until: float = 0.0
    overflow_queues: list[Id] = field(default_factory=list)
    rejected: set[Id] = field(default_factory=set)
    offer_id: int | None = None
    listed: bool = False  # in its queue / overflow lists
    reserved: bool = False  # waiting for its preferred agent


@dataclass(slots=True, eq=False)
class _Agent:
    agent_id: Id
    seq: int
    queues: dict[Id, int]  # queue id -> proficiency (1-5)
    available: bool = False
    not_responding: bool = False
    status: str = "idle"  # idle | offered | busy | wrap_up
    idle_since: float = 0.0
    calls_today: int = 0
    last_offer_seq: int = 0
    offer_id: int | None = None
    call_id: Id | None = None
    wrapup_token: int = 0
    keys: dict[Id, tuple[Any, ...]] = field(default_factory=dict)  # queue -> key in its idle list
    wrapup_default: float = 0.0
    reserved: SortedList = field(default_factory=SortedList)  # calls preferring this agent

    @property
    def can_take(self) -> bool:
        return self.available and not self.not_responding and self.status == "idle"


@dataclass(slots=True, eq=False)
class _Queue:
    rules: QueueRules
    waiting: SortedList = field(default_factory=SortedList)  # own calls: (key, seq)
    overflow_in: SortedList = field(default_factory=SortedList)  # others' calls overflowed here
    idle: SortedList = field(default_factory=SortedList)  # idle members: strategy key + (seq,)
    members: set[Id] = field(default_factory=set)
    reserved: int = 0  # own calls waiting for their preferred agent


@dataclass(slots=True, eq=False)
class _Offer:
    offer_id: int
    call: _Call
    agent: _Agent
    queue_id: Id
    expires_at: float


class Router:
    """One tenant's queues, agents and waiting calls, with per-event decisions."""

    def __init__(self, config: RouterConfig | None = None) -> None:
        self.config = config or RouterConfig()
        self._queues: dict[Id, _Queue] = {}
        self._agents: dict[Id, _Agent] = {}
        self._calls: dict[Id, _Call] = {}
        self._calls_by_seq: dict[int, _Call] = {}
        self._agents_by_seq: dict[int, _Agent] = {}
        self._offers: dict[int, _Offer] = {}
        self._timers: list[tuple[float, int, str, Any, int]] = []
        self._seq = itertools.count(1)
        self._offer_seq = itertools.count(1)
        self._timer_seq = itertools.count(1)
        self._wrapup_calls: dict[tuple[Id, int], Id] = {}

    # ------------------------------------------------------------------ queues
    def set_queue(self, rules: QueueRules) -> None:
        """Add or change a queue's rules (strategy changes re-key its idle list)."""
        queue = self._queues.get(rules.queue_id)
        if queue is None:
            self._queues[rules.queue_id] = _Queue(rules)
            return
        old = queue.rules
        queue.rules = rules
        if old.strategy != rules.strategy:
            for agent_id in list(queue.members):
                agent = self._agents[agent_id]
                if agent.can_take:
                    self._idle_remove_one(agent, queue)
                    self._idle_add_one(agent, queue)

    def queue_rules(self, queue_id: Id) -> QueueRules | None:
        """The rules of a known queue."""
        queue = self._queues.get(queue_id)
        return queue.rules if queue else None

    # ------------------------------------------------------------------ agents
    def set_agent(self, agent_id: Id, queues: Mapping[Id, int], available: bool, now: float) -> list[Decision]:
        """Create or update an agent: memberships (queue -> proficiency) and availability."""
        agent = self._agents.get(agent_id)
        if agent is None:
            seq = next(self._seq)
            agent = _Agent(agent_id, seq, {}, idle_since=now)
            self._agents[agent_id] = agent
            self._agents_by_seq[seq] = agent
        was_taking = agent.can_take
        if was_taking:
            self._idle_remove(agent)
        for queue_id in agent.queues:
            q = self._queues.get(queue_id)
            if q is not None:
                q.members.discard(agent_id)
        agent.queues = {q: p for q, p in queues.items() if q in self._queues}
        for queue_id in agent.queues:
            self._queues[queue_id].members.add(agent_id)
        if available:
            agent.not_responding = False  # the agents service says they are back
        agent.available = available
        if agent.can_take:
            if not was_taking:
                agent.idle_since = now
            return self._agent_freed(agent, now)
        return []

    def remove_agent(self, agent_id: Id, now: float) -> list[Decision]:
        """Forget an agent (deleted). An offer they held is withdrawn."""
        agent = self._agents.get(agent_id)
        if agent is None:
            return []
        decisions = self.set_agent(agent_id, {}, False, now)
        if agent.offer_id is not None:
            decisions += self._withdraw(self._offers[agent.offer_id], "cancelled", now)
        del self._agents[agent_id]
        del self._agents_by_seq[agent.seq]
        return decisions

    def agent_status(self, agent_id: Id) -> str | None:
        """idle | offered | busy | wrap_up, or None for an unknown agent."""
        agent = self._agents.get(agent_id)
        if agent is None:
            return None
        if agent.status == "idle" and not (agent.available and not agent.not_responding):
            return "unavailable"
        return agent.status

    # ------------------------------------------------------------------- calls
    def enqueue(
        self,
        call_id: Id,
        queue_id: Id,
        now: float,
        *,
        arrived_at: float | None = None,
        priority: int = 0,
        preferred_agent: Id | None = None,
        preference_window: float | None = None,
        entered_at: float | None = None,
        offer_to: Id | None = None,
    ) -> list[Decision]:
        """A call enters a queue (arrival, transfer, callback task); returns offers it causes.

        `offer_to`: a colleague the call was transferred to, offered it first (see the rules)."""
        if call_id in self._calls:
            raise ValueError(f"call {call_id!r} is already in the core")
        queue = self._queues[queue_id]
        seq = next(self._seq)
        arrived = now if arrived_at is None else arrived_at
        virtual = arrived - (priority + queue.rules.priority) * self.config.seconds_per_priority
        entered = now if entered_at is None else entered_at  # earlier after a restart
        call = _Call(call_id, seq, queue_id, arrived, entered, priority, (virtual, seq))
        self._calls[call_id] = call
        self._calls_by_seq[seq] = call
        for step_index, step in enumerate(queue.rules.overflow):
            self._timer(entered + step.after_seconds, "overflow", call, step_index)
        if queue.rules.max_wait is not None:
            self._timer(entered + queue.rules.max_wait, "max_wait", call, 0)
        if offer_to is not None:
            colleague = self._agents.get(offer_to)
            if colleague is not None and colleague.can_take:
                return [self._offer(call, colleague, queue_id, now)]
            return self._call_ready(call, now)
        if preferred_agent is not None and preferred_agent in self._agents:
            window = self.config.preference_window if preference_window is None else preference_window
            call.preferred_agent = preferred_agent
            call.preferred_until = now + window
            if window > 0:
                self._timer(call.preferred_until, "preference_end", call, 0)
                agent = self._agents[preferred_agent]
                if agent.can_take:
                    return [self._offer(call, agent, queue_id, now)]
                self._reserve(call)
                return []
        return self._call_ready(call, now)

    def remove_call(self, call_id: Id, now: float) -> list[Decision]:
        """The call left (abandoned, answered elsewhere): drop it; free the agent it was offered to."""
        call = self._calls.get(call_id)
        if call is None:
            return []
        decisions: list[Decision] = []
        if call.offer_id is not None:
            offer = self._offers.pop(call.offer_id)
            call.offer_id = None
            decisions.append(Withdrawn(offer.offer_id, call_id, offer.agent.agent_id, "cancelled"))
            agent = offer.agent
            agent.offer_id = None
            agent.status = "idle"
            self._forget(call)
            if agent.can_take:
                decisions += self._agent_freed(agent, now)
            return decisions
        self._unlist(call)
        self._forget(call)
        return decisions

    def accept(self, offer_id: int, now: float) -> Id:
        """The agent accepted: the call is theirs (it leaves the core); returns the call id."""
        offer = self._offers.pop(offer_id)
        agent, call = offer.agent, offer.call
        agent.offer_id = None
        agent.status = "busy"
        agent.call_id = call.call_id
        agent.calls_today += 1
        agent.wrapup_default = self._queues[call.queue_id].rules.wrapup
        self._forget(call)
        return call.call_id

    def reject(self, offer_id: int, now: float) -> list[Decision]:
        """The agent said no: the call waits again (never offered to them again)."""
        return self._withdraw(self._offers[offer_id], "rejected", now)

    def finish(self, agent_id: Id, now: float, wrapup: float | None = None) -> list[Decision]:
        """The agent's conversation ended: wrap-up (queue's default or given), then free."""
        agent = self._agents[agent_id]
        if agent.status != "busy":
            return []
        call_id = agent.call_id
        seconds = wrapup if wrapup is not None else agent.wrapup_default
        agent.wrapup_token += 1
        if seconds > 0:
            agent.status = "wrap_up"
            self._timer(now + seconds, "wrapup_end", agent, agent.wrapup_token, ref2=call_id)
            return []
        agent.status = "idle"
        agent.call_id = None
        agent.idle_since = now
        # Someone who went away or into a meeting during the call gets no new one.
        return [WrapUpEnded(agent_id, call_id), *(self._agent_freed(agent, now) if agent.can_take else [])]

    def restore_offer(self, call_id: Id, agent_id: Id, via_queue: Id, expires_at: float, now: float) -> Offer | None:
        """Hold again an offer decided before (rebuilding after a failed change); None if it cannot stand."""
        call = self._calls.get(call_id)
        agent = self._agents.get(agent_id)
        if call is None or agent is None or call.offer_id is not None or agent.offer_id is not None:
            return None
        if agent.status != "idle" or agent_id in call.rejected:
            return None
        if via_queue not in self._queues:
            via_queue = call.queue_id
        return self._offer(call, agent, via_queue, now, expires_at)

    def occupy(self, agent_id: Id, call_id: Id) -> None:
        """Mark an agent busy with a call decided outside the core (restart recovery)."""
        agent = self._agents[agent_id]
        if agent.can_take:
            self._idle_remove(agent)
        agent.status = "busy"
        agent.call_id = call_id

    # ------------------------------------------------------------------ timers
    def next_deadline(self) -> float | None:
        """When `advance` next has something to do."""
        while self._timers and not self._timer_live(self._timers[0]):
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    def advance(self, now: float) -> list[Decision]:
        """Fire every timer due at `now`: offer timeouts, overflow, preference end, wrap-up end."""
        decisions: list[Decision] = []
        while self._timers and self._timers[0][0] <= now:
            entry = heapq.heappop(self._timers)
            if not self._timer_live(entry):
                continue
            at, _seq, kind, ref, token = entry
            if kind == "offer_timeout":
                decisions += self._withdraw(self._offers[ref], "timeout", at)
            elif kind == "overflow":
                decisions += self._overflow(ref, token, at)
            elif kind == "preference_end":
                decisions += self._preference_end(ref, at)
            elif kind == "wrapup_end":
                agent = ref
                call_id = self._wrapup_calls.pop((agent.agent_id, token), None)
                agent.status = "idle"
                agent.call_id = None
                agent.idle_since = at
                decisions.append(WrapUpEnded(agent.agent_id, call_id))
                if agent.can_take:
                    decisions += self._agent_freed(agent, at)
            elif kind == "max_wait":
                call = ref
                if call.offer_id is None:
                    self._unlist(call)
                    self._forget(call)
                    decisions.append(MaxWaitReached(call.call_id))
        return decisions

    # ----------------------------------------------------------------- queries
    def position(self, call_id: Id) -> int | None:
        """1-based place among the calls waiting in the call's own queue."""
        call = self._calls.get(call_id)
        if call is None:
            return None
        return int(self._queues[call.queue_id].waiting.bisect_left(call.key)) + 1

    def waiting_count(self, queue_id: Id) -> int:
        """Calls waiting in the queue (those waiting for a preferred agent included)."""
        queue = self._queues.get(queue_id)
        return len(queue.waiting) + queue.reserved if queue else 0

    def idle_count(self, queue_id: Id) -> int:
        """Members of the queue who could take a call now."""
        queue = self._queues.get(queue_id)
        return len(queue.idle) if queue else 0

    def calls(self) -> list[CallView]:
        """Every call the core holds (waiting or offered)."""
        views = []
        for call in self._calls.values():
            offer = self._offers.get(call.offer_id) if call.offer_id is not None else None
            views.append(
                CallView(
                    call.call_id,
                    call.queue_id,
                    self.position(call.call_id) or 0,
                    call.arrived_at,
                    call.entered_at,
                    offer.agent.agent_id if offer else None,
                    list(call.overflow_queues),
                )
            )
        return views

    def has_call(self, call_id: Id) -> bool:
        """Whether the core holds the call (waiting or offered)."""
        return call_id in self._calls

    def offer_of(self, call_id: Id) -> int | None:
        """The live offer id of a call, if any."""
        call = self._calls.get(call_id)
        return call.offer_id if call else None

    # ---------------------------------------------------------------- internals
    def _timer(self, at: float, kind: str, ref: Any, token: int, ref2: Any = None) -> None:
        if kind == "wrapup_end":
            self._wrapup_calls[(ref.agent_id, token)] = ref2
        heapq.heappush(self._timers, (at, next(self._timer_seq), kind, ref, token))

    def _timer_live(self, entry: tuple[float, int, str, Any, int]) -> bool:
        _at, _seq, kind, ref, token = entry
        if kind == "offer_timeout":
            return ref in self._offers
        if kind in ("overflow", "preference_end", "max_wait"):
            return self._calls.get(ref.call_id) is ref
        if kind == "wrapup_end":
            return bool(ref.status == "wrap_up" and ref.wrapup_token == token and self._agents.get(ref.agent_id) is ref)
        return False

    def _reserve(self, call: _Call) -> None:
        call.reserved = True
        self._agents[call.preferred_agent].reserved.add(call.key)
        self._queues[call.queue_id].reserved += 1

    def _unreserve(self, call: _Call) -> None:
        if call.reserved:
            call.reserved = False
            agent = self._agents.get(call.preferred_agent)
            if agent is not None:
                agent.reserved.discard(call.key)
            self._queues[call.queue_id].reserved -= 1

    def _forget(self, call: _Call) -> None:
        self._unreserve(call)
        self._calls.pop(call.call_id, None)
        self._calls_by_seq.pop(call.seq, None)

    def _list(self, call: _Call) -> None:
        self._queues[call.queue_id].waiting.add(call.key)
        for queue_id in call.overflow_queues:
            self._queues[queue_id].overflow_in.add(call.key)
        call.listed = True

    def _unlist(self, call: _Call) -> None:
        self._unreserve(call)
        if not call.listed:
            return
        self._queues[call.queue_id].waiting.discard(call.key)
        for queue_id in call.overflow_queues:
            self._queues[queue_id].overflow_in.discard(call.key)
        call.listed = False

    def _strategy_key(self, agent: _Agent, queue: _Queue) -> tuple[Any, ...]:
        strategy = queue.rules.strategy
        if strategy == "proficiency":
            return (-agent.queues.get(queue.rules.queue_id, 0), agent.idle_since, agent.seq)
        if strategy == "round_robin":
            return (agent.last_offer_seq, agent.seq)
        if strategy == "fewest_calls":
            return (agent.calls_today, agent.idle_since, agent.seq)
        return (agent.idle_since, agent.seq)

    def _idle_add_one(self, agent: _Agent, queue: _Queue) -> None:
        key = self._strategy_key(agent, queue)
        agent.keys[queue.rules.queue_id] = key
        queue.idle.add(key)

    def _idle_remove_one(self, agent: _Agent, queue: _Queue) -> None:
        key = agent.keys.pop(queue.rules.queue_id, None)
        if key is not None:
            queue.idle.discard(key)

    def _idle_add(self, agent: _Agent) -> None:
        for queue_id in agent.queues:
            self._idle_add_one(agent, self._queues[queue_id])

    def _idle_remove(self, agent: _Agent) -> None:
        for queue_id, key in agent.keys.items():
            queue = self._queues.get(queue_id)
            if queue is not None:
                queue.idle.discard(key)
        agent.keys.clear()

    def _offer(self, call: _Call, agent: _Agent, via_queue: Id, now: float, expires_at: float | None = None) -> Offer:
        if agent.keys:
            self._idle_remove(agent)
        self._unlist(call)
        offer_id = next(self._offer_seq)
        expires = now + self._queues[call.queue_id].rules.offer_timeout if expires_at is None else expires_at
        self._offers[offer_id] = _Offer(offer_id, call, agent, via_queue, expires)
        call.offer_id = offer_id
        agent.offer_id = offer_id
        agent.status = "offered"
        agent.last_offer_seq = offer_id
        self._timer(expires, "offer_timeout", offer_id, 0)
        return Offer(offer_id, call.call_id, agent.agent_id, via_queue, expires)

    def _withdraw(self, offer: _Offer, reason: WithdrawReason, now: float) -> list[Decision]:
        self._offers.pop(offer.offer_id, None)
        call, agent = offer.call, offer.agent
        call.offer_id = None
        agent.offer_id = None
        agent.status = "idle"
        decisions: list[Decision] = [Withdrawn(offer.offer_id, call.call_id, agent.agent_id, reason)]
        if reason == "rejected":
            call.rejected.add(agent.agent_id)
        elif reason == "timeout":
            agent.not_responding = True
        # The call first (it keeps its key, so it stands where it stood), then the agent.
        # An offer only goes to someone else once the preference is over, so a withdrawn
        # offer inside the window was the preferred agent's: anyone may take the call now.
        call.preferred_until = min(call.preferred_until, now)
        decisions += self._call_ready(call, now)
        if agent.can_take and agent.offer_id is None:
            decisions += self._agent_freed(agent, now)
        return decisions

    def _call_ready(self, call: _Call, now: float) -> list[Decision]:
        """The call is waiting and eligible for its queues: offer it to an idle agent, or list it."""
        agent, via = self._best_idle_agent(call)
        if agent is not None:
            return [self._offer(call, agent, via, now)]
        self._list(call)
        return []

    def _best_idle_agent(self, call: _Call) -> tuple[_Agent | None, Id]:
        own = self._queues[call.queue_id]
        agent = self._first_idle(own, call)
        if agent is not None:
            return agent, call.queue_id
        for queue_id in call.overflow_queues:
            agent = self._first_idle(self._queues[queue_id], call)
            if agent is not None:
                return agent, queue_id
        return None, call.queue_id

    def _first_idle(self, queue: _Queue, call: _Call) -> _Agent | None:
        for key in queue.idle:
            agent = self._agents_by_seq[key[-1]]
            if agent.agent_id not in call.rejected:
                return agent
        return None

    def _agent_freed(self, agent: _Agent, now: float) -> list[Decision]:
        """The agent can take a call: offer the best eligible one, or list them as idle."""
        if agent.reserved:
            for key in agent.reserved:
                call = self._calls_by_seq[key[1]]
                if agent.agent_id not in call.rejected:
                    return [self._offer(call, agent, call.queue_id, now)]
        best: tuple[CallKey, Id] | None = None
        for queue_id in agent.queues:
            queue = self._queues[queue_id]
            for pool in (queue.waiting, queue.overflow_in):
                for key in pool:
                    if best is not None and key >= best[0]:
                        break
                    if agent.agent_id not in self._calls_by_seq[key[1]].rejected:
                        best = (key, queue_id)
                        break
        if best is not None:
            call = self._calls_by_seq[best[0][1]]
            return [self._offer(call, agent, best[1], now)]
        if not agent.keys:
            self._idle_add(agent)
        return []

    def _overflow(self, call: _Call, step_index: int, now: float) -> list[Decision]:
        step = self._queues[call.queue_id].rules.overflow[step_index]
        added = [
            q for q in step.queue_ids if q in self._queues and q != call.queue_id and q not in call.overflow_queues
        ]
        if not added:
            return []
        call.overflow_queues.extend(added)
        if not call.listed:
            return []  # offered or reserved: the new queues count once it waits again
        for queue_id in added:
            self._queues[queue_id].overflow_in.add(call.key)
        for queue_id in added:
            agent = self._first_idle(self._queues[queue_id], call)
            if agent is not None:
                return [self._offer(call, agent, queue_id, now)]
        return []

    def _preference_end(self, call: _Call, now: float) -> list[Decision]:
        if not call.reserved:
            return []
        self._unreserve(call)
        return self._call_ready(call, now)

    # ------------------------------------------------------------- inspection
    def snapshot(self) -> dict[str, Any]:
        """Counts for statistics and tests."""
        return {
            "queues": len(self._queues),
            "agents": len(self._agents),
            "calls": len(self._calls),
            "offers": len(self._offers),
        }

    def agents_in(self, queue_id: Id) -> Iterable[Id]:
        """Members of a queue."""
        queue = self._queues.get(queue_id)
        return iter(queue.members) if queue else iter(())
