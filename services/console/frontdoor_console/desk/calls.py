"""The call at a desk: accept an offer, verify the caller, reveal, write, complete.

Every action first asks routing whether the call is still this agent's (answered or in
wrap-up, by this agent): a page that went stale never acts on a call that has moved on
(`CallMovedOn`, shown in words). The services refuse the rest themselves (a 409 from routing
when an offer is no longer open; members' locks and its audit of every reveal).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete
from sqlmodel import col

from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext
from frontdoor_console.desk.models import DeskCall

HELD_STATES = ("answered", "wrap_up")


class CallMovedOn(Exception):
    """The call is not (any more) this agent's to act on."""

    def __init__(self, state: str | None, reason: str = "moved_on") -> None:
        super().__init__(state or reason)
        self.state = state
        self.reason = reason


def _token(ctx: ConsoleContext, user: User) -> str:
    return ctx.tokens.for_user(user)


async def call_view(ctx: ConsoleContext, user: User, call_id: str) -> dict[str, Any]:
    """Routing's view of a call (404 and the like as CallMovedOn)."""
    try:
        view: dict[str, Any] = await ctx.services.routing.get(f"/v1/calls/{call_id}", _token(ctx, user))
    except ServiceRefused as exc:
        raise CallMovedOn(None, exc.error_id) from None
    return view


async def held_call(ctx: ConsoleContext, user: User, call_id: str) -> dict[str, Any]:
    """The call's snapshot, if this agent holds it now; else CallMovedOn."""
    call: dict[str, Any] = (await call_view(ctx, user, call_id))["call"]
    if str(call.get("agent_id")) != user.agent_id or call.get("state") not in HELD_STATES:
        raise CallMovedOn(str(call.get("state")))
    return call


async def accept(ctx: ConsoleContext, user: User, offer_id: str, call_id: str) -> dict[str, Any]:
    """Accept this agent's offer: the call is answered; a contact session is opened for it."""
    view = await call_view(ctx, user, call_id)
    if view.get("offer_id") != offer_id or str(view["call"].get("agent_id")) != user.agent_id:
        raise CallMovedOn(str(view["call"].get("state")), "not_your_offer")
    answered: dict[str, Any] = await ctx.services.routing.post(f"/v1/offers/{offer_id}/accept", _token(ctx, user))
    call = answered["call"]
    contact_id: str | None = None
    try:
        contact = await ctx.services.members.post(
            "/v1/contacts",
            _token(ctx, user),
            json={
                "channel": "phone",
                "caller_number": call.get("caller_number"),
                "call_id": call["call_id"],
                "member_id": call.get("member_id"),
            },
        )
        contact_id = str(contact["id"])
    except (ServiceDown, ServiceRefused):
        contact_id = None  # the call goes on; verification says members is not answering
    await remember(ctx, user, str(call["call_id"]), contact_id)
    return dict(call)


async def reject(ctx: ConsoleContext, user: User, offer_id: str, call_id: str) -> None:
    """Reject this agent's offer (the call waits again)."""
    view = await call_view(ctx, user, call_id)
    if view.get("offer_id") != offer_id or str(view["call"].get("agent_id")) != user.agent_id:
        raise CallMovedOn(str(view["call"].get("state")), "not_your_offer")
    await ctx.services.routing.post(f"/v1/offers/{offer_id}/reject", _token(ctx, user))


async def remember(ctx: ConsoleContext, user: User, call_id: str, contact_id: str | None) -> None:
    """Keep the desk's call (a reload or a new sign-in finds it)."""
    assert user.agent_id is not None
    async with ctx.db.transaction() as session:
        row = await session.get(DeskCall, (user.tenant_id, user.agent_id))
        if row is None:
            session.add(
                DeskCall(
                    tenant_id=user.tenant_id,
                    agent_id=user.agent_id,
                    call_id=call_id,
                    contact_id=contact_id,
                    updated_at=ctx.clock.now(),
                )
            )
        else:
            row.call_id, row.contact_id, row.updated_at = call_id, contact_id, ctx.clock.now()


async def forget(ctx: ConsoleContext, user: User) -> None:
    """The desk has no call any more."""
    async with ctx.db.transaction() as session:
        await session.execute(
            delete(DeskCall).where(col(DeskCall.tenant_id) == user.tenant_id, col(DeskCall.agent_id) == user.agent_id)
        )


async def desk_call(ctx: ConsoleContext, user: User) -> DeskCall | None:
    """The desk's remembered call, if any."""
    async with ctx.db.snapshot() as session:
        return await session.get(DeskCall, (user.tenant_id, user.agent_id or ""))


async def contact_for(ctx: ConsoleContext, user: User, call_id: str) -> str:
    """The contact session of the desk's call (CallMovedOn if the desk has another call)."""
    remembered = await desk_call(ctx, user)
    if remembered is None or remembered.call_id != call_id or not remembered.contact_id:
        raise CallMovedOn(None, "no_contact")
    return remembered.contact_id


async def verify(ctx: ConsoleContext, user: User, call_id: str, attempt: dict[str, Any]) -> dict[str, Any]:
    """One verification attempt on the call's contact (members counts failures and locks)."""
    await held_call(ctx, user, call_id)
    contact_id = await contact_for(ctx, user, call_id)
    result: dict[str, Any] = await ctx.services.members.post(
        f"/v1/contacts/{contact_id}/verify", _token(ctx, user), json=attempt
    )
    return result


async def add_remark(
    ctx: ConsoleContext, user: User, call_id: str, member_id: str, summary: str, noted_on: date
) -> None:
    """A remark in the member's dossier, dated `noted_on` (the tenant's today), tied to this call and contact."""
    await held_call(ctx, user, call_id)
    remembered = await desk_call(ctx, user)
    await ctx.services.members.post(
        f"/v1/members/{member_id}/log",
        _token(ctx, user),
        json={
            "kind": "remark",
            "channel": "phone",
            "summary": summary,
            "noted_on": noted_on.isoformat(),
            "call_id": call_id,
            "contact_id": remembered.contact_id if remembered and remembered.call_id == call_id else None,
        },
    )


async def transfer(
    ctx: ConsoleContext, user: User, call_id: str, *, queue_id: str = "", number: str = "", agent_id: str = ""
) -> dict[str, Any]:
    """Transfer the call to another queue, out to a number, or to a named colleague (routing offers
    it to them alone; if they do not take it, it waits in its queue); the desk lets it go."""
    await held_call(ctx, user, call_id)
    target = {"agent_id": agent_id} if agent_id else {"queue_id": queue_id} if queue_id else {"number": number}
    moved: dict[str, Any] = await ctx.services.routing.post(
        f"/v1/calls/{call_id}/transfer", _token(ctx, user), json=target
    )
    await forget(ctx, user)
    return moved


async def complete(ctx: ConsoleContext, user: User, call_id: str, reason: str, resolution: str) -> dict[str, Any]:
    """Complete the call with a reason from the tenant's list and a resolution."""
    await held_call(ctx, user, call_id)
    done: dict[str, Any] = await ctx.services.routing.post(
        f"/v1/calls/{call_id}/complete",
        _token(ctx, user),
        json={"resolution": resolution, "contact_reason": reason},
    )
    await forget(ctx, user)
    return done
