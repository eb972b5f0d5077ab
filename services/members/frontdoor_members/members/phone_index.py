"""Caller lookup from memory: (tenant, E.164) -> the members registered with that number.

One index per process (a worker of the composition root). It answers `lookup` with the same
candidates, in the same order, as the database path (`lookup.by_phone`), or None when it cannot
vouch for its answer, and the caller then asks the database:

- **Built at start** by streaming every number joined with its member (`batch` rows at a time,
  yielding to the event loop between batches); until then every lookup goes to the database.
- **This process's own writes**: every flush through this database's sessions that touches a
  `Member`, a `MemberPhone` or a `TenantSettings` is noted on the session; when that session
  commits, the members noted become *pending* and their tenant's lookups go to the database
  until the index has re-read them (woken at once, a few milliseconds). A replica therefore
  answers its own writes exactly from the moment the commit returns.
- **Other replicas' writes**: every `interval_s` the index re-reads the members whose
  `updated_at` (set by every write of a member or its numbers) is at or after its previous
  poll's start less `overlap_s`, and every tenant's phone region. A number removed on another
  replica stops being answered here at most `interval_s` plus one poll (a few milliseconds)
  after that replica's commit, provided the replicas' clocks agree within `overlap_s` and no
  transaction takes longer than `overlap_s` between setting `updated_at` and committing. When
  polls fail or fall behind, the index stops vouching `max_lag_s` after its last successful
  poll began (2 s by default): a removed number is never answered from memory later than that.

Candidates are ordered by last name, first name, member id (code point order, as SQLite
compares), and the database path sorts the same way, so both give identical answers.
Memory: about 600 bytes per member with one number (see `bench.py`).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import math
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import event as sa_event
from sqlalchemy import select as select_columns  # sqlmodel's select takes at most four columns
from sqlalchemy.orm import Session, SessionTransaction
from sqlmodel import col, select

from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.logging import get_logger
from frontdoor_common.workers import TaskWorker
from frontdoor_members.identity.national_id import COUNTRIES
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.tenants.models import TenantSettings

log = get_logger(__name__)

_NOTED = "frontdoor_phone_index_members"
_REGIONS = "frontdoor_phone_index_regions"


class Entry(NamedTuple):
    """One candidate for a number; the field order is the answer's order."""

    last_name: str
    first_name: str
    member_id: uuid.UUID
    member_number: str
    department_id: uuid.UUID | None
    status: str
    kind: str


def order_key(last_name: str, first_name: str, member_id: uuid.UUID) -> tuple[str, str, uuid.UUID]:
    """The one order of candidates for a number (the index's and the database path's)."""
    return (last_name, first_name, member_id)


_MEMBER_COLUMNS = (
    col(Member.id),
    col(Member.tenant_id),
    col(Member.member_number),
    col(Member.first_name),
    col(Member.last_name),
    col(Member.department_id),
    col(Member.status),
)


