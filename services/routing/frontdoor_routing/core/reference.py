"""The naive reference router: the core's rules, implemented by scanning everything.

Used as the oracle in property tests and as the baseline in `make bench-routing`. It is
deliberately simple: every decision looks at every agent or every call.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from frontdoor_routing.core.model import (
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


@dataclass(eq=False)
class _A:
    agent_id: Id
    seq: int
    queues: dict[Id, int]
    available: bool = False
    not_responding: bool = False
    status: str = "idle"
    idle_since: float = 0.0
    calls_today: int = 0
    last_offer_seq: int = 0
    call_id: Id | None = None
    wrapup_default: float = 0.0
    wrapup_token: int = 0

    @property
    def can_take(self) -> bool:
        return self.available and not self.not_responding and self.status == "idle"


@dataclass(eq=False)
class _C:
    call_id: Id
    seq: int
    queue_id: Id
    entered_at: float
    key: tuple[float, int]
    preferred_agent: Id | None = None
    preferred_until: float = 0.0
    overflow_queues: list[Id] = field(default_factory=list)
    rejected: set[Id] = field(default_factory=set)
    offer_id: int | None = None
    reserved: bool = False


class NaiveRouter:
    """Same interface and decisions as `Router`; O(agents) or O(calls) per decision."""

    def __init__(self, config: RouterConfig | None = None) -> None:
        self.config = config or RouterConfig()
        self.queues: dict[Id, QueueRules] = {}
        self.agents: dict[Id, _A] = {}
        self.calls: dict[Id, _C] = {}
        self.offers: dict[int, tuple[_C, _A, Id]] = {}
        self.timers: list[tuple[float, int, str, Any, int]] = []
        self._seq = itertools.count(1)
        self._offer_seq = itertools.count(1)
        self._timer_seq = itertools.count(1)

    def set_queue(self, rules: QueueRules) -> None:
        self.queues[rules.queue_id] = rules

    def set_agent(self, agent_id: Id, queues: Mapping[Id, int], available: bool, now: float) -> list[Decision]:
        agent = self.agents.get(agent_id)
        if agent is None:
            agent = _A(agent_id, next(self._seq), {}, idle_since=now)
            self.agents[agent_id] = agent
        was = agent.can_take
        agent.queues = {q: p for q, p in queues.items() if q in self.queues}
        if available:
            agent.not_responding = False
        agent.available = available
        if agent.can_take:
            if not was:
                agent.idle_since = now
            return self._freed(agent, now)
        return []

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
        rules = self.queues[queue_id]
        seq = next(self._seq)
        arrived = now if arrived_at is None else arrived_at
        entered = now if entered_at is None else entered_at
        virtual = arrived - (priority + rules.priority) * self.config.seconds_per_priority
        call = _C(call_id, seq, queue_id, entered, (virtual, seq))
        self.calls[call_id] = call
        for i, step in enumerate(rules.overflow):
            self._timer(entered + step.after_seconds, "overflow", call, i)
        if rules.max_wait is not None:
            self._timer(entered + rules.max_wait, "max_wait", call, 0)
        if offer_to is not None:
            colleague = self.agents.get(offer_to)
            if colleague is not None and colleague.can_take:
                return [self._offer(call, colleague, queue_id, now)]
            return self._ready(call, now)
        if preferred_agent is not None and preferred_agent in self.agents:
            window = self.config.preference_window if preference_window is None else preference_window
            call.preferred_agent, call.preferred_until = preferred_agent, now + window
            if window > 0:
                self._timer(call.preferred_until, "preference_end", call, 0)
                agent = self.agents[preferred_agent]
                if agent.can_take:
                    return [self._offer(call, agent, queue_id, now)]
                call.reserved = True
                return []
        return self._ready(call, now)

    def remove_call(self, call_id: Id, now: float) -> list[Decision]:
        call = self.calls.pop(call_id, None)
        if call is None or call.offer_id is None:
            return []
        _c, agent, _q = self.offers.pop(call.offer_id)
        agent.status = "idle"
        out: list[Decision] = [Withdrawn(call.offer_id, call_id, agent.agent_id, "cancelled")]
        if agent.can_take:
            out += self._freed(agent, now)
        return out

    def accept(self, offer_id: int, now: float) -> Id:
        call, agent, _q = self.offers.pop(offer_id)
        agent.status, agent.call_id = "busy", call.call_id
        agent.calls_today += 1
        agent.wrapup_default = self.queues[call.queue_id].wrapup
        del self.calls[call.call_id]
        return call.call_id

    def reject(self, offer_id: int, now: float) -> list[Decision]:
        return self._withdraw(offer_id, "rejected", now)

    def finish(self, agent_id: Id, now: float, wrapup: float | None = None) -> list[Decision]:
        agent = self.agents[agent_id]
        if agent.status != "busy":
            return []
        seconds = agent.wrapup_default if wrapup is None else wrapup
        agent.wrapup_token += 1
        if seconds > 0:
            agent.status = "wrap_up"
            self._timer(now + seconds, "wrapup_end", (agent, agent.call_id), agent.wrapup_token)
            return []
        call_id, agent.call_id, agent.status, agent.idle_since = agent.call_id, None, "idle", now
        return [WrapUpEnded(agent_id, call_id), *(self._freed(agent, now) if agent.can_take else [])]

    def occupy(self, agent_id: Id, call_id: Id) -> None:
        agent = self.agents[agent_id]
        agent.status, agent.call_id = "busy", call_id

    def next_deadline(self) -> float | None:
        live = [t for t in self.timers if self._live(t)]
        return min(live)[0] if live else None

    def advance(self, now: float) -> list[Decision]:
        out: list[Decision] = []
        while True:
            due = [t for t in self.timers if t[0] <= now]
            if not due:
                return out
            entry = min(due)
            self.timers.remove(entry)
            if not self._live(entry):
                continue
            at, _s, kind, ref, token = entry
            if kind == "offer_timeout":
                out += self._withdraw(ref, "timeout", at)
            elif kind == "overflow":
                out += self._overflow(ref, token, at)
            elif kind == "preference_end":
                if ref.reserved:
                    ref.reserved = False
                    out += self._ready(ref, at)
            elif kind == "wrapup_end":
                agent, call_id = ref
                agent.status, agent.call_id, agent.idle_since = "idle", None, at
                out.append(WrapUpEnded(agent.agent_id, call_id))
                if agent.can_take:
                    out += self._freed(agent, at)
            elif kind == "max_wait" and ref.offer_id is None:
                del self.calls[ref.call_id]
                out.append(MaxWaitReached(ref.call_id))

    # -------------------------------------------------------------- internals
    def _timer(self, at: float, kind: str, ref: Any, token: int) -> None:
        self.timers.append((at, next(self._timer_seq), kind, ref, token))

    def _live(self, t: tuple[float, int, str, Any, int]) -> bool:
        _at, _s, kind, ref, token = t
        if kind == "offer_timeout":
            return ref in self.offers
        if kind == "wrapup_end":
            return bool(ref[0].status == "wrap_up" and ref[0].wrapup_token == token)
        return self.calls.get(ref.call_id) is ref

    def _key(self, agent: _A, rules: QueueRules) -> tuple[Any, ...]:
        if rules.strategy == "proficiency":
            return (-agent.queues.get(rules.queue_id, 0), agent.idle_since, agent.seq)
        if rules.strategy == "round_robin":
            return (agent.last_offer_seq, agent.seq)
        if rules.strategy == "fewest_calls":
            return (agent.calls_today, agent.idle_since, agent.seq)
        return (agent.idle_since, agent.seq)

    def _waiting(self, call: _C) -> bool:
        return call.offer_id is None and not call.reserved

    def _offer(self, call: _C, agent: _A, via: Id, now: float) -> Offer:
        call.reserved = False
        offer_id = next(self._offer_seq)
        expires = now + self.queues[call.queue_id].offer_timeout
        self.offers[offer_id] = (call, agent, via)
        call.offer_id = offer_id
        agent.status, agent.last_offer_seq = "offered", offer_id
        self._timer(expires, "offer_timeout", offer_id, 0)
        return Offer(offer_id, call.call_id, agent.agent_id, via, expires)

    def _withdraw(self, offer_id: int, reason: WithdrawReason, now: float) -> list[Decision]:
        call, agent, _q = self.offers.pop(offer_id)
        call.offer_id = None
        agent.status = "idle"
        out: list[Decision] = [Withdrawn(offer_id, call.call_id, agent.agent_id, reason)]
        if reason == "rejected":
            call.rejected.add(agent.agent_id)
        elif reason == "timeout":
            agent.not_responding = True
        call.preferred_until = min(call.preferred_until, now)
        out += self._ready(call, now)
        if agent.can_take:
            out += self._freed(agent, now)
        return out

    def _ready(self, call: _C, now: float) -> list[Decision]:
        for queue_id in [call.queue_id, *call.overflow_queues]:
            best = self._best_agent(call, queue_id)
            if best is not None:
                return [self._offer(call, best, queue_id, now)]
        return []

    def _best_agent(self, call: _C, queue_id: Id) -> _A | None:
        rules = self.queues[queue_id]
        candidates = [
            a for a in self.agents.values() if a.can_take and queue_id in a.queues and a.agent_id not in call.rejected
        ]
        return min(candidates, key=lambda a: self._key(a, rules)) if candidates else None

    def _freed(self, agent: _A, now: float) -> list[Decision]:
        reserved = [
            c
            for c in self.calls.values()
            if c.reserved
            and c.preferred_agent == agent.agent_id
            and agent.agent_id not in c.rejected
            and c.offer_id is None
        ]
        if reserved:
            call = min(reserved, key=lambda c: c.key)
            return [self._offer(call, agent, call.queue_id, now)]
        best: tuple[tuple[float, int], _C, Id] | None = None
        for call in self.calls.values():
            if not self._waiting(call) or agent.agent_id in call.rejected:
                continue
            via = next((q for q in agent.queues if q == call.queue_id or q in call.overflow_queues), None)
            if via is not None and (best is None or call.key < best[0]):
                best = (call.key, call, via)
        if best is None:
            return []
        # the core picks the via queue as the first of the agent's queues holding the call
        return [self._offer(best[1], agent, best[2], now)]

    def _overflow(self, call: _C, step_index: int, now: float) -> list[Decision]:
        step = self.queues[call.queue_id].overflow[step_index]
        added = [q for q in step.queue_ids if q in self.queues and q != call.queue_id and q not in call.overflow_queues]
        call.overflow_queues.extend(added)
        if not added or not self._waiting(call):
            return []
        for queue_id in added:
            best = self._best_agent(call, queue_id)
            if best is not None:
                return [self._offer(call, best, queue_id, now)]
        return []

    # ------------------------------------------------------------- inspection
    def idle_agents_with_eligible_calls(self) -> list[tuple[Id, Id]]:
        """Pairs (agent, call) that violate the invariant (should always be empty)."""
        bad = []
        for agent in self.agents.values():
            if not agent.can_take:
                continue
            for call in self.calls.values():
                if agent.agent_id in call.rejected or call.offer_id is not None:
                    continue
                if call.reserved:
                    if call.preferred_agent == agent.agent_id:
                        bad.append((agent.agent_id, call.call_id))
                elif any(q == call.queue_id or q in call.overflow_queues for q in agent.queues):
                    bad.append((agent.agent_id, call.call_id))
        return bad
