"""The staff's phone status (the agents service's status board), for the desk."""

from __future__ import annotations

from typing import Any

from frontdoor_console.clients.services import Services


async def load_presence(services: Services, token: str) -> list[dict[str, Any]]:
    """Everyone's phone status, by name."""
    board = await services.agents.get("/v1/presence", token)
    return sorted(board, key=lambda e: str(e.get("name", "")))


def entry_of(board: list[dict[str, Any]] | None, agent_id: str | None) -> dict[str, Any] | None:
    """One agent's line of the board."""
    return next((e for e in board or [] if str(e.get("agent_id")) == agent_id), None)
