"""`make bench-routing`: the assignment core against the naive reference on one seeded trace.

For each size, both routers are loaded with the same state (agents busy, calls waiting),
then the same trace of events is replayed through each: an agent finishes a call (and is
offered the best waiting call), the offer is accepted, a new call arrives, now and then a
caller abandons. Every event's decisions are compared between the two routers, and each
event is timed (p50, p99, p99.9). The garbage collector's pauses are kept out of the hot path
as the service keeps them (`Engine.load_served`): once a router is loaded, its objects are
frozen (`gc.freeze`), so a collection never walks the loaded state; the same replay with the
collector as Python leaves it is measured in the same run and printed beside it. The last line
printed is a JSON list with one object per size.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from typing import Any

from frontdoor_routing.core.model import Offer, OverflowStep, QueueRules, RouterConfig, Strategy
from frontdoor_routing.core.reference import NaiveRouter
from frontdoor_routing.core.router import Router


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def build(router: Any, *, agents: int, queues: int, waiting: int, seed: int) -> dict[str, Any]:
    """Load a router: queues with overflow, busy agents in 1-3 queues, calls waiting."""
    rng = random.Random(seed)
    queue_ids = [f"q{i}" for i in range(queues)]
    strategies: list[Strategy] = ["longest_idle", "longest_idle", "proficiency", "round_robin", "fewest_calls"]
    for i, q in enumerate(queue_ids):
        overflow = (OverflowStep(60.0, (queue_ids[(i + 1) % queues],)),) if i % 3 == 0 else ()
        router.set_queue(QueueRules(q, strategy=strategies[i % len(strategies)], priority=i % 2, overflow=overflow))
    agent_ids = [f"a{i}" for i in range(agents)]
    for i, a in enumerate(agent_ids):
        memberships = {q: rng.randint(1, 5) for q in rng.sample(queue_ids, rng.randint(1, 3))}
        router.set_agent(a, memberships, False, 0.0)
        router.occupy(a, f"talk-{i}")
        router.set_agent(a, memberships, True, 0.0)
    now = 0.0
    call_ids = []
    for i in range(waiting):
        now += 0.01
        c = f"w{i}"
        router.enqueue(c, queue_ids[rng.randrange(queues)], now, priority=rng.choice([0, 0, 0, 1]))
        call_ids.append(c)
    return {"queue_ids": queue_ids, "agent_ids": agent_ids, "now": now}


def trace(agent_ids: list[str], queue_ids: list[str], events: int, seed: int) -> list[tuple[str, Any]]:
    """The seeded event trace (finish, arrive, abandon)."""
    rng = random.Random(seed + 1)
    out: list[tuple[str, Any]] = []
    for i in range(events):
        out.append(("finish", rng.choice(agent_ids)))
        out.append(("arrive", (f"n{i}", rng.choice(queue_ids), rng.choice([0, 0, 1]))))
        if i % 10 == 0:
            out.append(("abandon", f"n{max(0, i - 5)}"))
    return out


def replay(router: Any, events: list[tuple[str, Any]], start: float) -> tuple[list[float], list[Any]]:
    """Replay a trace; returns per-event seconds and every decision."""
    timings: list[float] = []
    decisions: list[Any] = []
    now = start
    busy: set[str] = set()
    clock = time.perf_counter
    for kind, arg in events:
        now += 0.05
        if kind == "finish":
            if arg in busy:
                continue
            t0 = clock()
            got = router.finish(arg, now, 0.0)
            for d in got:
                if isinstance(d, Offer):
                    router.accept(d.offer_id, now)
            timings.append(clock() - t0)
            for d in got:
                if isinstance(d, Offer):
                    busy.discard(str(d.agent_id))
            if not any(isinstance(d, Offer) for d in got):
                busy.add(arg)  # idle now: finishing again would be a no-op
        elif kind == "arrive":
            call_id, queue_id, priority = arg
            t0 = clock()
            got = router.enqueue(call_id, queue_id, now, priority=priority)
            for d in got:
                if isinstance(d, Offer):
                    router.accept(d.offer_id, now)
                    busy.discard(str(d.agent_id))
            timings.append(clock() - t0)
        else:
            t0 = clock()
            got = router.remove_call(arg, now)
            timings.append(clock() - t0)
        decisions.extend(got)
    return timings, decisions


def run_size(agents: int, queues: int, waiting: int, events: int, seed: int) -> dict[str, Any]:
    """Benchmark one size; both routers must agree on every decision."""
    config = RouterConfig()
    core, naive = Router(config), NaiveRouter(config)
    setup = build(core, agents=agents, queues=queues, waiting=waiting, seed=seed)
    build(naive, agents=agents, queues=queues, waiting=waiting, seed=seed)
    events_list = trace(setup["agent_ids"], setup["queue_ids"], events, seed)
    # The collector as Python leaves it (everything loaded is walked by each full collection) ...
    unfrozen = Router(config)
    build(unfrozen, agents=agents, queues=queues, waiting=waiting, seed=seed)
    gc.collect()
    unfrozen_t, _ = replay(unfrozen, events_list, setup["now"])
    del unfrozen
    # ... and as the service runs it: the loaded state frozen out of the collector's walk.
    gc.collect()
    gc.freeze()
    try:
        core_t, core_d = replay(core, events_list, setup["now"])
        naive_t, naive_d = replay(naive, events_list, setup["now"])
    finally:
        gc.unfreeze()
    if core_d != naive_d:
        raise SystemExit("the core and the naive router disagree on the trace")
    us = 1e6
    result = {
        "agents": agents,
        "queues": queues,
        "waiting_calls": waiting,
        "events": len(core_t),
        "decisions": len(core_d),
        "core_p50_us": round(_quantile(core_t, 0.5) * us, 2),
        "core_p99_us": round(_quantile(core_t, 0.99) * us, 2),
        "core_p999_us": round(_quantile(core_t, 0.999) * us, 2),
        "core_max_us": round(max(core_t) * us, 2),
        "core_mean_us": round(statistics.fmean(core_t) * us, 2),
        "unfrozen_p99_us": round(_quantile(unfrozen_t, 0.99) * us, 2),
        "unfrozen_p999_us": round(_quantile(unfrozen_t, 0.999) * us, 2),
        "unfrozen_max_us": round(max(unfrozen_t) * us, 2),
        "naive_p50_us": round(_quantile(naive_t, 0.5) * us, 2),
        "naive_p99_us": round(_quantile(naive_t, 0.99) * us, 2),
        "naive_p999_us": round(_quantile(naive_t, 0.999) * us, 2),
    }
    result["speedup_p50"] = round(result["naive_p50_us"] / result["core_p50_us"], 1)
    result["speedup_p99"] = round(result["naive_p99_us"] / result["core_p99_us"], 1)
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark for 1,000 and 10,000 agents."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1500, help="trace length (finish+arrive pairs)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    results = []
    for agents, queues, waiting in ((1_000, 50, 500), (10_000, 500, 5_000)):
        r = run_size(agents, queues, waiting, args.events, args.seed)
        results.append(r)
        print(
            f"{agents:>6} agents {queues:>4} queues {waiting:>5} waiting | core p50 {r['core_p50_us']:>7} us "
            f"p99 {r['core_p99_us']:>7} us | naive p50 {r['naive_p50_us']:>9} us p99 {r['naive_p99_us']:>9} us "
            f"| speedup p50 {r['speedup_p50']}x",
            flush=True,
        )
        print(
            f"{'':>6} p99.9 {r['core_p999_us']} us, max {r['core_max_us']} us (loaded state frozen out of the "
            f"collector) | the collector as Python leaves it: p99 {r['unfrozen_p99_us']} us p99.9 "
            f"{r['unfrozen_p999_us']} us max {r['unfrozen_max_us']} us | naive p99.9 {r['naive_p999_us']} us",
            flush=True,
        )
    growth = results[1]["core_p50_us"] / results[0]["core_p50_us"]
    print(f"core p50 growth from 1,000 to 10,000 agents: {growth:.2f}x", flush=True)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
