"""Telling a member: a notice is written (its row and members.notice.requested) in the caller's one
transaction, so it exists only if the change it tells of commits; the surveys service's SMS
gateway sends it. Withdrawing a notice not sent yet (a moved meeting's reminder) works the same
way. Never commits.

A member without a mobile number gets no notice: `tell` returns None and logs the kind and the
member's id (never a number or a text), and the caller may say so in the dossier.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events.members import NoticeKind
from frontdoor_common.logging import get_logger
from frontdoor_members.notices import repository, templates
from frontdoor_members.notices.models import MemberNotice
from frontdoor_members.notices.notifier import NoticesNotifier
from frontdoor_members.tenants import repository as tenant_settings
from frontdoor_members.tenants import service as tenants
from frontdoor_members.tenants.models import TenantZone

log = get_logger(__name__)

NO_MOBILE = "No SMS: the member has no mobile number."


@dataclass(frozen=True)
class Locale:
    """How a tenant's members read a notice: the language and the time zone."""

    language: templates.Language
    zone: ZoneInfo

    def when(self, at: datetime) -> str:
        """`at` in the tenant's zone and language."""
        return templates.when(at, self.zone, self.language)


async def locale(session: AsyncSession, tenant_id: str, default_country: str, default_timezone: str) -> Locale:
    """The tenant's language (from its country: its settings, else the one agents announced, else
    the service's default) and time zone."""
    stored = await tenant_settings.settings(session, tenant_id)
    country = stored.country if stored is not None else None
    if country is None:
        mirrored = await session.get(TenantZone, tenant_id)
        country = mirrored.country if mirrored is not None else None
    return Locale(
        templates.language(country or default_country), await tenants.zone(session, tenant_id, default_timezone)
    )


async def tell(
    session: AsyncSession,
    notifier: NoticesNotifier,
    where: Locale,
    *,
    tenant_id: str,
    member_id: uuid.UUID,
    kind: NoticeKind,
    subject_id: uuid.UUID | None,
    now: datetime,
    not_before: datetime | None = None,
    at: datetime | None = None,
    **values: object,
) -> MemberNotice | None:
    """Queue a notice of `kind` to the member's mobile from `not_before` (default: now); `at` is
    the time the text names ("when"). None when the member has no mobile number."""
    to = await repository.mobile(session, tenant_id, member_id)
    if to is None:
        log.info("notice skipped: no mobile number", kind=kind, member_id=str(member_id))
        return None
    if at is not None:
        values["when"] = where.when(at)
    notice = MemberNotice(
        tenant_id=tenant_id,
        member_id=member_id,
        kind=kind,
        subject_id=subject_id,
        to_number=to,
        body=templates.render(kind, where.language, **values),
        not_before=not_before or now,
        created_at=now,
    )
    session.add(notice)
    await session.flush()
    await notifier.requested(session, notice)
    return notice


async def withdraw(
    session: AsyncSession,
    notifier: NoticesNotifier,
    tenant_id: str,
    subject_id: uuid.UUID,
    kind: NoticeKind,
    now: datetime,
) -> int:
    """Withdraw the subject's notices of `kind` (the gateway drops those not sent yet); how many."""
    found = await repository.pending(session, tenant_id, subject_id, kind)
    for notice in found:
        notice.status, notice.withdrawn_at = "withdrawn", now
        await session.flush()
        await notifier.withdrawn(session, notice, now)
    return len(found)
