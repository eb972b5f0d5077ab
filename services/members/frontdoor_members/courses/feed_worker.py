"""A tenant's course feed: the URL the course system publishes its catalogue at, fetched every
`refresh_minutes` by a worker and imported like a POSTed feed (courses/feed.py).

A due feed is claimed first (its next run moved on, in a short transaction with the row locked),
so two instances never fetch it for the same round; the fetch runs outside any transaction, through
frontdoor_common.safe_http (public addresses only, one deadline, a byte cap); the import runs in
its own transaction; the outcome is recorded in a third, unless the feed was changed or removed
meanwhile. A failed run keeps the fixed code of its error (and the line or event), never what was
fetched. Logs carry the tenant and counts only.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any

from frontdoor_common.auth import Principal
from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.errors import NotFound, ServiceError
from frontdoor_common.logging import get_logger
from frontdoor_common.safe_http import FetchFailed, UnsafeUrl, check_public_url, fetch_public
from frontdoor_common.service import Runtime
from frontdoor_common.workers import TaskWorker
from frontdoor_members.courses import repository, service
from frontdoor_members.courses.feed import Importer, ImportOptions
from frontdoor_members.courses.feed_parse import FeedInvalid
from frontdoor_members.courses.models import CourseFeed
from frontdoor_members.courses.notifier import CoursesNotifier
from frontdoor_members.courses.schemas import CourseFeedPut, ImportReport
from frontdoor_members.notifier import MembersNotifier
from frontdoor_members.settings import Settings

log = get_logger(__name__)

SUBJECT = "course-feed"  # the author of what a feed run writes (dossier entries of a cancelled course)
MAX_STORED_OUTCOMES = 200
BATCH = 20  # feeds run per round
# the fields a stored error may name: ours, never a column name read from the fetched document
_OUR_FIELDS = frozenset(
    {"uid", "title", "summary", "starts_at", "ends_at", "dtstart", "dtend", "place", "location", "seats"}
    | {"signup_deadline", "departments", "status", "rrule"}
)


def stored_report(report: ImportReport) -> dict[str, Any]:
    """The report as kept with the feed: the entries that did something (the first ones), and the counts."""
    worth = [o for o in report.outcomes if o.outcome != "unchanged"]
    kept = report.model_copy(
        update={"outcomes": worth[:MAX_STORED_OUTCOMES], "outcomes_truncated": len(worth) > MAX_STORED_OUTCOMES}
    )
    return kept.model_dump(mode="json")


def error_code(exc: Exception) -> str:
    """A failed run's error as kept and shown: a fixed code (and the line or event), never fetched content."""
    if isinstance(exc, UnsafeUrl):
        return exc.reason
    if isinstance(exc, FetchFailed):
        return exc.code
    if isinstance(exc, FeedInvalid):
        parts = [exc.code]
        if exc.where:
            parts.append(f"at {exc.where}")
        if exc.field in _OUR_FIELDS:
            parts.append(f"field {exc.field}")
        return " ".join(parts)
    if isinstance(exc, ServiceError):
        return exc.error_id
    return "import_failed"


