"""The survey policy as the API reads and writes it."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import BaseModel, Field, field_validator

from frontdoor_surveys.conversation.texts import LANGUAGES

_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class PolicyFields(BaseModel):
    """Which contacts get a survey, and when."""

    enabled: bool = True
    require_answered: bool = True
    require_not_transferred: bool = True
    require_resolved: bool = Field(default=True, description="resolution == 'resolved' (first line)")
    require_member: bool = True
    require_mobile: bool = True
    include_callbacks: bool = True
    min_days_between: int = Field(default=30, ge=0, le=365, description="a member is surveyed at most once in N days")
    quiet_start: str = Field(default="21:00", description="HH:MM, local: no SMS from here ...")
    quiet_end: str = Field(default="08:00", description="... until here (the morning)")
    time_zone: str = "Europe/Oslo"
    country: str = Field(default="NO", description="ISO 3166 region for numbers given in local format")
    default_language: str = "en"
    expiry_hours: float = Field(default=24.0, ge=1, le=24 * 14)
    target: float = Field(default=85.0, ge=0, le=100)

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.fullmatch(value):
            raise ValueError("must be HH:MM (24 hours)")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone (IANA name, e.g. Europe/Oslo)") from None
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        value = value.upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError("unknown region (ISO 3166 alpha-2, e.g. NO)")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value


class PolicyUpdate(PolicyFields):
    """A new policy; `questions` (four per language) replaces the languages it names."""

    questions: dict[str, list[str]] | None = None

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        for language, texts in (value or {}).items():
            if language not in LANGUAGES:
                raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
            if len(texts) != 4 or any(not t.strip() or len(t) > 320 for t in texts):
                raise ValueError(f"{language}: four questions of 1-320 characters")
        return value


class PolicyView(PolicyFields):
    """The tenant's policy and its questions in every language."""

    tenant_id: str
    questions: dict[str, list[str]]


def patch_schema() -> dict[str, Any]:
    """The JSON Schema of a PATCH body: every field optional and not nullable, questions per
    language nullable (null: back to the default questions)."""
    schema = PolicyFields.model_json_schema()
    schema["title"] = "PolicyPatch"
    schema.pop("required", None)
    schema["additionalProperties"] = False
    for prop in schema["properties"].values():
        prop.pop("default", None)
        prop["description"] = (prop.get("description", "") + " (absent: unchanged; not nullable)").strip()
    schema["properties"]["questions"] = {
        "type": "object",
        "description": "language -> four questions, or null to go back to the default questions (absent: unchanged)",
        "additionalProperties": {
            "anyOf": [
                {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1, "maxLength": 320},
                    "minItems": 4,
                    "maxItems": 4,
                },
                {"type": "null"},
            ]
        },
    }
    return schema
