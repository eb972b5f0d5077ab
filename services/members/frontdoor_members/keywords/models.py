"""Keywords extracted from dossier entries, and the mark that an entry's extraction is done."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Uuid
from sqlmodel import Field, col

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.models import MembersModel

# The keyword worker walks the dossier by creation time (only entries written since its last pass,
# not an anti-join over the whole dossier every poll). The index is on the dossier's table, declared
# here beside its one user; migration 0007 creates it.
DOSSIER_CREATED_AT = Index("ix_dossier_entries_created_at", col(DossierEntry.created_at))


def _entry_fk(*, primary_key: bool = False) -> Column[uuid.UUID]:
    return Column(
        Uuid(),
        ForeignKey("dossier_entries.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


class KeywordExtraction(MembersModel, table=True):
    """One row per dossier entry whose keywords were extracted (none found included). Its primary
    key is the entry: a second worker inserting it for the same entry fails, and its keywords with it."""

    __tablename__ = "keyword_extractions"

    entry_id: uuid.UUID = Field(sa_column=_entry_fk(primary_key=True))
    tenant_id: str = Field(max_length=64)
    keywords: int  # how many were found
    text_chars: int  # how much of the text was read (bounded)
    extracted_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class EntryKeyword(MembersModel, table=True):
    """A keyword of one entry (lower-cased, once per entry), dated by the entry's local day and ISO week
    in the tenant's time zone, with the member's department then."""

    __tablename__ = "entry_keywords"
    __table_args__ = (
        Index("uq_entry_keywords_entry_keyword", "entry_id", "keyword", unique=True),
        Index("ix_entry_keywords_tenant_week", "tenant_id", "week", "keyword"),
        Index("ix_entry_keywords_tenant_day", "tenant_id", "day"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    entry_id: uuid.UUID = Field(sa_column=_entry_fk())
    keyword: str = Field(max_length=100)
    rank: int  # 0 is the entry's most relevant keyword
    department_id: uuid.UUID | None = None
    day: date
    week: str = Field(max_length=8)  # ISO week of `day`, e.g. 2026-W48
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
