"""`python -m frontdoor_devtools.records` (`make records`): write the records of processing (GDPR art. 30).

The source of truth is hand-written, one file per service (`docs/processing/<service>.yaml`):
for every table, why it is kept, whose data it holds, which columns hold which personal data,
the legal basis, how long it is kept, and which REST endpoints expose it; for the service's
events, which fields carry personal data. This module reads those files *against the live
code* (each service's table metadata, its routes and their `require(...)` scopes, the event
classes) and renders `docs/records-of-processing.md`. `check()` lists every way the files and
the code disagree; `libs/devtools/tests/test_records.py` keeps it empty and the document current.
"""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
import re
import sys
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy import Table, Text

SERVICES = ("routing", "members", "agents", "callbacks", "surveys", "console")
ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "docs" / "processing"
DOCUMENT = ROOT / "docs" / "records-of-processing.md"

# A column or event field whose name matches this may hold personal data: it must be classified,
# as a category below or as `{not_personal: why}`. Text columns (free text) must be classified too.
PERSONAL_NAME = re.compile(
    r"phone|number|e164|name|email|address|national_id|(^|_)text(_encrypted)?$|body|summary|note|subject"
    r"|comment$|answers?$|title|employer|workplace|city|postal|grantee|sender|author|_by$|member_ids?$"
    r"|(^|_)agent(_id)?$|counsellor|caller|contact$|keywords?$|place|presence_reason|blocked_reason|ics$|^to$"
)

# The categories of personal data a column or event field may be classified as.
CATEGORIES = {
    "name": "a person's name",
    "phone number": "a telephone number (E.164 or as dialled)",
    "national ID (encrypted)": "the national ID, encrypted at rest (Fernet, rotatable keys: MEMBERS_DATA_KEYS)",
    "national ID (masked)": "the national identity number with most digits hidden",
    "national ID (digest)": "a keyed digest of the national identity number (for lookup, not reversible)",
    "address": "a postal address or a part of one",
    "email": "an email address",
    "free text": "text written by a member, a caller or staff (may contain anything, special categories too)",
    "free text (encrypted)": "free text encrypted at rest",
    "member number": "the union's membership number",
    "member reference": "the member's id (pseudonymous; links the row to a member)",
    "staff reference": "a staff member's id (pseudonymous; links the row to a colleague)",
    "staff identity": "a staff member's sign-in subject or name as recorded by the service",
    "employment": "employer or workplace",
    "financial": "dues invoices: amounts, payment reference (KID), paid or not",
    "absence reason": "why a colleague is away (may reveal health, e.g. sick leave)",
    "survey answers": "a member's scores and opinion of a contact",
    "online identifier": "a session or sign-in secret's digest, a token bound to a person",
    "calendar": "a colleague's appointments (titles, times)",
    "message metadata": "sender, subject, headers of a member's mail",
    "membership data": "status, category, dates of joining and leaving, insurances, roles in the union",
    "event payload": "an event's JSON, carrying the personal fields listed under the service's events",
}

SUBJECTS = {"members", "callers", "staff"}
STAFF_CATEGORIES = {"staff reference", "staff identity", "absence reason", "calendar"}

ART9 = "trade-union membership (GDPR art. 9): the row exists because the person is a member of the union"


class RecordsError(Exception):
    """A source file that cannot be read as a record."""


# --- The live code: tables, routes, events -------------------------------------------------------


@cache
def tables(service: str) -> dict[str, Table]:
    """Every table of the service's database, by name: its metadata with every `models`/`tables`
    module imported (as Alembic's environment sees it), plus the bus's outbox and inbox."""
    from frontdoor_common.bus.tables import BUS_METADATA
    from frontdoor_common.privacy.tables import PRIVACY_METADATA

    package = importlib.import_module(f"frontdoor_{service}")
    for found in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        leaf = found.name.rsplit(".", 1)[-1]
        if leaf in ("models", "tables") and ".migrations" not in found.name and ".tests" not in found.name:
            importlib.import_module(found.name)
    metadata = importlib.import_module(f"frontdoor_{service}.models").metadata
    out = dict(metadata.tables)
    out.update(BUS_METADATA.tables)
    out.update(PRIVACY_METADATA.tables)  # every service's database: seal_keys, retention_policies
    return out


