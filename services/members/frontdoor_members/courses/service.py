"""Courses and sign-ups: the catalogue, signing up in the call, the waiting list, cancellations.

Every change of seats happens with the course's row locked (FOR UPDATE on PostgreSQL; SQLite
serialises writers with BEGIN IMMEDIATE), so two agents taking the last seat at once give one
confirmed sign-up and one waiting, and each freed seat promotes exactly one waiting member.
Each change writes a dossier entry of kind `course` for the member (`dossier.add`, so its event
goes out; its own kind keeps the system's words out of the keyword trends), a course event and
the member's notice by SMS (`notices`: confirmed, waiting, moved up, cancelled; none without a
mobile number), in the caller's one transaction (never commits).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_common.events import members as ev
from frontdoor_common.events.members import NoticeKind
from frontdoor_members.courses import repository
from frontdoor_members.courses.models import Course, CourseSignup
from frontdoor_members.courses.notifier import CoursesNotifier
from frontdoor_members.courses.schemas import CourseCreate, CourseUpdate, SignupCreate
from frontdoor_members.dossier import service as dossier
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.members import repository as members
from frontdoor_members.members.models import Member
from frontdoor_members.notices import service as notices
from frontdoor_members.notices.notifier import NoticesNotifier
from frontdoor_members.notifier import MembersNotifier
from frontdoor_members.tenants import repository as departments
from frontdoor_members.tenants import service as tenants

NOT_ATTENDING = ("left", "transferred")  # no longer the union's members


@dataclass(frozen=True)
class Writers:
    """What a change writes with: the courses' notifier, the dossier's, and the tenant defaults."""

    notifier: CoursesNotifier
    members_notifier: MembersNotifier
    default_country: str
    default_timezone: str

    @property
    def notices(self) -> NoticesNotifier:
        """The notices' notifier, on the members notifier's outbox and clock."""
        return NoticesNotifier.beside(self.members_notifier)


async def _check_departments(session: AsyncSession, tenant_id: str, ids: list[uuid.UUID]) -> list[str]:
    for department_id in ids:
        if await departments.department(session, tenant_id, department_id) is None:
            raise InvalidInput(
                "department_ids: not one of the tenant's departments.",
                error_id="department_not_found",
                field="department_ids",
            )
    return [str(d) for d in dict.fromkeys(ids)]


def _check_times(starts_at: datetime, ends_at: datetime, signup_deadline: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidInput("ends_at: must be after starts_at.", error_id="ends_before_start", field="ends_at")
    if signup_deadline > starts_at:
        raise InvalidInput(
            "signup_deadline: must be at the latest starts_at.",
            error_id="deadline_after_start",
            field="signup_deadline",
        )


async def create_course(session: AsyncSession, tenant_id: str, body: CourseCreate, *, now: datetime) -> Course:
    """Add a course to the tenant's catalogue; 422 naming the field for times out of order or a
    department not the tenant's."""
    _check_times(body.starts_at, body.ends_at, body.signup_deadline)
    course = Course(
        tenant_id=tenant_id,
        title=body.title,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        place=body.place,
        seats=body.seats,
        signup_deadline=body.signup_deadline,
        department_ids=await _check_departments(session, tenant_id, body.department_ids),
        created_at=now,
        updated_at=now,
    )
    session.add(course)
    await session.flush()
    return course


async def require_course(session: AsyncSession, tenant_id: str, course_id: uuid.UUID, *, lock: bool = False) -> Course:
    """The tenant's course (404 otherwise, another tenant's included)."""
    found = await repository.course(session, tenant_id, course_id, lock=lock)
    if found is None:
        raise NotFound("No such course.", error_id="course_not_found")
    return found


async def courses(
    session: AsyncSession, tenant_id: str, *, start: datetime, end: datetime | None, offset: int, limit: int
) -> list[tuple[Course, int]]:
    """A page of the tenant's courses starting from `start` (before `end`), the soonest first, with how many wait."""
    rows = await repository.courses(session, tenant_id, start=start, end=end, offset=offset, limit=limit)
    return await with_waiting(session, rows)


async def with_waiting(session: AsyncSession, rows: list[Course]) -> list[tuple[Course, int]]:
    """The courses with how many wait on each."""
    counts = await repository.waiting_counts(session, [c.id for c in rows])
    return [(c, counts.get(c.id, 0)) for c in rows]


async def _note(
    session: AsyncSession, principal: Principal, writers: Writers, member_id: uuid.UUID, summary: str, now: datetime
) -> DossierEntry:
    """A `course` entry in the member's dossier (reason `courses` when the tenant has that reason).

    Its own kind, like membership changes: the words are the system's, not an agent's, so the
    keyword trends (which read agents' log entries and remarks) leave them out, and the dossier
    can be filtered to courses."""
    rules = await tenants.rules(session, principal.tenant_id, writers.default_country)
    member = await members.require(session, principal.tenant_id, member_id)
    return await dossier.add(
        session,
        writers.members_notifier,
        member,
        now=now,
        kind="course",
        author=principal.subject,
        summary=summary,
        reason="courses" if "courses" in rules.reasons else None,
    )


