"""The survey policy as pure rules: which contact gets a survey, and when the SMS may go.

No I/O; the time is an argument. The service loads the policy and the member's history
and asks `decide`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as phone_timezone

from frontdoor_surveys.conversation.texts import language_or_default

# Numbers phonenumbers cannot tell apart (Denmark, the US) are FIXED_LINE_OR_MOBILE: they may take SMS.
SMS_CAPABLE = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
_REGION_LANGUAGE = {"DK": "da", "NO": "no", "SJ": "no", "NL": "nl", "BE": "nl", "GB": "en", "IE": "en", "US": "en"}


@dataclass(frozen=True)
class Policy:
    """A tenant's survey policy (these defaults apply to a tenant that set none)."""

    enabled: bool = True
    require_answered: bool = True
    require_not_transferred: bool = True
    require_resolved: bool = True
    require_member: bool = True
    require_mobile: bool = True
    include_callbacks: bool = True
    min_days_between: int = 30
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    time_zone: str = "Europe/Oslo"
    country: str = "NO"
    default_language: str = "en"
    expiry_hours: float = 24.0
    target: float = 85.0

    @property
    def expiry(self) -> timedelta:
        """How long a survey waits for an answer."""
        return timedelta(hours=self.expiry_hours)


@dataclass(frozen=True)
class Contact:
    """The facts of a finished call or callback that the policy looks at."""

    source: Literal["call", "callback"]
    number: str | None
    member_id: uuid.UUID | None
    answered: bool
    transferred: bool
    resolution: str | None  # None: unknown (a callback completed outside routing)
    language: str | None = None


@dataclass(frozen=True)
class Decision:
    """Survey or not (with the reason why not), to which number, in which language."""

    survey: bool
    reason: str | None = None
    number: str | None = None
    language: str = "en"


def normalize_number(raw: str | None, region: str) -> str | None:
    """E.164 for a valid number (local formats read in the tenant's country), else None."""
    if not raw:
        return None
    try:
        parsed = phonenumbers.parse(raw, region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """Whether phonenumbers' number type says the number can be a mobile."""
    try:
        return phonenumbers.number_type(phonenumbers.parse(e164, None)) in SMS_CAPABLE
    except phonenumbers.NumberParseException:
        return False


def language_for(language: str | None, number: str | None, default: str) -> str:
    """The call's language if supported, else the number's country's, else the tenant's default."""
    if language:
        chosen = language_or_default(language, default="")
        if chosen:
            return chosen
    if number:
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
        except phonenumbers.NumberParseException:
            region = None
        if region in _REGION_LANGUAGE:
            return _REGION_LANGUAGE[region]
    return language_or_default(default)


def member_time_zone(number: str | None, fallback: str) -> str:
    """The number's time zone when its country has exactly one, else the tenant's."""
    if number:
        try:
            zones = phone_timezone.time_zones_for_number(phonenumbers.parse(number, None))
        except phonenumbers.NumberParseException:
            zones = ()
        if len(zones) == 1 and zones[0] != "Etc/Unknown":
            try:
                ZoneInfo(zones[0])
                return str(zones[0])
            except (ZoneInfoNotFoundError, ValueError):
                pass
    return fallback


def decide(
    contact: Contact, policy: Policy, *, opted_out: bool, last_surveyed_at: datetime | None, now: datetime
) -> Decision:
    """Whether this contact gets a survey under `policy`; the first rule that says no is the reason."""
    number = normalize_number(contact.number, policy.country)
    language = language_for(contact.language, number, policy.default_language)

    def no(reason: str) -> Decision:
        return Decision(False, reason, number, language)

    if not policy.enabled:
        return no("disabled")
    if contact.source == "callback" and not policy.include_callbacks:
        return no("callbacks_excluded")
    if policy.require_answered and not contact.answered:
        return no("not_answered")
    if policy.require_not_transferred and contact.transferred:
        return no("transferred")
    if policy.require_resolved and contact.resolution is not None and contact.resolution != "resolved":
        return no("not_resolved")
    if policy.require_member and contact.member_id is None:
        return no("no_member")
    if number is None:
        return no("no_number")
    if policy.require_mobile and not is_mobile(number):
        return no("not_mobile")
    if opted_out:
        return no("opted_out")
    if last_surveyed_at is not None and now - last_surveyed_at < timedelta(days=policy.min_days_between):
        return no("recently_surveyed")
    return Decision(True, None, number, language)


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """Whether a local wall-clock time falls in the quiet window [start, end) (may span midnight)."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_send_time(now: datetime, time_zone: str, quiet_start: time, quiet_end: time) -> datetime:
    """`now` outside quiet hours, else the end of the quiet hours (the morning), in UTC."""
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    if not in_quiet_hours(local.time().replace(tzinfo=None), quiet_start, quiet_end):
        return now.astimezone(UTC)
    day: date = local.date()
    if quiet_start > quiet_end and local.time().replace(tzinfo=None) >= quiet_start:
        day = day + timedelta(days=1)  # after the evening start: the morning is tomorrow
    morning = datetime.combine(day, quiet_end, tzinfo=zone)
    return morning.astimezone(UTC)


def parse_clock(value: str) -> time:
    """'HH:MM' -> time (raises ValueError)."""
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))
