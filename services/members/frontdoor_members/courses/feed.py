"""Importing a course feed (iCalendar or CSV) into the tenant's catalogue.

Each entry has a stable uid in the course system; a course is found again by (tenant, source, uid)
(a unique index: two imports of the same feed at once cannot both create it; the one that loses
the race is run again and finds the other's courses). New → created; changed since the last import
(a hash of the entry) → updated, through the catalogue's own update (so more seats move the
waiting up); marked cancelled → cancelled through the catalogue's cancel (everyone signed up is
told). An entry that cannot be applied as it stands (fewer seats than confirmed sign-ups, a
department the tenant does not have, a course cancelled here that the feed has open) is refused
with the field and the reason and nothing of it is applied; the others go ahead. A course the
feed no longer lists is left as it is and reported `missing` (a complete feed only). The document
is parsed before any transaction, off the event loop (courses/feed_parse.py), and applied
`CHUNK` entries to a transaction: each entry whole or not at all; a failure half-way (the database
gone) leaves the chunks before it applied, and importing the same feed again completes it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.db import Database
from frontdoor_common.errors import Conflict, InvalidInput, ServiceError
from frontdoor_common.logging import get_logger
from frontdoor_members.courses import repository, service
from frontdoor_members.courses.feed_parse import Bounds, FeedEntry, FeedInvalid, Format, parse_bounded
from frontdoor_members.courses.models import Course
from frontdoor_members.courses.schemas import (
    CourseCreate,
    CourseUpdate,
    EntryOutcome,
    ImportReport,
    MissingCourse,
)
from frontdoor_members.settings import Settings
from frontdoor_members.tenants import service as tenants

log = get_logger(__name__)

MAX_MISSING = 500
ATTEMPTS = 3  # a lost race on the unique index is run again; a third loss is a 409
# Entries per transaction: SQLite has one writer at a time, and sign-ups in calls must not wait
# seconds behind a big import (a chunk of 50 new courses took 0.2-0.6 s on the shared 2-core machine).
CHUNK = 50
SQLITE_YIELD_S = 0.06


@dataclass(frozen=True)
class ImportOptions:
    """How to import: the source's name, the seats of an entry without any, whether the feed is complete."""

    source: str
    format: Format
    default_seats: int | None = None
    complete: bool = True


def invalid(exc: FeedInvalid) -> InvalidInput:
    """The 422 for a document that cannot be imported: the line or event, the uid and the field."""
    extra: dict[str, Any] = {"reason": exc.code}
    if exc.where:
        extra["where"] = exc.where
    if exc.uid:
        extra["uid"] = exc.uid
    prefix = ", ".join(p for p in (exc.where, f"uid {exc.uid!r}" if exc.uid else None) if p)
    return InvalidInput(
        f"{prefix}: {exc.detail}" if prefix else exc.detail,
        error_id="feed_invalid",
        field=exc.field or "body",
        **extra,
    )


def _refused(entry: FeedEntry, course: Course | None, field: str | None, reason: str) -> EntryOutcome:
    return EntryOutcome(
        uid=entry.uid,
        where=entry.where,
        outcome="refused",
        course_id=course.id if course else None,
        field=field,
        reason=reason[:500],
    )


def _changes(course: Course, entry: FeedEntry, seats: int | None, departments: list[uuid.UUID]) -> dict[str, Any]:
    wanted: dict[str, Any] = {
        "title": entry.title,
        "starts_at": entry.starts_at,
        "ends_at": entry.ends_at,
        "place": entry.place,
        "signup_deadline": entry.signup_deadline or entry.starts_at,
        "department_ids": departments,
    }
    if seats is not None:
        wanted["seats"] = seats
    current = {**course.model_dump(), "department_ids": [uuid.UUID(d) for d in course.department_ids]}
    return {k: v for k, v in wanted.items() if current.get(k) != v}


class Importer:
    """Applies a parsed feed to a tenant's catalogue in transactions of its own, `CHUNK` entries each
    (a chunk is run again whole when it loses a race with another import of the same feed)."""

    def __init__(self, db: Database, settings: Settings, writers: service.Writers) -> None:
        self.db = db
        self.settings = settings
        self.writers = writers

    async def parse(self, tenant_id: str, data: bytes, fmt: Format, now: datetime) -> list[FeedEntry]:
        """The document's entries (FeedInvalid otherwise), parsed off the event loop within the budget."""
        async with self.db.snapshot() as session:
            tz = await tenants.zone(session, tenant_id, self.settings.default_timezone)
        bounds = Bounds(
            tz=tz,
            now=now,
            horizon=timedelta(days=self.settings.course_feed_horizon_days),
            max_entries=self.settings.course_feed_max_entries,
        )
        return await parse_bounded(data, fmt, bounds, budget_s=self.settings.course_feed_parse_budget_s)

    async def run(self, principal: Principal, data: bytes, options: ImportOptions, *, now: datetime) -> ImportReport:
        """Parse and apply the document: the report (422 `feed_invalid` for a malformed document, nothing applied)."""
        try:
            entries = await self.parse(principal.tenant_id, data, options.format, now)
        except FeedInvalid as exc:
            raise invalid(exc) from None
        return await self.apply(principal, entries, options, now=now)

    async def apply(
        self, principal: Principal, entries: list[FeedEntry], options: ImportOptions, *, now: datetime
    ) -> ImportReport:
        """Apply parsed entries, `CHUNK` to a transaction (each run again when another import created
        one of its courses meanwhile); then compare the source's upcoming courses with the feed."""
        outcomes: list[EntryOutcome] = []
        for start in range(0, len(entries), CHUNK):
            if start and self.db.dialect == "sqlite":
                # SQLite's writers wait for the lock polling every 50 ms at most: without a pause the
                # next chunk would take it again at once, and a sign-up would wait for the whole import
                await asyncio.sleep(SQLITE_YIELD_S)
            outcomes += await self._apply_chunk(principal, entries[start : start + CHUNK], options, now)
        missing: list[MissingCourse] = []
        missing_count = 0
        if options.complete:
            listed = {e.uid for e in entries}
            async with self.db.snapshot() as session:
                upcoming = await repository.upcoming_imported(
                    session, principal.tenant_id, options.source, start=now, limit=options_limit(len(listed))
                )
            gone = [(i, u) for i, u in upcoming if u not in listed]
            missing_count = len(gone)
            missing = [MissingCourse(uid=u, course_id=i) for i, u in gone[:MAX_MISSING]]
        counts = {k: 0 for k in ("created", "updated", "unchanged", "cancelled", "refused")}
        for outcome in outcomes:
            counts[outcome.outcome] += 1
        counts["missing"] = missing_count
        return ImportReport(
            source=options.source,
            format=options.format,
            entries=len(entries),
            counts=counts,
            outcomes=outcomes,
            missing=missing,
        )

    async def _apply_chunk(
        self, principal: Principal, entries: list[FeedEntry], options: ImportOptions, now: datetime
    ) -> list[EntryOutcome]:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self.db.transaction() as session:
                    return await apply_entries(session, principal, self.writers, entries, options, now=now)
            except IntegrityError:
                log.info("course import lost a race; running it again", attempt=attempt)
        raise Conflict("Another import of the same feed keeps changing it; try again.", error_id="import_conflict")


