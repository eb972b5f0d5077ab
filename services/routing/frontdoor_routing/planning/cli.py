"""`python -m frontdoor_routing.planning`: simulate a day, plan staffing, check the simulator against Erlang C/A."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from frontdoor_routing.planning.erlang import erlang_a, erlang_c
from frontdoor_routing.planning.schemas import Profile, ProfileAgent, ProfileQueue
from frontdoor_routing.planning.simulator import Kpis, SimulationResult, mmc_scenario, simulate
from frontdoor_routing.planning.staffing import StaffingRow, staffing

# The published worked example: 100 calls per 30 minutes, AHT 180 s, 14 agents, target 20 s.
EXAMPLE = {"calls_per_interval": 100.0, "interval_seconds": 1800.0, "aht_seconds": 180.0, "agents": 14, "target": 20.0}


def _clock(seconds: float) -> str:
    whole = round(seconds) % 86_400
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


HEADER = (
    f"{'period':>8} {'offered':>8} {'answered':>8} {'abandon':>8} {'callbk':>6} {'access%':>7} {'SL%':>6} "
    f"{'SL+ab%':>6} {'Pwait%':>6} {'ASA s':>7} {'AHT s':>7} {'maxwait':>8} {'occ%':>6} {'agents':>6}"
)


def _row(label: str, k: Kpis, staffed: bool = True) -> str:
    agents = f"{k.staffed_agents:>6.1f}" if staffed else f"{'-':>6}"
    return (
        f"{label:>8} {k.offered:>8} {k.answered:>8} {k.abandoned:>8} {k.callbacks:>6} {_pct(k.accessibility):>7} "
        f"{_pct(k.service_level):>6} {_pct(k.service_level_incl_abandoned):>6} {_pct(k.p_wait):>6} "
        f"{_secs(k.asa_seconds):>7} {_secs(k.aht_seconds):>7} {_secs(k.max_wait_seconds):>8} "
        f"{_pct(k.occupancy):>6} {agents}"
    )


def print_table(result: SimulationResult, out: Any = None) -> None:
    """KPIs per interval and for the day, as a text table."""
    out = out or sys.stdout
    print(HEADER, file=out)
    for r in result.intervals:
        print(_row(_clock(r.start_seconds), r.kpis), file=out)
    print(_row("day", result.day), file=out)
    if len(result.queues) > 1:
        for q, k in result.queues.items():
            print(_row(q[:8], k, staffed=False), file=out)
    if result.replications > 1:
        print(f"(pooled over {result.replications} replications)", file=out)


def _load_json(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def build_profile(args: argparse.Namespace) -> Profile:
    """The profile from --profile, or from the options; --agents / --shifts override the profile's agents."""
    if args.profile:
        raw = _load_json(args.profile)
        if isinstance(raw, list):  # a bare list of calls per half hour
            raw = {"queues": [{"calls_per_interval": raw}]}
        profile = Profile.model_validate(raw)
    else:
        if not args.calls_per_half_hour:
            raise SystemExit("give --profile FILE.json or --calls-per-half-hour N [N ...]")
        queue = ProfileQueue.model_validate(
            {
                "id": "q",
                "calls_per_interval": args.calls_per_half_hour,
                "aht_seconds": args.aht,
                "handle": args.handle,
                "handle_cv": args.handle_cv,
                "patience_seconds": args.patience,
                "target_seconds": args.target,
                "wrapup_seconds": args.wrapup,
                "callback_threshold_seconds": args.callback_threshold,
            }
        )
        profile = Profile(start=args.start, queues=[queue], answer_delay_seconds=args.answer_delay)
    if args.shifts:
        raw_agents = _load_json(args.shifts)
        if isinstance(raw_agents, dict):
            raw_agents = raw_agents.get("agents", [])
        profile.agents = [ProfileAgent.model_validate(a) for a in raw_agents]
    elif args.agents is not None:
        profile.agents = args.agents
    problems = profile.problems()
    if problems:
        raise SystemExit("; ".join(f"{f}: {m}" for f, m in problems))
    return profile


def _staffing_json(rows: list[StaffingRow]) -> list[dict[str, Any]]:
    return [
        {
            "period": _clock(r.start_seconds),
            "calls": r.calls,
            "erlang_c_agents": r.erlang_c_agents,
            "erlang_a_agents": r.erlang_a_agents,
            "simulated_agents": r.simulated_agents,
            "simulated_service_level": None
            if r.simulated_service_level is None
            else round(r.simulated_service_level, 4),
        }
        for r in rows
    ]


