"""Bounded limit/offset pagination, one dependency for every list endpoint.

An unbounded `limit` lets one request read a whole table; an unbounded `offset` reaches
integers the database refuses (PostgreSQL's BIGINT) and answers 500. Both are bounded here,
and a value out of bounds is a 422 naming `limit` or `offset`:

    @router.get("/v1/things")
    async def things(session: SessionDep, page: PageDep) -> ...:
        rows = await session.scalars(page.apply(select(Thing).order_by(Thing.id)))

`pagination(default=..., maximum=...)` makes one with other bounds.
"""

# No `from __future__ import annotations` here: the dependency's parameter annotations name the
# bounds of each `pagination()` call, and FastAPI must see them evaluated.
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from sqlalchemy import Select

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 10**9

T = TypeVar("T", bound=Select[Any])


@dataclass(frozen=True)
class Page:
    """Which slice of a list: at most `limit` items after skipping `offset`."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def apply(self, statement: "T") -> "T":
        """The statement limited to this page (order it first: pages of an unordered query drift)."""
        return statement.limit(self.limit).offset(self.offset)


def pagination(*, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT, max_offset: int = MAX_OFFSET) -> Any:
    """A FastAPI dependency giving a `Page` with these bounds (limit 1..maximum, offset 0..max_offset)."""
    if not 1 <= default <= maximum:
        raise ValueError("the default limit must be within 1..maximum")

    def page(
        limit: Annotated[int, Query(ge=1, le=maximum, description=f"Items per page (1-{maximum})")] = default,
        offset: Annotated[int, Query(ge=0, le=max_offset, description="Items to skip")] = 0,
    ) -> Page:
        return Page(limit=limit, offset=offset)

    return Depends(page)


PageDep = Annotated[Page, pagination()]
