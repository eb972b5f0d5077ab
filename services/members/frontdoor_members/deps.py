"""Request-level FastAPI dependencies of the members service's routers: who asks (scopes), the
contact named, the page, the request id. The service's parts come from `context.ContextDep`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from frontdoor_common.auth import Principal, require

Reader = Annotated[Principal, require("members:read")]
Writer = Annotated[Principal, require("members:write")]
# The tenant's vocabulary and organisation (reasons, playbooks, departments): an administrator's,
# never an agent's, though agents write members and dossiers all day.
Configurer = Annotated[Principal, require("members:configure")]
Admin = Annotated[Principal, require("admin")]


def _contact_id(
    x_contact_id: Annotated[uuid.UUID | None, Header(description="A verified contact session for this member")] = None,
    contact_id: Annotated[uuid.UUID | None, Query(description="Same as the X-Contact-Id header")] = None,
) -> uuid.UUID | None:
    return contact_id or x_contact_id


ContactIdDep = Annotated[uuid.UUID | None, Depends(_contact_id)]


MAX_OFFSET = 1_000_000  # bounded, so no database sees an integer it cannot hold (that would be a 500)
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    """offset/limit of a list endpoint, both bounded."""

    offset: int
    limit: int


def _page(
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows to return")] = 100,
) -> Page:
    return Page(offset, limit)


PageDep = Annotated[Page, Depends(_page)]


def request_id(request: Request) -> str | None:
    """The request id the middleware assigned (for the audit trail)."""
    value = request.headers.get("x-request-id")
    return value[:100] if value else None


RequestIdDep = Annotated[str | None, Depends(request_id)]