async def _when(session: AsyncSession, course: Course, writers: Writers) -> str:
    zone = await tenants.zone(session, course.tenant_id, writers.default_timezone)
    return f"'{course.title}' on {course.starts_at.astimezone(zone):%Y-%m-%d %H:%M}"


async def _tell(
    session: AsyncSession,
    writers: Writers,
    course: Course,
    member_id: uuid.UUID,
    kind: NoticeKind,
    now: datetime,
    *,
    position: int | None = None,
) -> None:
    """The member's SMS about the course (in the tenant's language and time zone)."""
    where = await notices.locale(session, course.tenant_id, writers.default_country, writers.default_timezone)
    await notices.tell(
        session,
        writers.notices,
        where,
        tenant_id=course.tenant_id,
        member_id=member_id,
        kind=kind,
        subject_id=course.id,
        now=now,
        at=course.starts_at,
        title=course.title,
        place=course.place,
        position=position,
    )


async def _promote(
    session: AsyncSession, principal: Principal, writers: Writers, course: Course, *, now: datetime
) -> list[CourseSignup]:
    """Give the course's free seats to the first waiting, in order (the caller holds the course's lock)."""
    free = course.seats - course.seats_taken
    if free <= 0:
        return []
    promoted = await repository.first_waiting(session, course.id, free)
    when = await _when(session, course, writers)
    for signup in promoted:
        signup.status, signup.confirmed_at, signup.promoted_at = "confirmed", now, now
        course.seats_taken += 1
        await session.flush()
        entry = await _note(
            session, principal, writers, signup.member_id, f"Moved up from the waiting list: a seat at {when}.", now
        )
        await writers.notifier.promoted(session, signup, entry.id)
        await _tell(session, writers, course, signup.member_id, "course_promoted", now)
    return promoted


async def update_course(
    session: AsyncSession,
    principal: Principal,
    writers: Writers,
    course_id: uuid.UUID,
    body: CourseUpdate,
    *,
    now: datetime,
) -> Course:
    """Change the given fields; 409 for a cancelled course; 422 naming the field for times out of
    order, a department not the tenant's, or fewer seats than confirmed sign-ups. More seats go
    to the waiting list's first."""
    course = await require_course(session, principal.tenant_id, course_id, lock=True)
    if course.status == "cancelled":
        raise Conflict("The course is cancelled.", error_id="course_cancelled")
    changes = body.model_dump(exclude_unset=True)
    _check_times(
        changes.get("starts_at", course.starts_at),
        changes.get("ends_at", course.ends_at),
        changes.get("signup_deadline", course.signup_deadline),
    )
    if "seats" in changes and changes["seats"] < course.seats_taken:
        raise InvalidInput(
            f"seats: {course.seats_taken} members have a seat; cancel sign-ups first.",
            error_id="seats_below_taken",
            field="seats",
        )
    if "department_ids" in changes:
        changes["department_ids"] = await _check_departments(session, principal.tenant_id, body.department_ids)
    for name, value in changes.items():
        setattr(course, name, value)
    course.updated_at = now
    await session.flush()
    await _promote(session, principal, writers, course, now=now)
    return course


async def cancel_course(
    session: AsyncSession, principal: Principal, writers: Writers, course_id: uuid.UUID, *, now: datetime
) -> Course:
    """Cancel the course: everyone confirmed or waiting gets a dossier entry and the event lists
    them; cancelling again changes nothing and tells nobody twice."""
    course = await require_course(session, principal.tenant_id, course_id, lock=True)
    if course.status == "cancelled":
        return course
    course.status, course.cancelled_at, course.updated_at = "cancelled", now, now
    course.seats_taken = 0
    affected = await repository.active_signups(session, course.id)
    when = await _when(session, course, writers)
    told: list[ev.CancelledSignup] = []
    for signup in affected:
        was = signup.status
        signup.status, signup.cancelled_at = "course_cancelled", now
        await session.flush()
        entry = await _note(
            session,
            principal,
            writers,
            signup.member_id,
            f"The course {when} was cancelled (the member was {was}).",
            now,
        )
        told.append(
            ev.CancelledSignup(
                signup_id=signup.id,
                member_id=signup.member_id,
                was="confirmed" if was == "confirmed" else "waiting",
                dossier_entry_id=entry.id,
            )
        )
        await _tell(session, writers, course, signup.member_id, "course_cancelled", now)
    await session.flush()
    await writers.notifier.course_cancelled(session, course, told)
    return course


def _may_attend(member: Member, course: Course) -> bool:
    if member.status in NOT_ATTENDING:
        return False
    return not course.department_ids or str(member.department_id) in course.department_ids