class CourseFeeds:
    """Setting, reading, removing and running tenants' course feeds."""

    def __init__(self, *, db: Database, settings: Settings, clock: Clock, writers: service.Writers) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.importer = Importer(db, settings, writers)

    async def put(self, tenant_id: str, body: CourseFeedPut) -> CourseFeed:
        """Set the tenant's feed (422 `unsafe_url` for a URL that is not http(s) or not a public address);
        it runs within `course_feed_check_interval_s`."""
        try:
            await check_public_url(body.url, allow_private=self.settings.course_feed_allow_private)
        except FetchFailed:
            pass  # a name that does not resolve now: the runs will say so
        now = self.clock.now()
        async with self.db.transaction() as session:
            feed = await repository.feed(session, tenant_id, lock=True)
            if feed is None:
                feed = CourseFeed(tenant_id=tenant_id, created_at=now, **_fields(body, now))
                session.add(feed)
            else:
                changed = (feed.url, feed.format, feed.source) != (body.url, body.format, body.source)
                for name, value in _fields(body, now).items():
                    setattr(feed, name, value)
                if changed:  # the last run's report was of another feed
                    feed.last_run_at = feed.last_status = feed.last_error = feed.last_report = None
            feed.updated_at = now
            await session.flush()
        return feed

    async def get(self, tenant_id: str) -> CourseFeed:
        """The tenant's feed (404 `course_feed_not_found`)."""
        async with self.db.snapshot() as session:
            feed = await repository.feed(session, tenant_id)
        if feed is None:
            raise NotFound("The tenant has no course feed.", error_id="course_feed_not_found")
        return feed

    async def delete(self, tenant_id: str) -> None:
        """Remove the tenant's feed (its courses stay); 404 when there is none."""
        async with self.db.transaction() as session:
            feed = await repository.feed(session, tenant_id, lock=True)
            if feed is None:
                raise NotFound("The tenant has no course feed.", error_id="course_feed_not_found")
            await session.delete(feed)

    async def run_now(self, tenant_id: str) -> CourseFeed:
        """Fetch and import the tenant's feed now; the feed with this run's outcome."""
        await self.get(tenant_id)
        await self.run_one(tenant_id, claim=False)
        return await self.get(tenant_id)

    async def run_due(self) -> int:
        """Run every feed that is due (a batch); how many ran."""
        async with self.db.snapshot() as session:
            due = await repository.due_feeds(session, self.clock.now(), BATCH)
        ran = 0
        for tenant_id in due:
            ran += await self.run_one(tenant_id, claim=True)
        return ran

    async def run_one(self, tenant_id: str, *, claim: bool) -> bool:
        """Fetch and import one tenant's feed and record the outcome; False when it was not due
        (another instance claimed it) or is gone."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            feed = await repository.feed(session, tenant_id, lock=True)
            if feed is None or (claim and feed.next_run_at > now):
                return False
            feed.next_run_at = now + timedelta(minutes=feed.refresh_minutes)
            url, options = (
                feed.url,
                ImportOptions(feed.source, "csv" if feed.format == "csv" else "ical", feed.default_seats),
            )
        report: ImportReport | None = None
        error: str | None = None
        try:
            data = await fetch_public(
                url,
                max_bytes=self.settings.course_feed_max_bytes,
                deadline_s=self.settings.course_feed_timeout_s,
                allow_private=self.settings.course_feed_allow_private,
                headers={"Accept": "text/calendar" if options.format == "ical" else "text/csv"},
            )
            principal = Principal(subject=SUBJECT, tenant_id=tenant_id)
            entries = await self.importer.parse(tenant_id, data, options.format, self.clock.now())
            report = await self.importer.apply(principal, entries, options, now=self.clock.now())
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every failure is the feed's outcome, never the worker's end
            error = error_code(exc)
            if error == "import_failed":
                log.warning("course feed import failed", tenant=tenant_id, error_type=type(exc).__name__)
        await self._record(tenant_id, url, report, error)
        if report is not None:
            log.info("course feed imported", tenant=tenant_id, **report.counts)
        return True

    async def _record(self, tenant_id: str, url: str, report: ImportReport | None, error: str | None) -> None:
        async with self.db.transaction() as session:
            feed = await repository.feed(session, tenant_id, lock=True)
            if feed is None or feed.url != url:
                return  # removed or pointed elsewhere meanwhile: this run says nothing about it
            feed.last_run_at = self.clock.now()
            feed.last_status = "error" if error else "ok"
            feed.last_error = error[:500] if error else None
            if report is not None:
                feed.last_report = stored_report(report)


def _fields(body: CourseFeedPut, now: datetime) -> dict[str, Any]:
    return {
        "url": body.url,
        "format": body.format,
        "source": body.source,
        "refresh_minutes": body.refresh_minutes,
        "default_seats": body.default_seats,
        "next_run_at": now,
        "updated_at": now,
    }


class CourseFeedWorker(TaskWorker):
    """Runs the due course feeds every `course_feed_check_interval_s`."""

    name = "course_feeds"

    def __init__(self, feeds: CourseFeeds, interval_s: float) -> None:
        super().__init__()
        self.feeds = feeds
        self.interval_s = interval_s
        self._wake = asyncio.Event()
        self.rounds = 0

    @classmethod
    def build(
        cls, runtime: Runtime, settings: Settings, clock: Clock, members_notifier: MembersNotifier
    ) -> CourseFeedWorker:
        """The worker with its own courses' notifier on the service's outbox, and the service's
        members notifier (it seals the members' personal fields)."""
        writers = service.Writers(
            notifier=CoursesNotifier(runtime.outbox, clock),
            members_notifier=members_notifier,
            default_country=settings.default_country,
            default_timezone=settings.default_timezone,
        )
        feeds = CourseFeeds(db=runtime.db, settings=settings, clock=clock, writers=writers)
        return cls(feeds, settings.course_feed_check_interval_s)

    def wake(self) -> None:
        """Look for due feeds now."""
        self._wake.set()

    async def run(self) -> None:
        """Wait for the interval (or a wake-up), run the due feeds; for ever."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()
            try:
                await self.feeds.run_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database hiccupped: the next round comes anyway
                log.warning("course feed round failed", error_type=type(exc).__name__)
            self.rounds += 1
