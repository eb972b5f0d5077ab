"""Contact reasons: one vocabulary, the members service's, mirrored from its events.

A code routing has not seen is checked with the members service before it is refused (the
mirror may be a moment behind); when members cannot answer in time the code is accepted: a
person's action is never refused because another service is slow.
"""

from __future__ import annotations

from typing import Any

import httpx

from frontdoor_common.errors import InvalidInput
from frontdoor_common.events.members import DEFAULT_REASONS
from frontdoor_common.logging import get_logger
from frontdoor_routing.engine.engine import Engine

log = get_logger(__name__)

# Free-text reasons desks and integrations sent before the vocabulary was shared; each maps
# to the code that means it (kept for existing clients; send codes).
LEGACY_ALIASES = {"invoice": "dues_invoice", "dues": "dues_invoice", "member_data": "member_data_change"}


def vocabulary(engine: Engine, tenant_id: str) -> tuple[str, ...]:
    """The tenant's reasons as routing knows them (the defaults until members said otherwise)."""
    tenant = engine.tenants.get(tenant_id)
    return tenant.reasons if tenant is not None and tenant.reasons is not None else DEFAULT_REASONS


async def _from_members(
    engine: Engine, client: httpx.AsyncClient | None, authorization: str | None
) -> list[str] | None:
    """The tenant's reasons from the members service, or None when it cannot say in time."""
    url = engine.settings.members_url
    if client is None or not url:
        return None
    try:
        r = await client.get(
            f"{url}/v1/tenant/settings",
            headers={"Authorization": authorization} if authorization else {},
            timeout=engine.settings.reasons_timeout_s,
        )
        if r.status_code != 200:
            log.info("reason check: members answered", status=r.status_code)
            return None
        reasons: Any = r.json().get("reasons")
        return [str(x) for x in reasons] if isinstance(reasons, list) else None
    except (httpx.HTTPError, ValueError) as exc:
        log.info("reason check: members unreachable", error_type=type(exc).__name__)
        return None


async def check(
    engine: Engine, client: httpx.AsyncClient | None, tenant_id: str, code: str | None, authorization: str | None
) -> str | None:
    """The code to store for `code`; 422 naming `contact_reason` when members says it is unknown."""
    if code is None:
        return None
    known = vocabulary(engine, tenant_id)
    if code in known:
        return code
    alias = LEGACY_ALIASES.get(code)
    if alias is not None and alias in known:
        return alias
    latest = await _from_members(engine, client, authorization)
    if latest is None:
        return code  # members cannot say: never refuse a person's action for that
    if code in latest:
        return code
    if alias is not None and alias in latest:
        return alias
    raise InvalidInput(
        f"Unknown contact reason {code!r}; the tenant's reasons are: {', '.join(latest)}.",
        error_id="unknown_contact_reason",
        field="contact_reason",
    )