def cmd_simulate(args: argparse.Namespace) -> int:
    """Simulate the day; print the table (or JSON) and the simulator's speed."""
    try:
        profile = build_profile(args)
    except ValidationError as exc:
        raise SystemExit(f"invalid profile: {exc}") from None
    scenario = profile.to_scenario()
    result = simulate(scenario, seed=args.seed, replications=args.replications)
    plans: dict[str, list[StaffingRow]] = {}
    if args.staffing is not None:
        for spec in scenario.queues:
            plans[spec.queue_id] = staffing(
                spec,
                service_level=args.staffing,
                interval_seconds=scenario.interval_seconds,
                start_seconds=scenario.start_seconds,
                seed=args.seed,
            )
    speed = f"simulated {result.calls} calls in {result.elapsed_seconds:.2f} s: {result.calls_per_second:,.0f} calls/s"
    if args.json:
        body = result.as_dict()
        body["seed"] = args.seed
        if plans:
            body["staffing"] = {q: _staffing_json(rows) for q, rows in plans.items()}
        print(speed, file=sys.stderr)
        print(json.dumps(body))
        return 0
    print_table(result)
    for q, rows in plans.items():
        goal = f"{100 * args.staffing:.0f}%"
        print(f"\nstaffing for queue {q}: fewest agents meeting {goal} (answered within target, abandons count)")
        print(f"{'period':>8} {'calls':>7} {'ErlangC':>8} {'ErlangA':>8} {'sim':>5} {'sim SL%':>8}")
        for r in rows:
            a = "-" if r.erlang_a_agents is None else str(r.erlang_a_agents)
            print(
                f"{_clock(r.start_seconds):>8} {r.calls:>7.0f} {r.erlang_c_agents:>8} {a:>8} "
                f"{r.simulated_agents:>5} {_pct(r.simulated_service_level):>8}"
            )
    print(speed)
    return 0


def erlang_check(replications: int = 100, intervals: int = 48, seed: int = 1) -> dict[str, Any]:
    """The worked example, simulated on the real core and computed by Erlang C."""
    e = EXAMPLE
    lam = e["calls_per_interval"] / e["interval_seconds"]
    agents = int(e["agents"])
    scenario = mmc_scenario(e["calls_per_interval"], e["aht_seconds"], agents, intervals, target_seconds=e["target"])
    result = simulate(scenario, seed=seed, replications=replications)
    c = erlang_c(lam, e["aht_seconds"], agents, e["target"])
    d = result.day
    return {
        "agents": agents,
        "service_level": round(d.service_level or 0.0, 4),
        "erlang_c_service_level": round(c.service_level, 4),
        "p_wait": round(d.p_wait or 0.0, 4),
        "erlang_c_p_wait": round(c.p_wait, 4),
        "asa_s": round(d.asa_seconds or 0.0, 2),
        "erlang_c_asa_s": round(c.asa_seconds, 2),
        "occupancy": round(d.occupancy or 0.0, 4),
        "erlang_c_occupancy": round(c.occupancy, 4),
        "simulated_calls": result.calls,
        "replications": replications,
        "calls_per_second": round(result.calls_per_second),
    }


def erlang_a_check(
    agents: int = 11, patience: float = 120.0, replications: int = 20, intervals: int = 48, seed: int = 1
) -> dict[str, Any]:
    """The worked example's load with exponential patience, simulated and by Erlang A."""
    e = EXAMPLE
    lam = e["calls_per_interval"] / e["interval_seconds"]
    scenario = mmc_scenario(
        e["calls_per_interval"],
        e["aht_seconds"],
        agents,
        intervals,
        patience_seconds=patience,
        target_seconds=e["target"],
    )
    result = simulate(scenario, seed=seed, replications=replications)
    a = erlang_a(lam, e["aht_seconds"], patience, agents, e["target"])
    d = result.day
    return {
        "agents": agents,
        "patience_s": patience,
        "abandon_rate": round(d.abandon_rate or 0.0, 4),
        "erlang_a_abandon_rate": round(a.p_abandon, 4),
        "service_level": round(d.service_level or 0.0, 4),
        "erlang_a_service_level": round(a.service_level, 4),
        "service_level_incl_abandoned": round(d.service_level_incl_abandoned or 0.0, 4),
        "erlang_a_service_level_incl_abandoned": round(a.service_level_incl_abandoned, 4),
        "p_wait": round(d.p_wait or 0.0, 4),
        "erlang_a_p_wait": round(a.p_wait, 4),
        "asa_s": round(d.asa_seconds or 0.0, 2),
        "erlang_a_asa_s": round(a.asa_seconds, 2),
        "simulated_calls": result.calls,
        "calls_per_second": round(result.calls_per_second),
    }


