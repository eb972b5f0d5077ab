"""The courses' events (`frontdoor.members.v1`), published through the outbox in the caller's
transaction. Rows become events only here: ids and statuses, never a name, number or title."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events import members as ev
from frontdoor_common.notifier import Notifier, snapshot
from frontdoor_members.courses.models import Course, CourseSignup


def signup_event(
    kind: type[ev.CourseSignupEvent],
    signup: CourseSignup,
    *,
    position: int | None,
    dossier_entry_id: uuid.UUID | None,
    at: datetime,
    **extra: object,
) -> ev.CourseSignupEvent:
    """A sign-up event of `kind` from the row."""
    return snapshot(
        kind, signup, signup_id=signup.id, position=position, dossier_entry_id=dossier_entry_id, at=at, **extra
    )


class CoursesNotifier(Notifier):
    """Publishes members.course.signed_up, signup_cancelled, promoted and cancelled."""

    async def signed_up(
        self, session: AsyncSession, signup: CourseSignup, position: int | None, entry_id: uuid.UUID
    ) -> None:
        """members.course.signed_up"""
        event = signup_event(
            ev.CourseSignedUp, signup, position=position, dossier_entry_id=entry_id, at=signup.created_at
        )
        await self.publish(session, event, tenant=signup.tenant_id)

    async def signup_cancelled(
        self, session: AsyncSession, signup: CourseSignup, entry_id: uuid.UUID, promoted: uuid.UUID | None
    ) -> None:
        """members.course.signup_cancelled"""
        event = signup_event(
            ev.CourseSignupCancelled,
            signup,
            position=None,
            dossier_entry_id=entry_id,
            at=signup.cancelled_at or self.clock.now(),
            promoted_signup_id=promoted,
        )
        await self.publish(session, event, tenant=signup.tenant_id)

    async def promoted(self, session: AsyncSession, signup: CourseSignup, entry_id: uuid.UUID) -> None:
        """members.course.promoted"""
        event = signup_event(
            ev.CoursePromoted,
            signup,
            position=None,
            dossier_entry_id=entry_id,
            at=signup.promoted_at or self.clock.now(),
        )
        await self.publish(session, event, tenant=signup.tenant_id)

    async def course_cancelled(self, session: AsyncSession, course: Course, signups: list[ev.CancelledSignup]) -> None:
        """members.course.cancelled, listing every sign-up it affected."""
        event = ev.CourseCancelled(
            course_id=course.id,
            tenant_id=course.tenant_id,
            signups=signups,
            at=course.cancelled_at or self.clock.now(),
        )
        await self.publish(session, event, tenant=course.tenant_id)
