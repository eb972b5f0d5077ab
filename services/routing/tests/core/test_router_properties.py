"""The core against the naive reference router: random event sequences, same decisions."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdoor_routing.core.model import STRATEGIES, Offer, OverflowStep, QueueRules, RouterConfig
from frontdoor_routing.core.reference import NaiveRouter
from frontdoor_routing.core.router import Router

QUEUES = ["q1", "q2", "q3"]
AGENTS = [f"a{i}" for i in range(6)]


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    queues = []
    for q in QUEUES:
        others = [o for o in QUEUES if o != q]
        steps = draw(
            st.lists(
                st.tuples(st.integers(1, 40), st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True)),
                max_size=2,
            )
        )
        queues.append(
            QueueRules(
                q,
                strategy=draw(st.sampled_from(STRATEGIES)),
                priority=draw(st.integers(0, 2)),
                overflow=tuple(OverflowStep(float(a), tuple(qs)) for a, qs in sorted(steps)),
                offer_timeout=float(draw(st.integers(2, 20))),
                wrapup=float(draw(st.sampled_from([0, 0, 5, 12]))),
                max_wait=draw(st.sampled_from([None, None, 60.0, 150.0])),
            )
        )
    actions = draw(
        st.lists(
            st.tuples(
                st.sampled_from(
                    [
                        "arrive",
                        "arrive",
                        "arrive",
                        "accept",
                        "accept",
                        "reject",
                        "finish",
                        "finish",
                        "agent",
                        "abandon",
                        "timeout",
                    ]
                ),
                st.integers(0, 1000),
                st.integers(0, 1000),
                st.integers(0, 25),
            ),
            min_size=5,
            max_size=60,
        )
    )
    return {"queues": queues, "actions": actions}


def _memberships(seed: int) -> dict[str, int]:
    return {q: 1 + (seed >> i) % 5 for i, q in enumerate(QUEUES) if (seed >> i) & 1}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_core_decides_exactly_like_the_naive_reference_router(scenario: dict[str, Any]) -> None:
    config = RouterConfig(seconds_per_priority=30.0, preference_window=8.0)
    core, naive = Router(config), NaiveRouter(config)
    now = 0.0
    for rules in scenario["queues"]:
        core.set_queue(rules)
        naive.set_queue(rules)
    for i, agent in enumerate(AGENTS):
        m = _memberships(i * 7 + 3)
        assert core.set_agent(agent, m, i % 5 != 0, now) == naive.set_agent(agent, m, i % 5 != 0, now)
    offers: dict[int, Offer] = {}
    busy: list[str] = []
    calls: list[str] = []
    n = 0

    def record(decisions: list[Any]) -> None:
        for d in decisions:
            if isinstance(d, Offer):
                offers[d.offer_id] = d
            elif hasattr(d, "offer_id"):
                offers.pop(d.offer_id, None)

    for action, x, y, dt in scenario["actions"]:
        now += dt
        got, want = core.advance(now), naive.advance(now)
        assert got == want
        record(got)
        if action == "arrive":
            n += 1
            call = f"c{n}"
            calls.append(call)
            preferred = AGENTS[y % len(AGENTS)] if x % 4 == 0 else None
            colleague = AGENTS[(x + y) % len(AGENTS)] if x % 4 == 1 else None  # a transfer to them
            kw = {
                "priority": x % 3,
                "preferred_agent": preferred,
                "offer_to": colleague,
                "arrived_at": now - (y % 30),
            }
            got = core.enqueue(call, QUEUES[x % 3], now, **kw)
            want = naive.enqueue(call, QUEUES[x % 3], now, **kw)
        elif action in ("accept", "reject", "timeout") and offers:
            offer = offers[sorted(offers)[x % len(offers)]]
            if action == "accept":
                assert core.accept(offer.offer_id, now) == naive.accept(offer.offer_id, now) == offer.call_id
                offers.pop(offer.offer_id)
                busy.append(str(offer.agent_id))
                got = want = []
            elif action == "reject":
                got, want = core.reject(offer.offer_id, now), naive.reject(offer.offer_id, now)
            else:
                now = max(now, offer.expires_at)
                got, want = core.advance(now), naive.advance(now)
        elif action == "finish" and busy:
            agent = busy.pop(x % len(busy))
            wrap = None if y % 2 else float(y % 7)
            got, want = core.finish(agent, now, wrap), naive.finish(agent, now, wrap)
        elif action == "agent":
            agent = AGENTS[x % len(AGENTS)]
            m = _memberships(y)
            got = core.set_agent(agent, m, y % 3 != 0, now)
            want = naive.set_agent(agent, m, y % 3 != 0, now)
        elif action == "abandon" and calls:
            call = calls[x % len(calls)]
            got, want = core.remove_call(call, now), naive.remove_call(call, now)
        else:
            got = want = []
        assert got == want, (action, got, want)
        record(got)
        assert core.next_deadline() == naive.next_deadline()
        # the invariants: nobody holds two offers, no call is offered twice, no idle agent
        # has a call they could take
        assert len({o.agent_id for o in offers.values()}) == len(offers)
        assert len({o.call_id for o in offers.values()}) == len(offers)
        assert naive.idle_agents_with_eligible_calls() == []
        for call in calls:
            if core.has_call(call):
                assert core.position(call) == _naive_position(naive, call)


def _naive_position(naive: NaiveRouter, call_id: str) -> int:
    call = naive.calls[call_id]
    return 1 + sum(
        1
        for c in naive.calls.values()
        if c.queue_id == call.queue_id and c.offer_id is None and not c.reserved and c.key < call.key
    )
