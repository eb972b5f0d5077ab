"""What a service declares for the personal-data lifecycle (its `ServiceSpec.privacy`), and the
common machinery built from it: the export endpoint, the erasure consumer, the retention job.

A service writes three kinds of hook over its own tables, each given its parts and a session:

- `export(parts, session, tenant, member_id)`: an async iterator of (section, item) pairs, every
  item the service holds about the member (items are JSON-able dicts; stream, never load all);
- `erase(parts, session, request)`: remove or anonymise the member's data in the session's
  transaction (which also erases the subjects' seal keys and publishes the service's report);
  returns an `ErasurePart` (counts, what is kept and why, more subjects it found: phone numbers);
- `retention[kind](parts, session, tenant, cutoff)`: delete or anonymise what of `kind` is older
  than `cutoff`; returns (deleted, anonymised).

Aggregates (KPIs, the satisfaction index, trends) must come out unchanged: anonymise rows that are
counted rather than delete them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events.privacy import ErasureRequested

P = TypeVar("P")

EXPORT_SCOPE = "privacy:export"
ERASE_SCOPE = "privacy:erase"


@dataclass
class ErasurePart:
    """What one service did for an erasure request."""

    done: dict[str, int] = field(default_factory=dict)  # kind -> rows removed or anonymised
    kept: list[str] = field(default_factory=list)  # what was kept, and why
    subjects: list[str] = field(default_factory=list)  # more subjects to shred (phone_subject(...))


@dataclass(frozen=True)
class RetentionResult:
    deleted: int = 0
    anonymised: int = 0


ExportHook = Callable[[P, AsyncSession, str, uuid.UUID], AsyncIterator[tuple[str, dict[str, Any]]]]
EraseHook = Callable[[P, AsyncSession, ErasureRequested], Awaitable[ErasurePart]]
RetentionHook = Callable[[P, AsyncSession, str, datetime], Awaitable[RetentionResult]]


@dataclass
class PrivacySpec(Generic[P]):
    """A service's part in access, erasure and retention."""

    export: ExportHook[P]
    erase: EraseHook[P]
    retention: dict[str, RetentionHook[P]] = field(default_factory=dict)
    # whether the service answers erasure requests (members' own request included)
    answers_erasures: bool = True