async def sign_up(
    session: AsyncSession,
    principal: Principal,
    writers: Writers,
    course_id: uuid.UUID,
    body: SignupCreate,
    *,
    now: datetime,
) -> tuple[CourseSignup, Course, int | None]:
    """Sign the member up: confirmed with a free seat, else waiting (with its position), or 409
    course_full when `waitlist` is false. 404 for another tenant's course or member; 409
    already_signed_up; 422 naming the field for a cancelled course (`course_id`), a deadline
    passed (`signup_deadline`) or a member who may not attend (`member_id`)."""
    member = await members.get(session, principal.tenant_id, body.member_id)
    if member is None:
        raise NotFound("No such member.", error_id="member_not_found", field="member_id")
    course = await require_course(session, principal.tenant_id, course_id, lock=True)
    if course.status == "cancelled":
        raise InvalidInput("course_id: the course is cancelled.", error_id="course_cancelled", field="course_id")
    if now > course.signup_deadline:
        raise InvalidInput(
            "signup_deadline: sign-ups for this course have closed.",
            error_id="signup_deadline_passed",
            field="signup_deadline",
        )
    if not _may_attend(member, course):
        raise InvalidInput(
            "member_id: the course is not open to this member (department or membership status).",
            error_id="not_open_to_member",
            field="member_id",
        )
    existing = await repository.active_signup(session, course.id, member.id)
    if existing is not None:
        raise Conflict(
            "The member is already signed up for this course.",
            error_id="already_signed_up",
            signup_id=str(existing.id),
            signup_status=existing.status,
        )
    waiting = await repository.waiting_counts(session, [course.id])
    full = course.seats_taken >= course.seats or waiting.get(course.id, 0) > 0
    if full and not body.waitlist:
        raise Conflict(
            "The course is full; the member can go on the waiting list.",
            error_id="course_full",
            waiting_position=waiting.get(course.id, 0) + 1,
        )
    signup = CourseSignup(
        tenant_id=principal.tenant_id,
        course_id=course.id,
        member_id=member.id,
        author=principal.subject,
        created_at=now,
        status="confirmed",
    )
    if full:
        course.waiting_seq += 1
        signup.status, signup.queue_number = "waiting", course.waiting_seq
    else:
        course.seats_taken += 1
        signup.confirmed_at = now
    session.add(signup)
    await session.flush()
    position = await repository.position(session, signup)
    when = await _when(session, course, writers)
    summary = (
        f"Signed up for {when}: a seat is confirmed."
        if position is None
        else f"Signed up for {when}: the course is full, on the waiting list at position {position}."
    )
    entry = await _note(session, principal, writers, member.id, summary, now)
    await writers.notifier.signed_up(session, signup, position, entry.id)
    if position is None:
        await _tell(session, writers, course, member.id, "course_confirmed", now)
    else:
        await _tell(session, writers, course, member.id, "course_waiting", now, position=position)
    return signup, course, position


async def require_signup(session: AsyncSession, tenant_id: str, signup_id: uuid.UUID) -> CourseSignup:
    """The tenant's sign-up (404 otherwise, another tenant's included)."""
    found = await repository.signup(session, tenant_id, signup_id)
    if found is None:
        raise NotFound("No such sign-up.", error_id="signup_not_found")
    return found


async def cancel_signup(
    session: AsyncSession, principal: Principal, writers: Writers, signup_id: uuid.UUID, *, now: datetime
) -> tuple[CourseSignup, Course, CourseSignup | None]:
    """Cancel the member's sign-up; a freed seat goes to the first on the waiting list (returned).
    Cancelling again, or a sign-up whose course was cancelled, changes nothing."""
    found = await require_signup(session, principal.tenant_id, signup_id)
    course = await require_course(session, principal.tenant_id, found.course_id, lock=True)
    signup = await repository.signup(session, principal.tenant_id, signup_id, fresh=True)  # as of the lock
    assert signup is not None  # sign-ups are never deleted but with their course, which is locked
    if signup.status not in repository.ACTIVE:
        return signup, course, None
    had_seat = signup.status == "confirmed"
    signup.status, signup.cancelled_at, signup.queue_number = "cancelled", now, None
    if had_seat:
        course.seats_taken -= 1
    await session.flush()
    when = await _when(session, course, writers)
    entry = await _note(session, principal, writers, signup.member_id, f"Sign-up for {when} cancelled.", now)
    await _tell(session, writers, course, signup.member_id, "course_signup_cancelled", now)
    promoted = await _promote(session, principal, writers, course, now=now) if had_seat else []
    first = promoted[0] if promoted else None
    await writers.notifier.signup_cancelled(session, signup, entry.id, first.id if first else None)
    return signup, course, first


async def member_signups(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, *, offset: int, limit: int
) -> list[tuple[CourseSignup, Course, int | None]]:
    """The member's sign-ups, newest first, with their course and waiting position (404 for no such member)."""
    member = await members.require(session, tenant_id, member_id)
    rows = await repository.member_signups(session, tenant_id, member.id, offset=offset, limit=limit)
    found = await repository.courses_by_id(session, tenant_id, list({s.course_id for s in rows}))
    return [(s, found[s.course_id], await repository.position(session, s)) for s in rows]