def _agreement_table(c: dict[str, Any], a: dict[str, Any]) -> list[str]:
    rows = [
        "| case | measure | simulated | formula |",
        "|---|---|---|---|",
        f"| M/M/{c['agents']} (Erlang C) | service level 20 s | {_pct(c['service_level'])}% | "
        f"{_pct(c['erlang_c_service_level'])}% |",
        f"| | P(wait) | {_pct(c['p_wait'])}% | {_pct(c['erlang_c_p_wait'])}% |",
        f"| | ASA | {c['asa_s']:.2f} s | {c['erlang_c_asa_s']:.2f} s |",
        f"| | occupancy | {_pct(c['occupancy'])}% | {_pct(c['erlang_c_occupancy'])}% |",
        f"| M/M/{a['agents']}+M, patience {a['patience_s']:.0f} s (Erlang A) | abandoned | "
        f"{_pct(a['abandon_rate'])}% | {_pct(a['erlang_a_abandon_rate'])}% |",
        f"| | P(wait) | {_pct(a['p_wait'])}% | {_pct(a['erlang_a_p_wait'])}% |",
        f"| | service level 20 s (of answered) | {_pct(a['service_level'])}% | {_pct(a['erlang_a_service_level'])}% |",
        f"| | service level incl. abandoned | {_pct(a['service_level_incl_abandoned'])}% | "
        f"{_pct(a['erlang_a_service_level_incl_abandoned'])}% |",
        f"| | ASA | {a['asa_s']:.2f} s | {a['erlang_a_asa_s']:.2f} s |",
    ]
    return rows


def cmd_erlang_check(args: argparse.Namespace) -> int:
    """Print the agreement with Erlang C (and A), the speed, and as the last line one JSON object."""
    c = erlang_check(args.replications, args.intervals, args.seed)
    if args.table:
        a = erlang_a_check(replications=args.replications, intervals=args.intervals, seed=args.seed)
        print("\n".join(_agreement_table(c, a)))
        print()
    print(
        f"worked example: {EXAMPLE['calls_per_interval']:.0f} calls / 30 min, AHT {EXAMPLE['aht_seconds']:.0f} s, "
        f"{c['agents']} agents, target {EXAMPLE['target']:.0f} s; {c['replications']} seeded days of "
        f"{args.intervals} half hours on the real routing core"
    )
    print(f"service level {_pct(c['service_level'])}% (Erlang C {_pct(c['erlang_c_service_level'])}%)")
    print(f"P(wait)       {_pct(c['p_wait'])}% (Erlang C {_pct(c['erlang_c_p_wait'])}%)")
    print(f"ASA           {c['asa_s']:.2f} s (Erlang C {c['erlang_c_asa_s']:.2f} s)")
    print(f"simulated {c['simulated_calls']} calls: {c['calls_per_second']:,} calls/s")
    print(json.dumps(c))
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m frontdoor_routing.planning", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("simulate", help="simulate a day on the real routing core; KPIs per half hour and the day")
    s.add_argument("--profile", help="day profile JSON (queues, agents, ...), or a JSON list of calls per half hour")
    s.add_argument("--calls-per-half-hour", type=float, nargs="+", metavar="N", help="calls per half hour, in order")
    s.add_argument("--start", default="08:00", help="clock time of the first half hour (default 08:00)")
    s.add_argument("--aht", type=float, default=180.0, help="mean handle time, seconds (default 180)")
    s.add_argument("--handle", choices=["exponential", "lognormal"], default="exponential")
    s.add_argument("--handle-cv", type=float, default=1.0, help="lognormal coefficient of variation (default 1)")
    s.add_argument("--patience", type=float, default=None, help="mean (exponential) patience, seconds; default none")
    s.add_argument("--target", type=float, default=20.0, help="service-level target, seconds (default 20)")
    s.add_argument("--wrapup", type=float, default=0.0, help="wrap-up seconds, part of the AHT (default 0)")
    s.add_argument("--callback-threshold", type=float, default=None, help="offer a callback above this estimated wait")
    s.add_argument("--answer-delay", type=float, default=0.0, help="seconds an agent takes to accept an offer")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--agents", type=int, default=None, help="that many agents in every queue, all day")
    g.add_argument("--shifts", help="agents JSON: [{id, queues, shifts: [[from, to]], meetings: [[from, to]]}]")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--replications", type=int, default=1, help="seeded days to pool (default 1)")
    s.add_argument("--staffing", type=float, default=None, metavar="GOAL", help="also plan staffing, e.g. 0.8")
    s.add_argument("--json", action="store_true", help="print JSON instead of the table")
    s.set_defaults(func=cmd_simulate)
    e = sub.add_parser("erlang-check", help="the M/M/c worked example, simulated vs Erlang C")
    e.add_argument("--replications", type=int, default=100, help="seeded days to pool (default 100)")
    e.add_argument("--intervals", type=int, default=48, help="half hours per simulated day (default 48)")
    e.add_argument("--seed", type=int, default=1)
    e.add_argument("--table", action="store_true", help="also print a markdown agreement table (with Erlang A)")
    e.set_defaults(func=cmd_erlang_check)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parser().parse_args(argv)
    result: int = args.func(args)
    return result
