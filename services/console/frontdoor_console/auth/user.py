"""The signed-in user, as a request sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from frontdoor_console.auth.roles import Role, at_least


@dataclass(frozen=True)
class User:
    """Who the session belongs to: their tenant, role and (if they take calls) agent."""

    session_key: str  # the SHA-256 of the cookie's token
    tenant_id: str
    subject: str
    name: str
    role: str
    agent_id: str | None
    csrf_token: str
    method: str
    expires_at: datetime
    access_token: str | None = None

    def can(self, wanted: Role) -> bool:
        """Whether the user's role ranks at or above `wanted`."""
        return at_least(self.role, wanted)

    @property
    def token_subject(self) -> str:
        """Who the services' audit logs name: the agent, or the user."""
        return self.agent_id or f"user:{self.subject}"