def _walk_routes(routes: Any, prefix: str = "") -> Iterator[Any]:
    from fastapi.routing import APIRoute

    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI's included router
            yield from _walk_routes(route.original_router.routes, prefix)


def _scopes(dependant: Any, out: set[str]) -> None:
    name = getattr(dependant.call, "__name__", "") or ""
    if name.startswith("require_"):  # frontdoor_common.auth.require names its dependency so
        out.add(name.removeprefix("require_").replace("_", ":", 1))
    for sub in dependant.dependencies:
        _scopes(sub, out)


@cache
def routes(service: str) -> dict[str, frozenset[str]]:
    """`"METHOD /path"` -> the scopes its `require(...)` dependencies demand (the app is built,
    not started: no database, no broker)."""
    app_module = importlib.import_module(f"frontdoor_{service}.app")
    settings = importlib.import_module(f"frontdoor_{service}.settings").Settings()
    app = app_module.create_app(settings)
    out: dict[str, frozenset[str]] = {}
    for route in _walk_routes(app.routes):
        found: set[str] = set()
        _scopes(route.dependant, found)
        for method in sorted(route.methods or ()):
            out[f"{method} {route.path}"] = frozenset(found)
    return out


@cache
def settings_names(service: str) -> frozenset[str]:
    """The environment variables the service's settings read (`<PREFIX>_<FIELD>`, upper case)."""
    settings = importlib.import_module(f"frontdoor_{service}.settings").Settings
    prefix = str(settings.model_config.get("env_prefix", ""))
    return frozenset(f"{prefix}{name}".upper() for name in settings.model_fields)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _field_paths(model: type[BaseModel], prefix: str = "", seen: tuple[type, ...] = ()) -> Iterator[str]:
    for name, info in model.model_fields.items():
        yield prefix + name
        for sub in _models_in(info.annotation):
            if sub not in seen:
                yield from _field_paths(sub, f"{prefix}{name}.", (*seen, sub))


@cache
def events() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every platform event: name -> (publishing service, every field path, nested with dots)."""
    import frontdoor_common.events
    from frontdoor_common.bus.events import registered_events

    package = frontdoor_common.events.__name__ + "."
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, cls in sorted(registered_events().items()):
        if cls.__module__.startswith(package):
            service = cls.topic.split(".")[1]  # frontdoor.<service>.v1
            out[name] = (service, tuple(_field_paths(cls)))
    return out


def suggests_personal(name: str, column_type: Any = None) -> bool:
    """Whether a column or field name (or a free-text type) suggests personal data."""
    return bool(PERSONAL_NAME.search(name)) or isinstance(column_type, Text)


# --- The hand-written source -----------------------------------------------------------------------


def load(service: str, sources: Path = SOURCES) -> dict[str, Any]:
    """The service's record source (`docs/processing/<service>.yaml`)."""
    path = sources / f"{service}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RecordsError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
        raise RecordsError(f"{path}: expected a mapping with `tables`")
    return data


@dataclass(frozen=True)
class Classified:
    """A column's or event field's classification: a category of personal data, or why it is none."""

    category: str | None
    not_personal: str | None


def classify(value: Any) -> Classified:
    """Read one classification (`<category>` or `{not_personal: why}`)."""
    if isinstance(value, str):
        return Classified(value, None)
    if isinstance(value, dict) and isinstance(value.get("not_personal"), str) and value["not_personal"].strip():
        return Classified(None, value["not_personal"])
    return Classified(None, None)


def _events_matching(pattern: str) -> list[str]:
    return [name for name in events() if fnmatch.fnmatchcase(name, pattern)]


