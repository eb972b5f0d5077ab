"""The keyword worker: extracts the keywords of dossier entries that have none yet.

An entry is written without keywords (the agent never waits for them). The worker finds entries
without an extraction row, reads the first `keyword_max_chars` characters of each text in a short
read, extracts in a thread (never on the event loop, never inside a transaction), and stores the
keywords with the extraction row in one transaction.

It walks the dossier by creation time (an index): from the beginning when it starts and every
`RESCAN_EVERY`, else only from where the last pass caught up, less `MARGIN` (an entry whose
transaction committed more than `MARGIN` after it was created waits for the next walk from the
beginning, so nothing is skipped for good). The extraction row's primary key is the
entry: a second worker (another instance, or this one after a restart) that extracted the same
entry at the same time fails to insert it and stores nothing, so no entry counts twice; a crash
between the write and the extraction loses nothing, the entry is simply still waiting.

Logs carry ids and counts only, never the text or a keyword.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.logging import get_logger
from frontdoor_common.workers import TaskWorker
from frontdoor_members.keywords import repository
from frontdoor_members.keywords.extract import keywords, language_of
from frontdoor_members.keywords.models import EntryKeyword, KeywordExtraction
from frontdoor_members.keywords.repository import Pending
from frontdoor_members.settings import Settings
from frontdoor_members.tenants import service as tenants
from frontdoor_members.trends.service import iso_week

log = get_logger(__name__)

RESCAN_EVERY = timedelta(hours=1)
MARGIN = timedelta(minutes=10)


class KeywordWorker(TaskWorker):
    """Extracts the keywords of waiting entries every `keyword_interval_s`, or at once when woken."""

    name = "keywords"

    def __init__(self, *, db: Database, settings: Settings, clock: Clock) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.clock = clock
        self._wake = asyncio.Event()
        self.extracted_total = 0
        self.lost_races_total = 0
        self._since: datetime | None = None  # entries created before were all extracted (None: walk from the start)
        self._rescan_at: datetime | None = None

    def wake(self) -> None:
        """Look for waiting entries now."""
        self._wake.set()

    async def run(self) -> None:
        """Extract what waits, then wait for the interval or a wake-up."""
        while True:
            try:
                while await self.extract_pending() >= self.settings.keyword_batch_size:
                    pass
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.keyword_interval_s)
                self._wake.clear()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database hiccupped: keep going
                log.warning("keyword extraction error", error_type=type(exc).__name__)
                await asyncio.sleep(0.5)

    async def extract_pending(self) -> int:
        """Extract one batch of waiting entries; returns how many were waiting."""
        s = self.settings
        started = self.clock.now()
        if self._rescan_at is None or started >= self._rescan_at:
            self._since, self._rescan_at = None, started + RESCAN_EVERY
        async with self.db.snapshot() as session:
            batch = await repository.pending(
                session, limit=s.keyword_batch_size, max_chars=s.keyword_max_chars, since=self._since
            )
            languages: dict[str, str] = {}
            zones: dict[str, ZoneInfo] = {}
            for tenant_id in {p.tenant_id for p in batch}:
                rules = await tenants.rules(session, tenant_id, s.default_country)
                languages[tenant_id] = language_of(rules.country)
                zones[tenant_id] = await tenants.zone(session, tenant_id, s.default_timezone)
        for item in batch:
            found = await self._extract(item, languages[item.tenant_id])
            await self._store(item, found, zones[item.tenant_id])
        # on from the batch's last entry; once caught up, from this pass's start (less the margin)
        if len(batch) >= s.keyword_batch_size:
            self._since = batch[-1].created_at
        else:
            self._since = max(started - MARGIN, self._since) if self._since is not None else started - MARGIN
        return len(batch)

    async def _extract(self, item: Pending, language: str) -> list[str]:
        s = self.settings
        try:
            return await asyncio.to_thread(
                keywords,
                item.text,
                language,
                top=s.keywords_per_entry,
                max_chars=s.keyword_max_chars,
                exclude=item.names,
            )
        except Exception as exc:  # a text the extractor chokes on gets no keywords, and never blocks the rest
            log.warning("keyword extraction failed", entry_id=str(item.entry_id), error_type=type(exc).__name__)
            return []

    async def _store(self, item: Pending, found: list[str], zone: ZoneInfo) -> bool:
        now = self.clock.now()
        day = item.occurred_at.astimezone(zone).date()
        try:
            async with self.db.transaction() as session:
                # first, alone: the race for the entry is decided here (a loser stores nothing)
                session.add(
                    KeywordExtraction(
                        entry_id=item.entry_id,
                        tenant_id=item.tenant_id,
                        keywords=len(found),
                        text_chars=len(item.text),  # what left the database
                        extracted_at=now,
                    )
                )
                await session.flush()
                session.add_all(
                    EntryKeyword(
                        tenant_id=item.tenant_id,
                        entry_id=item.entry_id,
                        keyword=keyword,
                        rank=rank,
                        department_id=item.department_id,
                        day=day,
                        week=iso_week(day),
                        created_at=now,
                    )
                    for rank, keyword in enumerate(found)
                )
                await session.flush()
        except IntegrityError:  # another worker stored it first (or the entry was deleted meanwhile)
            self.lost_races_total += 1
            log.info("keywords already extracted", entry_id=str(item.entry_id))
            return False
        self.extracted_total += 1
        log.info("keywords extracted", entry_id=str(item.entry_id), keywords=len(found), text_chars=item.text_chars)
        return True
