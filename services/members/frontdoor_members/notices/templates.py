"""The notices' texts: the platform's templates per language (nb, da, nl, en), plain format strings.

A text names the course or the meeting, when (in the tenant's time zone) and where; never a
national ID, an address of the member or an agent's words. Values are single lines (`_line`), so
a title cannot smuggle a second message into the SMS.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from frontdoor_common.events.members import NoticeKind

Language = Literal["nb", "da", "nl", "en"]

LANGUAGES: dict[str, Language] = {"NO": "nb", "DK": "da", "NL": "nl"}  # the tenant's country -> language

TEXTS: dict[Language, dict[NoticeKind, str]] = {
    "nb": {
        "course_confirmed": "Du er påmeldt {title}, {when}{at_place}. Velkommen!",
        "course_waiting": "{title}, {when}, er fullt: du står som nummer {position} på ventelisten. "
        "Vi gir beskjed hvis det blir ledig plass.",
        "course_promoted": "Det er blitt ledig plass: du er nå påmeldt {title}, {when}{at_place}.",
        "course_signup_cancelled": "Du er meldt av {title}, {when}.",
        "course_cancelled": "{title}, {when}, er avlyst. Vi beklager.",
        "meeting_booked": "Du har fått time til {meeting}: {when}.",
        "meeting_rescheduled": "Timen din til {meeting} er flyttet til {when}.",
        "meeting_cancelled": "Timen din til {meeting} {when} er avlyst.",
        "meeting_reminder": "Påminnelse: du har time til {meeting} i morgen, {when}.",
        "department_address": "Send den skriftlige bekreftelsen din til {department}, {address}.",
    },
    "da": {
        "course_confirmed": "Du er tilmeldt {title}, {when}{at_place}. Velkommen!",
        "course_waiting": "{title}, {when}, er fuldt booket: du er nummer {position} på ventelisten. "
        "Vi giver besked, hvis der bliver en plads ledig.",
        "course_promoted": "Der er blevet en plads ledig: du er nu tilmeldt {title}, {when}{at_place}.",
        "course_signup_cancelled": "Du er afmeldt {title}, {when}.",
        "course_cancelled": "{title}, {when}, er aflyst. Vi beklager.",
        "meeting_booked": "Du har fået en tid til {meeting}: {when}.",
        "meeting_rescheduled": "Din tid til {meeting} er flyttet til {when}.",
        "meeting_cancelled": "Din tid til {meeting} {when} er aflyst.",
        "meeting_reminder": "Påmindelse: du har en tid til {meeting} i morgen, {when}.",
        "department_address": "Send din skriftlige bekræftelse til {department}, {address}.",
    },
    "nl": {
        "course_confirmed": "U bent ingeschreven voor {title}, {when}{at_place}. Welkom!",
        "course_waiting": "{title}, {when}, is vol: u staat op plaats {position} van de wachtlijst. "
        "We laten het u weten als er een plaats vrijkomt.",
        "course_promoted": "Er is een plaats vrijgekomen: u bent nu ingeschreven voor {title}, {when}{at_place}.",
        "course_signup_cancelled": "Uw inschrijving voor {title}, {when}, is geannuleerd.",
        "course_cancelled": "{title}, {when}, gaat niet door. Onze excuses.",
        "meeting_booked": "Uw afspraak ({meeting}) staat vast: {when}.",
        "meeting_rescheduled": "Uw afspraak ({meeting}) is verplaatst naar {when}.",
        "meeting_cancelled": "Uw afspraak ({meeting}) van {when} is geannuleerd.",
        "meeting_reminder": "Herinnering: morgen heeft u een afspraak ({meeting}), {when}.",
        "department_address": "Stuur uw schriftelijke bevestiging naar {department}, {address}.",
    },
    "en": {
        "course_confirmed": "You are signed up for {title}, {when}{at_place}. Welcome!",
        "course_waiting": "{title}, {when}, is full: you are number {position} on the waiting list. "
        "We will tell you if a seat frees up.",
        "course_promoted": "A seat has freed up: you are now signed up for {title}, {when}{at_place}.",
        "course_signup_cancelled": "Your sign-up for {title}, {when}, is cancelled.",
        "course_cancelled": "{title}, {when}, is cancelled. We are sorry.",
        "meeting_booked": "Your {meeting} is booked: {when}.",
        "meeting_rescheduled": "Your {meeting} has moved to {when}.",
        "meeting_cancelled": "Your {meeting} on {when} is cancelled.",
        "meeting_reminder": "Reminder: your {meeting} is tomorrow, {when}.",
        "department_address": "Please send your written confirmation to {department}, {address}.",
    },
}

# A meeting kind's readable name by its code (the events carry the code only); others: "meeting".
MEETINGS: dict[Language, dict[str, str]] = {
    "nb": {"cv": "CV-samtale", "availability": "disponibilitetssamtale", "": "møte"},
    "da": {"cv": "CV-samtale", "availability": "rådighedssamtale", "": "møde"},
    "nl": {"cv": "cv-gesprek", "availability": "beschikbaarheidsgesprek", "": "gesprek"},
    "en": {"cv": "CV meeting", "availability": "availability meeting", "": "meeting"},
}

_AT = {"nb": "kl.", "da": "kl.", "nl": "om", "en": "at"}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def language(country: str | None) -> Language:
    """The language of a tenant in `country` (English for any other)."""
    return LANGUAGES.get((country or "").upper(), "en")


def when(at: datetime, zone: ZoneInfo, lang: Language) -> str:
    """`at` as the member reads it, in the tenant's time zone: "3.12.2026 kl. 10:00"."""
    local = at.astimezone(zone)
    clock = f"{local:%H.%M}" if lang == "da" else f"{local:%H:%M}"
    if lang == "en":
        day = f"{local.day} {_MONTHS_EN[local.month - 1]} {local.year}"
    elif lang == "nl":
        day = f"{local.day}-{local.month}-{local.year}"
    else:
        day = f"{local.day}.{local.month}.{local.year}"
    return f"{day} {_AT[lang]} {clock}"


def meeting_name(code: str, lang: Language) -> str:
    """A meeting kind's readable name: CV and availability meetings by name, others as a meeting."""
    names = MEETINGS[lang]
    wanted = code.strip().casefold()
    for key, name in names.items():
        if key and (wanted == key or wanted.startswith(key + "_") or wanted.startswith(key + "-")):
            return name
    return names[""]


def _line(value: object) -> str:
    """One line, at most 200 characters (titles and places are the tenant's, but still input)."""
    return " ".join(str(value).split())[:200]


def render(kind: NoticeKind, lang: Language, **values: object) -> str:
    """The text of a notice of `kind` in `lang`; `place` (optional) becomes ", <place>"."""
    place = values.pop("place", None)
    fields = {name: _line(value) for name, value in values.items()}
    fields["at_place"] = f", {_line(place)}" if place else ""
    return TEXTS[lang][kind].format_map(_Missing(fields))


class _Missing(dict[str, str]):
    """Leaves a value the caller did not give as empty rather than failing the caller's change."""

    def __missing__(self, key: str) -> str:
        return ""