def check(sources: Path = SOURCES) -> list[str]:
    """Every disagreement between the record sources and the code (empty when the record is true)."""
    problems: list[str] = []
    for service in SERVICES:
        try:
            record = load(service, sources)
        except RecordsError as exc:
            problems.append(str(exc))
            continue
        problems += _check_tables(service, record)
        problems += _check_events(service, record)
    return problems


def _check_tables(service: str, record: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    live = tables(service)
    known_routes = routes(service)
    entries: dict[str, Any] = record["tables"]
    for name in sorted(set(live) - set(entries)):
        problems.append(f"{service}: table {name!r} has no entry in docs/processing/{service}.yaml")
    for name in sorted(set(entries) - set(live)):
        problems.append(f"{service}: entry {name!r} names a table the service does not have")
    for name, entry in sorted(entries.items()):
        if name not in live:
            continue
        where = f"{service}.{name}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: the entry must be a mapping")
            continue
        for key in ("purpose", "retention", "legal_basis"):
            if not (entry.get(key) or record.get("defaults", {}).get(key)):
                problems.append(f"{where}: no {key}")
        subjects = entry.get("subjects") or []
        for subject in subjects:
            if subject not in SUBJECTS:
                problems.append(f"{where}: unknown data subject {subject!r} (one of {sorted(SUBJECTS)})")
        columns = entry.get("columns") or {}
        table = live[name]
        for column in sorted(set(columns) - set(table.columns.keys())):
            problems.append(f"{where}: column {column!r} does not exist")
        personal = False
        for column in table.columns:
            given = columns.get(column.name)
            if given is None:
                if suggests_personal(column.name, column.type):
                    problems.append(
                        f"{where}.{column.name}: looks like personal data but is not classified "
                        "(a category, or {not_personal: why})"
                    )
                continue
            c = classify(given)
            if c.category is None and c.not_personal is None:
                problems.append(f"{where}.{column.name}: give a category or {{not_personal: why}}")
            elif c.category is not None and c.category not in CATEGORIES:
                problems.append(f"{where}.{column.name}: unknown category {c.category!r}")
            elif c.category is not None:
                personal = True
                if c.category == "member reference" and "members" not in subjects:
                    problems.append(f"{where}: keyed by a member, so `members` must be among its subjects")
                if c.category in STAFF_CATEGORIES and "staff" not in subjects:
                    problems.append(f"{where}.{column.name}: staff data, so `staff` must be among its subjects")
        if personal and not subjects:
            problems.append(f"{where}: holds personal data but names no data subjects")
        if personal and not (entry.get("read_by") or entry.get("read_note")):
            problems.append(f"{where}: holds personal data: say who reads it (read_by endpoints, or a read_note)")
        for setting in re.findall(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", str(entry.get("retention") or "")):
            if setting not in settings_names(service):
                problems.append(f"{where}: retention names {setting}, which is not a setting of the service")
        for endpoint in entry.get("read_by") or []:
            if endpoint not in known_routes:
                problems.append(f"{where}: read_by names {endpoint!r}, which the service does not serve")
        for pattern in entry.get("published_in") or []:
            if not any(events()[e][0] == service for e in _events_matching(pattern)):
                problems.append(f"{where}: published_in names {pattern!r}, which matches none of {service}'s events")
    return problems


def _check_events(service: str, record: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    listed: dict[str, dict[str, Any]] = record.get("events") or {}
    own = {name: paths for name, (svc, paths) in events().items() if svc == service}
    for pattern, fields in listed.items():
        matching = [e for e in _events_matching(pattern) if e in own]
        if not matching:
            problems.append(f"{service}: events entry {pattern!r} matches none of the service's events")
            continue
        for path, value in (fields or {}).items():
            if not any(path in own[e] for e in matching):
                problems.append(f"{service}: events {pattern!r} field {path!r} does not exist")
            c = classify(value)
            if c.category is None and c.not_personal is None:
                problems.append(f"{service}: events {pattern!r} field {path!r}: a category or {{not_personal: why}}")
            elif c.category is not None and c.category not in CATEGORIES:
                problems.append(f"{service}: events {pattern!r} field {path!r}: unknown category {c.category!r}")
    for name, paths in sorted(own.items()):
        for path in paths:
            if not suggests_personal(path.rsplit(".", 1)[-1]):
                continue
            if _event_field(record, name, path) is None:
                problems.append(f"{service}: event {name} field {path!r} looks like personal data but is not listed")
    return problems


def _event_field(record: dict[str, Any], event: str, path: str) -> Classified | None:
    for pattern, fields in (record.get("events") or {}).items():
        if fnmatch.fnmatchcase(event, pattern) and path in (fields or {}):
            return classify(fields[path])
    return None


# --- The document ------------------------------------------------------------------------------------


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _personal_columns(entry: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for column, value in (entry.get("columns") or {}).items():
        c = classify(value)
        if c.category is not None:
            out.append((column, c.category))
    return out


def _readers(service: str, entry: dict[str, Any]) -> str:
    endpoints = entry.get("read_by") or []
    if not endpoints:
        return _cell(entry.get("read_note") or "No REST endpoint exposes it.")
    by_scopes: dict[str, list[str]] = {}
    for endpoint in endpoints:
        found = sorted(routes(service).get(endpoint, frozenset()))
        key = " and ".join(f"`{s}`" for s in found) or "no scope (the handler checks the token or the session)"
        by_scopes.setdefault(key, []).append(f"`{endpoint}`")
    text = "; ".join(f"{key}: {', '.join(names)}" for key, names in by_scopes.items())
    if entry.get("read_note"):
        text += ". " + _cell(entry["read_note"])
    return text


def _scopes_of(service: str, entry: dict[str, Any]) -> str:
    found: set[str] = set()
    for endpoint in entry.get("read_by") or []:
        found |= routes(service).get(endpoint, frozenset())
    return ", ".join(f"`{s}`" for s in sorted(found)) or "-"


def _event_names(service: str, names: list[str]) -> str:
    """Event names, a family written `a.b.*` where every event of the family is among them."""
    own = [e for e, (svc, _) in events().items() if svc == service]
    families: dict[str, list[str]] = {}
    for name in names:
        families.setdefault(name.rsplit(".", 1)[0], []).append(name)
    shown = []
    for family, members in families.items():
        everyone = [e for e in own if e.rsplit(".", 1)[0] == family]
        shown += [f"{family}.*"] if len(members) > 1 and len(members) == len(everyone) else members
    return ", ".join(f"`{n}`" for n in shown)


def _event_rows(service: str, record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(events, field, category) for each personal field of the service's events."""
    rows = []
    for pattern, fields in (record.get("events") or {}).items():
        for path, value in (fields or {}).items():
            c = classify(value)
            names = [e for e in _events_matching(pattern) if events()[e][0] == service and path in events()[e][1]]
            if c.category is not None and names:
                rows.append((_event_names(service, names), path, c.category))
    return rows


def render(sources: Path = SOURCES) -> str:
    """The records of processing as Markdown."""
    records = {service: load(service, sources) for service in SERVICES}
    lines = [
        "# Records of processing (GDPR article 30)",
        "",
        "Generated by `make records` (`python -m frontdoor_devtools.records`) from `docs/processing/<service>.yaml`,",
        "checked against the code by `libs/devtools/tests/test_records.py`: every table of every service's",
        "database, every column that holds personal data, the scopes that read it (from the endpoints'",
        "`require(...)` dependencies) and every event field that carries personal data out of its service.",
        "Do not edit this file by hand; edit the YAML and run `make records`.",
        "",
        "The controller is the union (the tenant); Frontdoor's operator processes on its behalf.",
        'Retention says what the platform does **today**: "kept until deleted" means nothing deletes it.',
        "",
        "## Special-category data",
        "",
        f"Every table keyed by a member holds {ART9}. Legal basis for it: art. 9(2)(d) (a not-for-profit",
        "body with a trade-union aim, about its members, not disclosed outside it without consent),",
        "and art. 9(2)(f) where it serves legal claims. Free text (dossier remarks, enquiries, messages,",
        "survey comments) may hold further special categories (health, beliefs) that the platform",
        "cannot see; it is encrypted at rest where noted.",
        "",
        "| service | tables keyed by a member (art. 9) | other special-category risk |",
        "|---|---|---|",
    ]
    for service, record in records.items():
        keyed = [n for n, e in sorted(record["tables"].items()) if "members" in (e.get("subjects") or [])]
        other = [
            f"{n}: {e['special_category']}" for n, e in sorted(record["tables"].items()) if e.get("special_category")
        ]
        lines.append(f"| {service} | {', '.join(f'`{n}`' for n in keyed) or '-'} | {_cell('; '.join(other)) or '-'} |")
    lines += ["", "## Recipients and transfers", ""]
    for service, record in records.items():
        for recipient in record.get("recipients") or []:
            lines.append(f"- **{service}** → {_cell(recipient)}")
    lines += [
        "",
        "Between services, personal data travels only in the events listed under each service below",
        "(Kafka topics `frontdoor.<service>.v1`, kept by the broker for its retention, and in each",
        "service's `outbox` table for the relay's window) and in service-to-service REST calls made",
        "with the caller's token. The platform makes no transfer outside the EEA by itself; the SMS",
        "gateway, the mail relay and the Kafka and database hosting are the tenant's or operator's",
        "processors, and any transfer is theirs to record.",
        "",
    ]
    for service, record in records.items():
        lines += [f"## {service}", "", " ".join(str(record.get("summary", "")).split()), ""]
        defaults = record.get("defaults") or {}
        lines += ["| table | data subjects | personal data | read with |", "|---|---|---|---|"]
        for name, entry in sorted(record["tables"].items()):
            categories = sorted({cat for _, cat in _personal_columns(entry)})
            lines.append(
                f"| `{name}` | {', '.join(entry.get('subjects') or []) or '-'} | {', '.join(categories) or '-'} "
                f"| {_scopes_of(service, entry)} |"
            )
        lines.append("")
        for name, entry in sorted(record["tables"].items()):
            subjects = entry.get("subjects") or []
            personal = _personal_columns(entry)
            lines += [f"### `{service}.{name}`", "", _cell(entry["purpose"]), ""]
            lines.append(f"- **Data subjects**: {', '.join(subjects) if subjects else 'none (no personal data)'}")
            if personal:
                lines.append("- **Personal data**: " + "; ".join(f"`{c}` ({cat})" for c, cat in personal))
            else:
                lines.append("- **Personal data**: none")
            special = []
            if "members" in subjects:
                special.append("trade-union membership (art. 9)")
            if entry.get("special_category"):
                special.append(_cell(entry["special_category"]))
            if special:
                lines.append("- **Special category**: " + "; ".join(special))
            lines.append(f"- **Legal basis**: {_cell(entry.get('legal_basis') or defaults.get('legal_basis'))}")
            lines.append(f"- **Retention**: {_cell(entry.get('retention') or defaults.get('retention'))}")
            lines.append(f"- **Who can read it**: {_readers(service, entry)}")
            published = entry.get("published_in") or []
            if published:
                lines.append("- **Leaves the service in**: " + ", ".join(f"`{p}`" for p in published))
            lines.append("")
        rows = _event_rows(service, record)
        lines += [f"### Events of {service} that carry personal data", ""]
        if rows:
            lines += ["| events | field | category |", "|---|---|---|"]
            lines += [f"| {names} | `{path}` | {cat} |" for names, path, cat in rows]
        else:
            lines.append("None.")
        lines.append("")
    lines += ["## Categories of personal data", "", "| category | meaning |", "|---|---|"]
    lines += [f"| {name} | {meaning} |" for name, meaning in CATEGORIES.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Check the sources against the code, then write the document."""
    args = sys.argv[1:] if argv is None else argv
    problems = check()
    if problems:
        print("The records of processing disagree with the code:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    text = render()
    if "--stdout" in args:
        sys.stdout.write(text)
    else:
        DOCUMENT.write_text(text, encoding="utf-8")
        print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
