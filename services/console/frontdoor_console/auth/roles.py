"""Roles and the scopes each one gets at the services.

Roles rank agent < supervisor < team lead < administrator; each has what the ones below it
have. The services know scopes only, and some are coarse: `agents:write` lets a token change
anyone's presence, and `routing:write` drives any call and manages queues. An agent's token
carries `routing:agent` instead: with it routing lets the agent accept or reject only the
offers made to them and complete or transfer only the call they hold (the token's subject is
the agent). Supervisors and up keep `routing:write` (the planning simulator asks it; only
administrators' pages manage queues). The console narrows the rest: an agent changes their
own status only, and acts only on the call routing says they hold.
"""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["agent", "supervisor", "team_lead", "administrator"]
ROLES: tuple[Role, ...] = get_args(Role)

_AGENT = (
    "routing:agent",  # routing: only the agent's own offers and call (no routing:write)
    "routing:read",
    "members:read",
    "members:write",
    "members:pii",
    "agents:read",
    "agents:write",
    "callbacks:read",
    "callbacks:write",
)
_SUPERVISOR = (*_AGENT, "routing:write", "surveys:read")
# privacy:export / privacy:erase: a member's access report and the erasure of their personal
# data (issue 17), the administrator's "Personal data" page only
_ADMINISTRATOR = (*_SUPERVISOR, "surveys:write", "members:configure", "privacy:export", "privacy:erase")

ROLE_SCOPES: dict[Role, tuple[str, ...]] = {
    "agent": _AGENT,
    "supervisor": _SUPERVISOR,
    "team_lead": _SUPERVISOR,
    "administrator": _ADMINISTRATOR,
}


def parse_role(value: str | None) -> Role | None:
    """A known role, or None."""
    for role in ROLES:
        if value == role:
            return role
    return None


def at_least(role: str, wanted: Role) -> bool:
    """Whether `role` ranks at or above `wanted`."""
    known = parse_role(role)
    return known is not None and ROLES.index(known) >= ROLES.index(wanted)


def scopes_for(role: str) -> tuple[str, ...]:
    """The scopes a role's tokens carry (none for an unknown role)."""
    known = parse_role(role)
    return ROLE_SCOPES[known] if known else ()
