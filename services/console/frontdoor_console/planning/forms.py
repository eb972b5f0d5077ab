"""The planning forms as typed: numbers read in the user's locale, problems named by field.

A form keeps what the user typed (to show it again) and, per field, what is wrong with it:
`FieldProblem.kind` is `number` (not a number), `required` (empty), `clock` (not HH:MM),
`too_many` (more half hours than a day has) or `routing` (routing's 422 problem+json, whose
`detail` is shown as routing wrote it). The templates put each in words next to its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from babel import numbers

from frontdoor_console.clients.http import ServiceRefused

INTERVAL_SECONDS = 1800.0  # the planner's interval: the half hour
HALF_HOURS_IN_A_DAY = 48

ERLANG_FIELDS = (
    "model",
    "calls_per_interval",
    "aht_seconds",
    "target_seconds",
    "service_level",
    "patience_seconds",
    "agents",
)
DAY_FIELDS = ("start", "calls", "aht_seconds", "patience_seconds", "target_seconds", "service_level", "staffing")

ERLANG_DEFAULTS = {
    "model": "c",
    "calls_per_interval": "100",
    "aht_seconds": "180",
    "target_seconds": "20",
    "service_level": "80",
    "patience_seconds": "120",
    "agents": "",
}
DAY_DEFAULTS = {
    "start": "08:00",
    "calls": "20 35 50 60 55 45 40 50 55 45 30 20",
    "aht_seconds": "180",
    "patience_seconds": "",
    "target_seconds": "20",
    "service_level": "80",
    "staffing": "",
}


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field."""

    kind: str
    detail: str = ""
    where: str = ""  # the half hour a list's problem is in (HH:MM), if any


@dataclass
class TypedForm:
    """A submitted form: the text per field, the problems per field."""

    text: dict[str, str]
    problems: dict[str, FieldProblem] = field(default_factory=dict)

    def ok(self) -> bool:
        """No problems found."""
        return not self.problems


def typed(submitted: dict[str, str], defaults: dict[str, str]) -> TypedForm:
    """The form's fields as typed (known fields only, each cut to a sane length)."""
    return TypedForm({name: str(submitted.get(name, ""))[:4000].strip() for name in defaults})


def read_number(text: str, babel_locale: str) -> float | None:
    """A number as a user of `babel_locale` writes it (1 000,5 or 1,000.5; a plain 12.5 too), else None."""
    cleaned = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if not cleaned:
        return None
    try:
        value = float(numbers.parse_decimal(cleaned, locale=babel_locale))
    except (numbers.NumberFormatError, InvalidOperation, ValueError):
        try:
            value = float(Decimal(cleaned.replace(" ", "")))
        except (InvalidOperation, ValueError):
            return None
    return value if value == value and abs(value) != float("inf") else None


def number(form: TypedForm, name: str, babel_locale: str, *, required: bool = True) -> float | None:
    """A field's number (None when empty and optional, or when it has a problem, which is noted)."""
    text = form.text.get(name, "")
    if not text:
        if required:
            form.problems[name] = FieldProblem("required")
        return None
    value = read_number(text, babel_locale)
    if value is None:
        form.problems[name] = FieldProblem("number")
    return value


def whole(form: TypedForm, name: str, babel_locale: str, *, required: bool = True) -> int | None:
    """A field's whole number (a fraction is a problem: agents come whole)."""
    value = number(form, name, babel_locale, required=required)
    if value is None:
        return None
    if value != int(value):
        form.problems[name] = FieldProblem("whole")
        return None
    return int(value)


def clock_minutes(text: str) -> int | None:
    """Minutes since midnight of HH:MM (00:00-23:59), else None."""
    found = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text.strip())
    if not found:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2))
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


def clock_of(minutes: int) -> str:
    """HH:MM of minutes since midnight (past midnight wraps: a day plan may run late)."""
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def numbers_list(
    form: TypedForm, name: str, babel_locale: str, start_minutes: int, *, whole_numbers: bool = False
) -> list[float] | None:
    """A list of numbers, one per half hour, separated by spaces, new lines or semicolons
    (commas too where the locale's decimal sign is not a comma). None with a problem noted."""
    text = form.text.get(name, "")
    separators = r"[\s;]+" if numbers.get_decimal_symbol(babel_locale) == "," else r"[\s;,]+"
    parts = [p for p in re.split(separators, text) if p]
    if not parts:
        form.problems[name] = FieldProblem("required")
        return None
    if len(parts) > HALF_HOURS_IN_A_DAY:
        form.problems[name] = FieldProblem("too_many")
        return None
    found: list[float] = []
    for i, part in enumerate(parts):
        value = read_number(part, babel_locale)
        where = clock_of(start_minutes + 30 * i)
        if value is None:
            form.problems[name] = FieldProblem("number", part, where)
            return None
        if whole_numbers and value != int(value):
            form.problems[name] = FieldProblem("whole", part, where)
            return None
        found.append(value)
    return found


def routing_problem(form: TypedForm, refused: ServiceRefused, fields: dict[str, str], *, where: str = "") -> None:
    """Routing's refusal next to the form's field it names (`fields` maps routing's names to the
    form's; a name it does not know goes to the form as a whole, under `""`)."""
    named = refused.field or ""
    target = ""
    for prefix, form_field in fields.items():
        if named == prefix or named.startswith(prefix + "."):
            target = form_field
            break
    detail = refused.detail
    if named and detail.startswith(named + ": "):
        detail = detail[len(named) + 2 :]  # routing's validation detail repeats the field's name
    form.problems[target] = FieldProblem("routing", detail, where)
