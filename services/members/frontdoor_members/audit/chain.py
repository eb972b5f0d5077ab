"""The audit chain's hash and its verification, pure: no database, no clock.

Each entry's hash is SHA-256 over its canonical form: a JSON object with sorted keys, no
whitespace, UUIDs as lowercase strings, the time in UTC ISO 8601 with microseconds, and the
hash of the entry before it. The form is frozen (key "v" is 1): changing it would make every
stored chain fail verification, so a new form needs a new version and a migration.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

GENESIS = "0" * 64  # the prev_hash of a tenant's first entry
FORM_VERSION = 1


class Entry(Protocol):
    """What the chain covers of an audit entry (an ORM object or a result row)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def tenant_id(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def member_id(self) -> uuid.UUID: ...
    @property
    def subject(self) -> str: ...
    @property
    def contact_id(self) -> uuid.UUID | None: ...
    @property
    def purpose(self) -> str: ...
    @property
    def fields(self) -> list[str]: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


def _utc(at: datetime) -> str:
    # SQLite hands back naive times that are UTC; PostgreSQL aware ones
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def canonical(
    *,
    id: uuid.UUID,
    tenant_id: str,
    seq: int,
    member_id: uuid.UUID,
    subject: str,
    contact_id: uuid.UUID | None,
    purpose: str,
    fields: list[str],
    request_id: str | None,
    at: datetime,
    prev_hash: str,
) -> bytes:
    """The bytes an entry's hash is taken over."""
    doc: dict[str, Any] = {
        "v": FORM_VERSION,
        "id": str(id),
        "tenant_id": tenant_id,
        "seq": seq,
        "member_id": str(member_id),
        "subject": subject,
        "contact_id": None if contact_id is None else str(contact_id),
        "purpose": purpose,
        "fields": list(fields),
        "request_id": request_id,
        "at": _utc(at),
        "prev_hash": prev_hash,
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(**fields: Any) -> str:
    """The SHA-256 (hex) of an entry given as `canonical`'s keyword arguments."""
    return hashlib.sha256(canonical(**fields)).hexdigest()


def hash_of(entry: Entry, *, seq: int | None = None, prev_hash: str | None = None) -> str:
    """The hash an entry should carry (its stored hash is not an input)."""
    return entry_hash(
        id=entry.id,
        tenant_id=entry.tenant_id,
        seq=entry.seq if seq is None else seq,
        member_id=entry.member_id,
        subject=entry.subject,
        contact_id=entry.contact_id,
        purpose=entry.purpose,
        fields=entry.fields,
        request_id=entry.request_id,
        at=entry.at,
        prev_hash=entry.prev_hash if prev_hash is None else prev_hash,
    )


# Why a chain does not verify (stable ids: the command's output and the admin endpoint carry them).
ALTERED = "altered"  # an entry's content no longer matches its hash
MISSING = "missing"  # a seq is absent (an entry was deleted), or the chain ends before its head
INSERTED = "inserted"  # an entry that is not where the chain says (forged, beyond the head, or a duplicate seq)
HEAD_MISMATCH = "head_mismatch"  # the chain's last entry is not the recorded head


@dataclass(frozen=True)
class Break:
    """The first place a chain fails to verify."""

    seq: int
    reason: str
    detail: str


@dataclass
class Walk:
    """A tenant's chain walked so far, in seq order, one page at a time (bounded memory).

    A pruned chain (the retention of audit entries deleted its oldest entries) is walked from its
    checkpoint: `expected_seq` is the first seq kept, `prev_hash` the hash of the last one pruned,
    and an entry below `floor` (the checkpoint's seq) should not exist any more."""

    head_seq: int
    head_hash: str
    expected_seq: int = 1
    prev_hash: str = GENESIS
    entries: int = 0
    broken: Break | None = None
    floor: int = 1

    def feed(self, page: Iterable[Entry]) -> None:
        """Check the next entries (in seq order); stops at the first break."""
        for entry in page:
            if self.broken is not None:
                return
            self.broken = self._check(entry)
            if self.broken is None:
                self.entries += 1
                self.expected_seq += 1
                self.prev_hash = entry.hash

    def _check(self, entry: Entry) -> Break | None:
        if entry.seq < self.floor:
            return Break(
                entry.seq, INSERTED, f"an entry before the chain's checkpoint (pruned before seq {self.floor})"
            )
        if entry.seq > self.head_seq:
            return Break(entry.seq, INSERTED, f"entry beyond the chain's head (seq {self.head_seq})")
        if entry.seq < self.expected_seq:
            return Break(entry.seq, INSERTED, "a second entry with this seq")
        if entry.seq > self.expected_seq:
            return Break(self.expected_seq, MISSING, f"entries {self.expected_seq}..{entry.seq - 1} are missing")
        if hash_of(entry) != entry.hash:
            return self._diagnose(entry)
        if entry.prev_hash != self.prev_hash:
            return Break(
                entry.seq,
                INSERTED,
                "the entry does not link to the entry before it (one of them is forged or rewritten)",
            )
        return None

    def _diagnose(self, entry: Entry) -> Break:
        # an entry whose hash holds at a neighbouring seq was renumbered: pushed up by one inserted
        # before it, or moved (swapped, or pulled down over a deleted one)
        if hash_of(entry, seq=entry.seq - 1) == entry.hash:
            return Break(entry.seq - 1, INSERTED, f"an entry was inserted at {entry.seq - 1}, pushing the next one up")
        if hash_of(entry, seq=entry.seq + 1) == entry.hash:
            return Break(entry.seq, ALTERED, f"the entry at this seq was entry {entry.seq + 1} (moved or renumbered)")
        return Break(entry.seq, ALTERED, "the entry's content does not match its hash")

    def finish(self) -> Break | None:
        """After the last page: the chain must end exactly at its head."""
        if self.broken is None:
            last_seq = self.expected_seq - 1
            if last_seq < self.head_seq:
                self.broken = Break(
                    self.expected_seq, MISSING, f"the chain ends at {last_seq}, its head is {self.head_seq}"
                )
            elif self.prev_hash != self.head_hash:
                self.broken = Break(self.head_seq, HEAD_MISMATCH, "the last entry's hash is not the head's")
        return self.broken
