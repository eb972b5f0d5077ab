"""`make bench-planning`: a small day's simulation through the planner's child process.

The same request (one queue, a morning of half hours, 0.1-0.3 s of simulating) run `--runs`
times with a fresh interpreter per request ("spawn", how the planner started its children
before) and from the fork server with the simulator preloaded (how it does now); the fork
server's own start, once per routing process, is reported apart. Prints each method's p50
and max, the ratio of the p50s, and a JSON line last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from frontdoor_routing.planning.runner import in_process
from frontdoor_routing.planning.schemas import simulate_profile

PROFILE: dict[str, Any] = {
    "start": "08:00",
    "interval_seconds": 1800,
    "queues": [{"id": "q", "calls_per_interval": [20, 35, 60, 80, 75, 60], "aht_seconds": 240}],
    "agents": 14,
}


async def _timed(method: str) -> float:
    started = time.perf_counter()
    out = await in_process(simulate_profile, PROFILE, 1, 1, budget_s=60.0, start_method=method)
    assert isinstance(out["calls"], int) and out["calls"] > 0
    return time.perf_counter() - started


async def _run(runs: int) -> dict[str, Any]:
    cold = await _timed("forkserver")  # starts the fork server (once per process)
    figures: dict[str, list[float]] = {"spawn": [], "forkserver": []}
    for _ in range(runs):  # interleaved, so both see the same machine
        for method in figures:
            figures[method].append(await _timed(method))
    p50 = {m: statistics.median(v) for m, v in figures.items()}
    return {
        "runs": runs,
        "forkserver_first_s": round(cold, 3),
        "spawn_p50_s": round(p50["spawn"], 3),
        "spawn_max_s": round(max(figures["spawn"]), 3),
        "forkserver_p50_s": round(p50["forkserver"], 3),
        "forkserver_max_s": round(max(figures["forkserver"]), 3),
        "speedup_p50": round(p50["spawn"] / p50["forkserver"], 2),
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures; the last line is JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    result = asyncio.run(_run(args.runs))
    print(f"a simulation request, {result['runs']} runs each (the same profile):")
    print(f"  fresh interpreter (spawn): p50 {result['spawn_p50_s']:.3f} s, max {result['spawn_max_s']:.3f} s")
    print(
        f"  fork server, preloaded:    p50 {result['forkserver_p50_s']:.3f} s, max {result['forkserver_max_s']:.3f} s"
        f" (its own start, once: {result['forkserver_first_s']:.3f} s)"
    )
    print(f"  spawn / fork server at p50: {result['speedup_p50']:.2f}x")
    print(json.dumps({"benchmark": "planning-simulation-request", **result}))


if __name__ == "__main__":
    main()
