"""What the call panel shows, each part loaded on its own (a service down spoils only its part)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext
from frontdoor_console.desk.calls import desk_call
from frontdoor_console.desk.colleagues import load_presence


@dataclass
class Workspace:
    """What the call panel shows."""

    call: dict[str, Any]
    contact: dict[str, Any] | None = None
    member: dict[str, Any] | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    dossier: list[dict[str, Any]] | None = None
    checks: list[dict[str, Any]] | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    queues: list[dict[str, Any]] = field(default_factory=list)
    staff: list[dict[str, Any]] = field(default_factory=list)
    colleagues: list[dict[str, Any]] = field(default_factory=list)  # the colleagues panel's lines, me left out
    down: set[str] = field(default_factory=set)

    @property
    def call_id(self) -> str:
        """The call's id."""
        return str(self.call["call_id"])

    @property
    def verified(self) -> bool:
        """Whether the caller was verified on this contact."""
        return bool(self.contact and self.contact.get("verified"))

    def may_fix(self, check: str) -> bool:
        """Whether this caller may have the record fixed: verified as the member; for a placeholder
        national ID (which never verifies), calling from the member's own registered number."""
        if check == "placeholder_national_id":
            recognised = (self.contact or {}).get("recognised_member_id")
            return self.member is not None and recognised is not None and str(recognised) == str(self.member["id"])
        return self.verified_as_member

    @property
    def verified_as_member(self) -> bool:
        """Verified as the member themself (personal data may be revealed)."""
        return bool(self.contact and self.contact.get("verified") and self.contact.get("level") == "member")


async def workspace(ctx: ConsoleContext, user: User, call: dict[str, Any], *, reveal: bool = False) -> Workspace:
    """Everything the call panel shows, each part loaded on its own (a service down spoils only its part)."""
    space = Workspace(call=call)
    remembered = await desk_call(ctx, user)
    token = ctx.tokens.for_user(user)
    contact_id = remembered.contact_id if remembered and remembered.call_id == space.call_id else None
    if contact_id:
        try:
            space.contact = await ctx.services.members.get(f"/v1/contacts/{contact_id}", token)
        except ServiceDown:
            space.down.add("members")
        except ServiceRefused:
            space.contact = None
    member_id = (space.contact or {}).get("member_id") or call.get("member_id")
    queues, staff, board = await asyncio.gather(
        _quiet(ctx.services.routing.get("/v1/queues", token)),
        _quiet(ctx.services.agents.get("/v1/agents", token)),
        _quiet(load_presence(ctx.services, token)),
    )
    if isinstance(board, list):
        space.colleagues = [e for e in board if str(e.get("agent_id")) != user.agent_id]
    space.queues = [q for q in queues if q.get("active", True)] if isinstance(queues, list) else []
    space.staff = sorted(
        (a for a in staff if a.get("active", True)) if isinstance(staff, list) else [], key=lambda a: str(a["name"])
    )
    if member_id:
        headers = {"X-Contact-Id": contact_id} if reveal and contact_id else None
        on_contact = {"contact_id": contact_id} if contact_id else {}
        member, dossier, checks, changes = await asyncio.gather(
            _quiet(ctx.services.members.get(f"/v1/members/{member_id}", token, headers=headers)),
            _quiet(ctx.services.members.get(f"/v1/members/{member_id}/log", token, params={"limit": 20})),
            _quiet(ctx.services.members.get(f"/v1/members/{member_id}/checks", token, params=on_contact)),
            _quiet(ctx.services.members.get(f"/v1/members/{member_id}/membership-changes", token)),
        )
        if isinstance(changes, list):
            space.changes = [c for c in changes if c.get("status") == "awaiting_confirmation"]
        if any(isinstance(part, ServiceDown) for part in (member, dossier, checks)):
            space.down.add("members")
        space.member = member if isinstance(member, dict) else None
        space.dossier = list(dossier.get("entries", [])) if isinstance(dossier, dict) else None
        space.checks = list(checks.get("checks", [])) if isinstance(checks, dict) else None
    elif call.get("caller_number") and call.get("member_candidates"):
        found = await _quiet(
            ctx.services.members.get("/v1/members/lookup", token, params={"phone": call["caller_number"]})
        )
        if isinstance(found, ServiceDown):
            space.down.add("members")
        elif isinstance(found, dict):
            space.candidates = list(found.get("candidates", []))
    return space


async def _quiet(call: Any) -> Any:
    """The answer, or the fault as a value (ServiceDown / ServiceRefused)."""
    try:
        return await call
    except (ServiceDown, ServiceRefused) as exc:
        return exc
