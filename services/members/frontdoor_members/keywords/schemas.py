"""Keyword trend shapes."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class KeywordWeeksView(BaseModel):
    """One of the most frequent keywords: entries mentioning it, per ISO week."""

    keyword: str
    total: int = Field(description="entries with this keyword over the weeks asked for")
    weeks: dict[str, int] = Field(description="ISO week -> entries with this keyword that week")


class RisingKeywordView(BaseModel):
    """A keyword in more entries in the latest week than in the week before."""

    keyword: str
    week: str
    count: int
    previous_week: str
    previous: int
    increase: int = Field(description="count - previous")


class KeywordTrendsView(BaseModel):
    """Keywords of the dossier's free text per ISO week, and those rising week over week."""

    weeks: list[str]
    since: date
    until: date
    min_count: int = Field(description="a rising keyword is in at least this many entries in the latest week")
    keywords: list[KeywordWeeksView] = Field(description="the most frequent keywords over the weeks, ties by name")
    rising: list[RisingKeywordView] = Field(
        description="latest week against the week before: largest increase first, ties by name"
    )
