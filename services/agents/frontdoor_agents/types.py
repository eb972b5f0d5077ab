"""Small shared types for the API models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


UTCTime = Annotated[datetime, AfterValidator(_to_utc)]
"""A timestamp rendered in UTC (the contract: times are RFC 3339 UTC)."""