async def apply_entries(
    session: AsyncSession,
    principal: Principal,
    writers: service.Writers,
    entries: list[FeedEntry],
    options: ImportOptions,
    *,
    now: datetime,
) -> list[EntryOutcome]:
    """Upsert each entry by (tenant, source, uid) in the caller's transaction; their outcomes."""
    tenant_id = principal.tenant_id
    departments = await repository.department_keys(session, tenant_id)
    existing = await repository.imported(session, tenant_id, options.source, [e.uid for e in entries])
    return [
        await _apply_one(session, principal, writers, entry, existing.get(entry.uid), departments, options, now)
        for entry in entries
    ]


def options_limit(listed: int) -> int:
    """How many upcoming courses of the source to compare with the feed (all that could be listed, and the missing)."""
    return listed + 10 * MAX_MISSING


async def _apply_one(
    session: AsyncSession,
    principal: Principal,
    writers: service.Writers,
    entry: FeedEntry,
    course: Course | None,
    departments: dict[str, uuid.UUID],
    options: ImportOptions,
    now: datetime,
) -> EntryOutcome:
    digest = entry.digest()
    unknown = [d for d in entry.departments if d.lower() not in departments]
    if unknown:
        return _refused(entry, course, "departments", f"not one of the tenant's departments: {unknown[0]!r}")
    department_ids = list(dict.fromkeys(departments[d.lower()] for d in entry.departments))
    seats = entry.seats if entry.seats is not None else options.default_seats
    base = {"uid": entry.uid, "where": entry.where}
    if course is None:
        if entry.cancelled:
            return EntryOutcome(**base, outcome="unchanged", reason="cancelled in the feed, never imported")
        if seats is None:
            return _refused(entry, None, "seats", "the entry gives no seats and the import no default_seats")
        try:
            body = CourseCreate(
                title=entry.title,
                starts_at=entry.starts_at,
                ends_at=entry.ends_at,
                place=entry.place,
                seats=seats,
                signup_deadline=entry.signup_deadline or entry.starts_at,
                department_ids=department_ids,
            )
            created = await service.create_course(session, principal.tenant_id, body, now=now)
        except ValidationError as exc:
            first = exc.errors()[0]
            return _refused(entry, None, ".".join(str(p) for p in first["loc"]) or None, first["msg"])
        except ServiceError as exc:
            return _refused(entry, None, exc.field, exc.detail)
        created.source, created.external_uid, created.import_hash = options.source, entry.uid, digest
        await session.flush()  # the unique index decides a race with another import here
        return EntryOutcome(**base, outcome="created", course_id=created.id)
    if course.import_hash == digest:
        return EntryOutcome(**base, outcome="unchanged", course_id=course.id)
    if entry.cancelled:
        if course.status == "cancelled":
            course.import_hash = digest
            return EntryOutcome(**base, outcome="unchanged", course_id=course.id)
        await service.cancel_course(session, principal, writers, course.id, now=now)
        course.import_hash = digest
        await session.flush()
        return EntryOutcome(**base, outcome="cancelled", course_id=course.id)
    if course.status == "cancelled":
        return _refused(entry, course, "status", "the course is cancelled here; the feed has it open")
    changes = _changes(course, entry, seats, department_ids)
    if "seats" in changes and changes["seats"] < course.seats_taken:
        return _refused(
            entry, course, "seats", f"{course.seats_taken} members have a seat; the feed gives {changes['seats']}"
        )
    if changes:
        try:
            await service.update_course(session, principal, writers, course.id, CourseUpdate(**changes), now=now)
        except ValidationError as exc:
            first = exc.errors()[0]
            return _refused(entry, course, ".".join(str(p) for p in first["loc"]) or None, first["msg"])
        except ServiceError as exc:  # the catalogue's own checks, before it changes anything
            return _refused(entry, course, exc.field, exc.detail)
    course.import_hash = digest
    await session.flush()
    if not changes:
        return EntryOutcome(**base, outcome="unchanged", course_id=course.id)
    return EntryOutcome(**base, outcome="updated", course_id=course.id, fields=sorted(changes))
