"""The wallboard's data: every active queue with routing's real-time statistics."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.clients.services import Services

AGENT_STATES = ("available", "offered", "on_call", "wrap_up", "away", "logged_out")
# The transfer rate a queue should stay within (the seeds' 10-15 %).
TRANSFER_BAND = (0.10, 0.15)


async def load_queues(services: Services, token: str) -> list[dict[str, Any]]:
    """Each active queue, its statistics now and its callbacks (None where a part could not be read;
    callbacks down spoils only the callbacks' columns, `"callbacks": "down"`)."""
    queues = [q for q in await services.routing.get("/v1/queues", token) if q.get("active", True)]

    async def stats(queue: dict[str, Any]) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = await services.routing.get(f"/v1/queues/{queue['id']}/stats", token)
            return found
        except ServiceRefused:
            return None

    async def callbacks(queue: dict[str, Any]) -> dict[str, Any] | str | None:
        try:
            report: dict[str, Any] = await services.callbacks.get(
                "/v1/callbacks/report", token, params={"queue_id": queue["id"]}
            )
            return {k: report.get(k, 0) for k in ("due", "overdue", "at_risk", "pending")}
        except ServiceDown:
            return "down"
        except ServiceRefused:
            return None

    found = await asyncio.gather(*(stats(q) for q in queues))
    reports = await asyncio.gather(*(callbacks(q) for q in queues))
    return [
        {
            "id": q["id"],
            "name": q["name"],
            "service_level_seconds": q.get("service_level_seconds", 20),
            "open_now": q.get("open_now", True),
            "stats": s,
            "callbacks": c,
        }
        for q, s, c in sorted(zip(queues, found, reports, strict=True), key=lambda row: str(row[0]["name"]))
    ]


@dataclass(frozen=True)
class Row:
    """One queue on the wall."""

    id: str
    name: str
    open: bool
    waiting: int
    longest_wait: float
    agents: dict[str, int]
    service_level: float | None
    target_seconds: int
    answered: int
    offered: int
    under_target: bool
    accessibility: float | None = None
    transfer_rate: float | None = None
    callbacks_due: int | None = None
    callbacks_at_risk: int | None = None
    callbacks_down: bool = False

    @property
    def transfers_outside_band(self) -> bool:
        """Transfers above (or, with enough calls, below) the 10-15 % band."""
        low, high = TRANSFER_BAND
        rate = self.transfer_rate
        return rate is not None and (rate > high or (rate < low and self.answered >= 20))


def rows(queues: list[dict[str, Any]] | None, target: float) -> list[Row]:
    """The wall's rows; a queue is under target when today's service level is below `target`."""
    found = []
    for q in queues or []:
        stats = q.get("stats") or {}
        today = stats.get("today") or {}
        level = today.get("service_level")
        report = q.get("callbacks")
        found.append(
            Row(
                id=str(q["id"]),
                name=str(q["name"]),
                open=bool(stats.get("open", q.get("open_now", True))),
                waiting=int(stats.get("waiting", 0)),
                longest_wait=float(stats.get("longest_wait_seconds", 0.0)),
                agents={state: int((stats.get("agents") or {}).get(state, 0)) for state in AGENT_STATES},
                service_level=level,
                target_seconds=int(q.get("service_level_seconds") or 20),
                answered=int(today.get("answered", 0)),
                offered=int(today.get("offered", 0)),
                under_target=level is not None and level < target,
                accessibility=today.get("accessibility"),
                transfer_rate=today.get("transfer_rate"),
                callbacks_due=int(report["due"]) if isinstance(report, dict) else None,
                callbacks_at_risk=int(report["at_risk"]) if isinstance(report, dict) else None,
                callbacks_down=report == "down",
            )
        )
    return found
