"""HTTP dependencies shared by the endpoints of every domain package (the endpoint layer only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query

from frontdoor_common.auth import Principal, require

Reader = Annotated[Principal, require("agents:read")]
Writer = Annotated[Principal, require("agents:write")]

MAX_OFFSET = 1_000_000
MAX_LIMIT = 1000
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """Which slice of a list to return."""

    offset: int
    limit: int

    def of(self, items: list[T]) -> list[T]:
        """This page of an already ordered list."""
        return items[self.offset : self.offset + self.limit]


def _page(
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items to return at most")] = MAX_LIMIT,
) -> Page:
    return Page(offset, limit)


PageDep = Annotated[Page, Depends(_page)]
