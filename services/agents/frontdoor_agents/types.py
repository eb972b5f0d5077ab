"""Small shared types for the API models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


UTCTime = Annotated[datetime, AfterValidator(_to_utc)]
"""A timestamp rendered in UTC (the contract: times are RFC 3339 UTC)."""


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")  # PostgreSQL text cannot store them
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
"""A string the database can store (no NUL character)."""

Language = Annotated[
    str, AfterValidator(_no_nul), Field(min_length=2, max_length=16, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
]
"""A language tag: ISO 639 code, optionally with a region (no, en, nb-NO)."""


def _absent_default(schema: dict[str, Any]) -> None:
    """A partial update's default is "absent", not null: keep `default: null` out of its schema."""
    schema.pop("default", None)


def absent(**constraints: Any) -> Any:
    """A field of a partial update (PATCH, `PUT /v1/settings`): left out, it is unchanged.

    Its default is never validated, so the field's own type decides whether an explicit null is
    allowed (`str`: null is 422 naming the field; `str | None`: null clears it); the service
    reads only the fields in `model_fields_set`. The schema shows no default."""
    return Field(default=None, json_schema_extra=_absent_default, **constraints)
