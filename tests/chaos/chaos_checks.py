"""The invariants of the chaos test, checked against the REST API, the topics and the databases.

Each check returns a list of violations (empty = holds); `Checks.results` keeps them by name.
"""

from __future__ import annotations

import sqlite3
import statistics
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from frontdoor_common.bus.events import Envelope
from frontdoor_routing import kpis

OPEN_CALL_STATES = {"arrived", "queued", "offered", "answered", "wrap_up"}
OPEN_CALLBACK_STATES = {"scheduled", "dispatched", "in_progress"}
CALLBACK_DUE_WITHIN_S = 120.0  # open around the clock: a queue callback is due at once


def hexid(value: Any) -> str:
    return uuid.UUID(str(value)).hex


def rows(db: Path, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of a service's SQLite file, read directly (read-only) while the service may run."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args).fetchall()]
    finally:
        conn.close()


def parse_dt(value: Any) -> datetime | None:
    if value is None:
        return None
    d = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def summary_ms(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median_s": round(statistics.median(values), 2),
        "max_s": round(max(values), 2),
    }


class Checks:
    """Collects invariant results: name -> list of violations."""

    def __init__(self) -> None:
        self.results: dict[str, list[str]] = {}

    def record(self, name: str, violations: list[str]) -> None:
        self.results.setdefault(name, []).extend(violations)

    def failed(self) -> dict[str, list[str]]:
        return {k: v for k, v in self.results.items() if v}

    def table(self) -> dict[str, Any]:
        return {k: ("ok" if not v else {"violations": len(v), "first": v[:3]}) for k, v in self.results.items()}


def last_snapshots(envelopes: list[Envelope]) -> dict[str, dict[str, Any]]:
    """The last snapshot of each call on the routing topic (by event time; duplicates collapse)."""
    last: dict[str, tuple[datetime, dict[str, Any]]] = {}
    for e in envelopes:
        if not e.type.startswith("routing.call.") and e.type != "routing.offer.withdrawn":
            continue
        call = e.data.get("call")
        if not call:
            continue
        t = parse_dt(e.time)
        assert t is not None
        prev = last.get(e.subject)
        if prev is None or t >= prev[0]:
            last[e.subject] = (t, call)
    return {k: v[1] for k, v in last.items()}


def facts(c: dict[str, Any]) -> SimpleNamespace:
    def t(key: str) -> datetime | None:
        return parse_dt(c.get(key))

    return SimpleNamespace(
        queued_at=t("queued_at"),
        arrived_at=t("arrived_at"),
        answered_at=t("answered_at"),
        abandoned_at=t("abandoned_at"),
        completed_at=t("completed_at"),
        transfers=c["transfers"],
        transferred_out=c["transferred"] and c["transfers"] == 0,
        talk_seconds=c.get("talk_seconds") or 0.0,
        wrapup_seconds=c.get("wrapup_seconds") or 0.0,
        service_level_seconds=c.get("service_level_seconds"),
        state=c["state"],
        cti_call_id=c.get("cti_call_id"),
        kind=c.get("kind"),
    )


def kpis_from_events(envelopes: list[Envelope], since: datetime) -> dict[str, dict[str, Any]]:
    """What a BI consumer computes from the routing topic: {"total": ..., "callbacks": ...}."""
    calls = [facts(c) for c in last_snapshots(envelopes).values() if (parse_dt(c["arrived_at"]) or since) >= since]
    try:
        return {
            "total": dict(kpis.compute(calls).model_dump()),  # type: ignore[arg-type]
            "callbacks": dict(kpis.compute(calls, kind="callback").model_dump()),  # type: ignore[arg-type,call-arg]
        }
    except TypeError:  # a KPI definition without the callback split: one total
        return {"total": dict(kpis.compute(calls).model_dump())}  # type: ignore[arg-type]


def offers_and_holds(envelopes: list[Envelope]) -> list[str]:
    """From routing's events in commit order: a call offered to a second agent while an offer or an
    answer is outstanding, or an agent offered a call while holding another offer or call."""
    seen: set[str] = set()
    events: list[tuple[datetime, int, Envelope]] = []
    for i, e in enumerate(envelopes):
        if e.id in seen:
            continue
        seen.add(e.id)
        t = parse_dt(e.time)
        assert t is not None
        events.append((t, i, e))
    release_types = {
        "routing.offer.withdrawn",
        "routing.call.completed",
        "routing.call.abandoned",
        "routing.call.transferred",
        "routing.call.rejected",
    }
    # At one instant, releases first (the relay keeps the order per call, not across calls).
    events.sort(key=lambda x: (x[0], 0 if x[2].type in release_types else 1, x[1]))
    call_holder: dict[str, str] = {}  # call -> agent holding its offer or the call
    agent_holds: dict[str, str] = {}  # agent -> call
    out: list[str] = []

    def release(call: str) -> None:
        agent = call_holder.pop(call, None)
        if agent is not None and agent_holds.get(agent) == call:
            del agent_holds[agent]

    for _t, _i, e in events:
        call = e.data.get("call") or {}
        cid = str(call.get("call_id") or e.subject)
        if e.type == "routing.call.offered":
            agent = str(e.data["agent_id"])
            holder = call_holder.get(cid)
            if holder is not None and holder != agent:
                out.append(f"call {cid} offered to {agent} while held by {holder} ({e.time})")
            held = agent_holds.get(agent)
            if held is not None and held != cid:
                out.append(f"agent {agent} offered call {cid} while holding {held} ({e.time})")
            call_holder[cid] = agent
            agent_holds[agent] = cid
        elif e.type == "routing.offer.withdrawn":
            agent = str(e.data["agent_id"])
            if call_holder.get(cid) == agent:
                release(cid)
        elif e.type == "routing.call.answered":
            agent = str(call.get("agent_id"))
            if call_holder.get(cid) not in (None, agent):
                out.append(f"call {cid} answered by {agent} while offered to {call_holder[cid]}")
            call_holder[cid] = agent
            agent_holds[agent] = cid
        elif e.type in release_types:
            release(cid)
    return out
