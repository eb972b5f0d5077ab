"""The record checks' fixes, each in one step, on the member of the desk's call."""

from __future__ import annotations

from typing import Any

from frontdoor_console.auth.user import User
from frontdoor_console.context import ConsoleContext
from frontdoor_console.desk.calls import CallMovedOn, held_call
from frontdoor_console.desk.workspace import workspace

FIXES = ("email_missing", "returned_mail", "placeholder_national_id", "calling_number_differs")


async def fix_record(ctx: ConsoleContext, user: User, call_id: str, check: str, values: dict[str, str]) -> None:
    """One record check's fix, in one step, on the member of the call (verified as the member)."""
    call = await held_call(ctx, user, call_id)
    space = await workspace(ctx, user, call)
    if space.member is None or not space.may_fix(check):
        raise CallMovedOn(str(call.get("state")), "verify_first")
    change: dict[str, Any]
    if check == "email_missing":
        change = {"email": values.get("email", "").strip()}
    elif check == "returned_mail":
        address = {k: values.get(k, "").strip() for k in ("line1", "postal_code", "city")}
        change = {"address": address, "returned_mail": False}
    elif check == "placeholder_national_id":
        change = {"national_id": values.get("national_id", "").strip()}
    elif check == "calling_number_differs" and call.get("caller_number"):
        phones = [{"number": p["number"], "kind": p.get("kind", "mobile")} for p in space.member.get("phones", [])]
        change = {"phones": [*phones, {"number": call["caller_number"], "kind": "mobile"}]}
    else:
        raise CallMovedOn(str(call.get("state")), "unknown_check")
    await ctx.services.members.request(
        "PATCH", f"/v1/members/{space.member['id']}", ctx.tokens.for_user(user), json=change
    )