class PhoneIndex(TaskWorker):
    """The phone numbers of every tenant's members, in memory, kept current (see the module)."""

    name = "phone-index"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        default_country: str,
        interval_s: float = 0.5,
        overlap_s: float = 5.0,
        max_lag_s: float | None = None,
        batch: int = 2000,
    ) -> None:
        super().__init__()
        self.db = db
        self.clock = clock
        # the region of a tenant without settings, as `tenants.service.rules` gives it
        self.default_region: str = COUNTRIES.get(default_country, "NO")
        self.interval_s = interval_s
        self.overlap = timedelta(seconds=overlap_s)
        self.max_lag_s = max_lag_s if max_lag_s is not None else 2 * interval_s + 1.0
        self._vouched_at = -math.inf  # monotonic time at which the last successful read began
        self.batch = batch
        self.ready = False
        self._phones: dict[str, dict[str, tuple[Entry, ...]]] = {}
        self._numbers: dict[uuid.UUID, tuple[str, tuple[str, ...]]] = {}  # member -> (tenant, numbers)
        self._regions: dict[str, str] = {}
        self._words: dict[str, str] = {}  # the few statuses and kinds, stored once
        self._departments: dict[uuid.UUID, uuid.UUID] = {}
        # committed here, not yet re-read: tenant -> member -> generation of the mark
        self._pending: dict[str, dict[uuid.UUID, int]] = {}
        self._generation = 0
        self._regions_stale = 0  # generation of the last local tenant settings write not yet re-read
        self._since: datetime | None = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._hooked = False
        # per index: several apps (tests) may run in one process, each with its own database
        self._noted_key = f"{_NOTED}-{id(self)}"
        self._regions_key = f"{_REGIONS}-{id(self)}"

    # -- answers --------------------------------------------------------------------------

    def region(self, tenant_id: str) -> str | None:
        """The tenant's phone region, or None when the index cannot vouch for it."""
        if not self.ready or self._regions_stale or time.monotonic() - self._vouched_at > self.max_lag_s:
            return None
        return self._regions.get(tenant_id, self.default_region)

    def lookup(self, tenant_id: str, e164: str) -> tuple[Entry, ...] | None:
        """The candidates for this number, or None: ask the database."""
        if not self.ready or tenant_id in self._pending or time.monotonic() - self._vouched_at > self.max_lag_s:
            return None
        book = self._phones.get(tenant_id)
        return book.get(e164, ()) if book is not None else ()

    def size(self) -> dict[str, int]:
        """How many numbers and members it holds."""
        return {"numbers": sum(len(b) for b in self._phones.values()), "members": len(self._numbers)}

    # -- the worker ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Note this process's writes from now on, then build and poll in the background."""
        self.attach()
        await super().start()

    async def stop(self) -> None:
        """Stop polling and noting writes."""
        await super().stop()
        self.detach()

    async def run(self) -> None:
        """Build (retrying), then re-read pending members at once and poll every `interval_s`."""
        while not self.ready:
            try:
                await self.build()
            except Exception as exc:  # the database path answers meanwhile
                log.warning("phone index build failed", error_type=type(exc).__name__)
                await asyncio.sleep(max(self.interval_s, 1.0))
        loop = asyncio.get_running_loop()
        next_poll = loop.time()  # at once: a long build is vouched for only by a poll
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, next_poll - loop.time()))
            self._wake.clear()
            try:
                await self.refresh_pending()
                if loop.time() >= next_poll:
                    next_poll = loop.time() + self.interval_s
                    await self.poll()
            except Exception as exc:  # pending tenants keep asking the database until it works
                log.warning("phone index refresh failed", error_type=type(exc).__name__)
                await asyncio.sleep(self.interval_s)

    # -- noting this process's writes -----------------------------------------------------------

    def attach(self) -> None:
        """Listen to flushes and commits of this database's sessions."""
        if not self._hooked:
            sa_event.listen(Session, "after_flush", self._after_flush)
            sa_event.listen(Session, "after_commit", self._after_commit)
            sa_event.listen(Session, "after_transaction_end", self._after_transaction_end)
            self._hooked = True

    def detach(self) -> None:
        """Stop listening."""
        if self._hooked:
            sa_event.remove(Session, "after_flush", self._after_flush)
            sa_event.remove(Session, "after_commit", self._after_commit)
            sa_event.remove(Session, "after_transaction_end", self._after_transaction_end)
            self._hooked = False

    def _ours(self, session: Session) -> bool:
        return session.bind is self.db.engine.sync_engine

    def _after_flush(self, session: Session, _context: Any) -> None:
        if not self._ours(session):
            return
        noted: set[tuple[str, uuid.UUID]] = session.info.setdefault(self._noted_key, set())
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, Member):
                noted.add((obj.tenant_id, obj.id))
            elif isinstance(obj, MemberPhone):
                noted.add((obj.tenant_id, obj.member_id))
            elif isinstance(obj, TenantSettings):
                session.info[self._regions_key] = True

    def _after_commit(self, session: Session) -> None:
        noted = session.info.pop(self._noted_key, None)
        regions = session.info.pop(self._regions_key, False)
        if not noted and not regions:
            return
        self._generation += 1
        if regions:
            self._regions_stale = self._generation
        for tenant_id, member_id in noted or ():
            self._pending.setdefault(tenant_id, {})[member_id] = self._generation
        self._wake.set()

    def _after_transaction_end(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:  # rolled back, or already taken by _after_commit
            session.info.pop(self._noted_key, None)
            session.info.pop(self._regions_key, None)

    # -- reading the database ----------------------------------------------------------------

    async def build(self) -> None:
        """Read every number with its member, streamed; then answer from memory."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            began = loop.time()
            vouched = time.monotonic()
            started = self.clock.now()
            self._phones, self._numbers = {}, {}
            building: dict[str, dict[str, list[Entry]]] = {}
            async with self.db.snapshot() as session:
                regions = await self._read_regions(session)
                query = (
                    select_columns(col(MemberPhone.e164), col(MemberPhone.kind), *_MEMBER_COLUMNS)
                    .join(Member, col(Member.id) == col(MemberPhone.member_id))
                    .execution_options(yield_per=self.batch)
                )
                result = await session.stream(query)
                async for rows in result.partitions(self.batch):
                    for e164, kind, member_id, tenant_id, number, first, last, department, status in rows:
                        entry = self._entry(last, first, member_id, number, department, status, kind)
                        book = building.setdefault(tenant_id, {})
                        entries = book.get(e164)
                        if entries is None:
                            book[e164] = [entry]
                        else:
                            entries.append(entry)
                        known = self._numbers.get(member_id)
                        self._numbers[member_id] = (tenant_id, (*known[1], e164) if known else (e164,))
                    await asyncio.sleep(0)  # lookups (from the database) go on meanwhile
            for tenant_id, book in building.items():
                self._phones[tenant_id] = {
                    n: tuple(sorted(es, key=_entry_order)) if len(es) > 1 else (es[0],) for n, es in book.items()
                }
                book.clear()
            self._regions = regions
            self._since = started - self.overlap
            self._vouched_at = vouched
            self.ready = True
            log.info(
                "phone index built",
                members=len(self._numbers),
                numbers=sum(len(b) for b in self._phones.values()),
                seconds=round(loop.time() - began, 2),
            )
            self._wake.set()  # members written meanwhile are pending: re-read them now

    async def refresh_pending(self) -> None:
        """Re-read the members this process committed, and the regions if they were written."""
        if not self._pending and not self._regions_stale:
            return
        async with self._lock:
            marks = [(t, m, g) for t, members in self._pending.items() for m, g in members.items()]
            regions_mark = self._regions_stale
            async with self.db.snapshot() as session:
                await self._reload(session, [m for _, m, _ in marks])
                regions = await self._read_regions(session) if regions_mark else None
            for tenant_id, member_id, generation in marks:
                members = self._pending.get(tenant_id)
                if members is not None and members.get(member_id) == generation:
                    del members[member_id]
                    if not members:
                        del self._pending[tenant_id]
            if regions is not None:
                self._regions = regions
                if self._regions_stale == regions_mark:
                    self._regions_stale = 0

    async def poll(self) -> None:
        """Re-read the members any replica changed since the previous poll (with the overlap)."""
        if not self.ready or self._since is None:
            return
        async with self._lock:
            vouched = time.monotonic()
            started = self.clock.now()
            async with self.db.snapshot() as session:
                changed = list(
                    await session.scalars(select(col(Member.id)).where(col(Member.updated_at) >= self._since))
                )
                await self._reload(session, changed)
                self._regions = await self._read_regions(session)
            self._since = started - self.overlap
            self._vouched_at = vouched

    async def _read_regions(self, session: Any) -> dict[str, str]:
        rows = await session.execute(select(col(TenantSettings.tenant_id), col(TenantSettings.phone_region)))
        return {t: r for t, r in rows.all()}

    async def _reload(self, session: Any, member_ids: Sequence[uuid.UUID]) -> None:
        """Replace what the index holds for these members with what the database holds now."""
        for start in range(0, len(member_ids), 500):
            ids = list(dict.fromkeys(member_ids[start : start + 500]))
            members = {
                row[0]: row
                for row in (
                    await session.execute(select_columns(*_MEMBER_COLUMNS).where(col(Member.id).in_(ids)))
                ).all()
            }
            phones: dict[uuid.UUID, list[tuple[str, str]]] = {}
            rows = await session.execute(
                select(col(MemberPhone.member_id), col(MemberPhone.e164), col(MemberPhone.kind)).where(
                    col(MemberPhone.member_id).in_(ids)
                )
            )
            for member_id, e164, kind in rows.all():
                phones.setdefault(member_id, []).append((e164, kind))
            for member_id in ids:
                row = members.get(member_id)
                self._remove(member_id)
                if row is not None:
                    _, tenant_id, number, first, last, department, status = row
                    self._add(
                        tenant_id,
                        member_id,
                        [
                            (e164, self._entry(last, first, member_id, number, department, status, kind))
                            for e164, kind in phones.get(member_id, [])
                        ],
                    )
            await asyncio.sleep(0)

    # -- the maps -----------------------------------------------------------------------------

    def _entry(
        self,
        last: str,
        first: str,
        member_id: uuid.UUID,
        number: str,
        department: uuid.UUID | None,
        status: str,
        kind: str,
    ) -> Entry:
        words = self._words
        if department is not None:
            department = self._departments.setdefault(department, department)
        return Entry(
            last, first, member_id, number, department, words.setdefault(status, status), words.setdefault(kind, kind)
        )

    def _remove(self, member_id: uuid.UUID) -> None:
        known = self._numbers.pop(member_id, None)
        if known is None:
            return
        tenant_id, numbers = known
        book = self._phones.get(tenant_id, {})
        for e164 in numbers:
            rest = tuple(e for e in book.get(e164, ()) if e.member_id != member_id)
            if rest:
                book[e164] = rest
            else:
                book.pop(e164, None)

    def _add(self, tenant_id: str, member_id: uuid.UUID, numbers: Iterable[tuple[str, Entry]]) -> None:
        book = self._phones.setdefault(tenant_id, {})
        added: list[str] = []
        for e164, entry in numbers:
            entries = list(book.get(e164, ()))
            bisect.insort(entries, entry, key=_entry_order)
            book[e164] = tuple(entries)
            added.append(e164)
        if added:
            self._numbers[member_id] = (tenant_id, tuple(added))


def _entry_order(entry: Entry) -> tuple[str, str, uuid.UUID]:
    return order_key(entry.last_name, entry.first_name, entry.member_id)
