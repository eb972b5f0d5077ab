"""Who may call the routing endpoints: the scopes, as FastAPI dependencies, and who acts on a call.

`routing:write` (a CTI integration, a supervisor's tools) drives any call of the tenant.
`routing:agent` (an agent's desk) acts only on what is that agent's: their own offer stream,
the offers made to them, the call they hold. The agent a token speaks for is its
`frontdoor_agent_id` claim (the claim an identity provider adds, as the console expects
it) or else its subject, when that is an agent id (the console's own tokens).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from frontdoor_common.auth import CurrentPrincipal, Principal, require
from frontdoor_common.errors import Forbidden

Reader = Annotated[Principal, require("routing:read")]
Writer = Annotated[Principal, require("routing:write")]
AgentDesk = Annotated[Principal, require("routing:agent")]

AGENT_CLAIM = "frontdoor_agent_id"


def agent_of(principal: Principal) -> uuid.UUID | None:
    """The agent a token speaks for: its agent claim, else its subject if that is an agent id."""
    for value in (principal.claims.get(AGENT_CLAIM), principal.subject):
        if isinstance(value, str):
            try:
                return uuid.UUID(value)
            except ValueError:
                continue
    return None


@dataclass(frozen=True)
class Actor:
    """Who acts on a call or an offer: the tenant, and the one agent it is limited to (if any)."""

    tenant_id: str
    agent_id: uuid.UUID | None
    """None: any call of the tenant (`routing:write`); else only what is this agent's."""

    def may_act_for(self, agent_id: uuid.UUID | None) -> bool:
        """Whether this actor may act on what `agent_id` holds."""
        return self.agent_id is None or self.agent_id == agent_id


def actor_of(principal: Principal) -> Actor:
    """The actor a principal is: unrestricted with `routing:write`, else the agent of a desk token."""
    if principal.has("routing:write"):
        return Actor(principal.tenant_id, None)
    if not principal.has("routing:agent"):
        raise Forbidden(
            "The token lacks the scope 'routing:write' or 'routing:agent'.",
            error_id="scope_missing",
            scope="routing:agent",
        )
    agent_id = agent_of(principal)
    if agent_id is None:
        raise Forbidden(
            f"A 'routing:agent' token must name its agent (the '{AGENT_CLAIM}' claim or an agent id as subject).",
            error_id="token_names_no_agent",
        )
    return Actor(principal.tenant_id, agent_id)


async def _actor(principal: CurrentPrincipal) -> Actor:
    return actor_of(principal)


ActorDep = Annotated[Actor, Depends(_actor)]
"""`routing:write` (any call of the tenant) or `routing:agent` (only the agent's own)."""


def not_holder(what: str) -> Forbidden:
    """The 403 for an agent's token acting on another agent's offer or call."""
    return Forbidden(
        f"The {what} is another agent's: an agent's token acts only on its own.", error_id=f"not_your_{what}"
    )
