"""The access request (art. 15): everything the platform holds about a member, in one document.

Members' own lines come from its export hook (one read transaction); then each peer's
`GET /internal/v1/personal-data/members/{id}` is streamed line by line with the caller's token, each within
a bounded time. A peer that cannot be reached, answers an error, sends a line that is not one of
the export's or runs out of time is named in `unavailable` (what it sent before is kept); the
request never fails for it. Nothing is gathered in memory: the document is written as the lines
arrive, as JSON or as a readable HTML document (Jinja2, autoescaped).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
from jinja2 import Environment
from pydantic_core import to_jsonable_python

from frontdoor_common.logging import get_logger
from frontdoor_members.context import MembersContext
from frontdoor_members.privacy import hooks
from frontdoor_members.privacy.peers import EXPORT_PATH, PEER_SERVICES

log = get_logger(__name__)

Line = tuple[str, str, dict[str, Any]]  # service, section, item

MAX_SECTION = 100


async def own_lines(ctx: MembersContext, tenant: str, member_id: uuid.UUID) -> AsyncIterator[Line]:
    """Members' own items, from one read transaction."""
    async with ctx.db.transaction() as session:
        async for section, item in hooks.export(ctx, session, tenant, member_id):
            yield "members", section, to_jsonable_python(item)


async def peer_lines(
    ctx: MembersContext, member_id: uuid.UUID, authorization: str, unavailable: list[str]
) -> AsyncIterator[Line]:
    """Each peer's lines in turn; the peers that failed are appended to `unavailable`."""
    peers = ctx.peers
    async with peers.client() as client:
        for name in PEER_SERVICES:
            base = (peers.urls.get(name) or "").rstrip("/")
            if not base:
                unavailable.append(name)
                continue
            deadline = time.monotonic() + peers.total_s
            url = base + EXPORT_PATH.format(member_id=member_id)
            try:
                async with client.stream("GET", url, headers={"Authorization": authorization}) as response:
                    if response.status_code != 200:
                        log.warning("access request: peer answered an error", peer=name, status=response.status_code)
                        unavailable.append(name)
                        continue
                    async for raw in response.aiter_lines():
                        if time.monotonic() > deadline:
                            raise TimeoutError
                        if not raw.strip():
                            continue
                        yield _parse(name, raw)
            except (httpx.HTTPError, TimeoutError, ValueError) as exc:
                log.warning("access request: peer unavailable", peer=name, error_type=type(exc).__name__)
                unavailable.append(name)


def _parse(service: str, raw: str) -> Line:
    """A peer's NDJSON line, checked (ValueError: not an export line)."""
    line = json.loads(raw)
    if not isinstance(line, dict):
        raise ValueError("not an object")
    section, item = line.get("section"), line.get("item")
    if not isinstance(section, str) or not section or len(section) > MAX_SECTION or not isinstance(item, dict):
        raise ValueError("not an export line")
    return service, section, item


async def all_lines(
    ctx: MembersContext, tenant: str, member_id: uuid.UUID, authorization: str, unavailable: list[str]
) -> AsyncIterator[Line]:
    """Members' lines, then every peer's."""
    async for line in own_lines(ctx, tenant, member_id):
        yield line
    async for line in peer_lines(ctx, member_id, authorization, unavailable):
        yield line


# -------------------------------------------------------------------------------------------- JSON


async def as_json(
    ctx: MembersContext, tenant: str, member_id: uuid.UUID, authorization: str, generated_at: datetime
) -> AsyncIterator[bytes]:
    """`{"member_id", "generated_at", "items": [...], "unavailable": [...]}`, written as it comes."""
    unavailable: list[str] = []
    head = {"member_id": str(member_id), "generated_at": generated_at.isoformat()}
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "items": [').encode()
    first = True
    async for service, section, item in all_lines(ctx, tenant, member_id, authorization, unavailable):
        line = json.dumps({"service": service, "section": section, "item": item}, ensure_ascii=False)
        yield (line if first else ",\n" + line).encode()
        first = False
    yield ('], "unavailable": ' + json.dumps(unavailable) + "}").encode()


# -------------------------------------------------------------------------------------------- HTML

_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)

_HEAD = _ENV.from_string(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Personal data held about member {{ member_id }}</title>
<style>
body { font-family: sans-serif; margin: 2em; } table { border-collapse: collapse; margin: 0 0 1em 0; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; font-weight: normal; width: 14em; } td { white-space: pre-wrap; }
</style>
</head>
<body>
<h1>Personal data held about member {{ member_id }}</h1>
<p>Generated {{ generated_at }}. Every item each service of the platform holds about the member, by
service and section (GDPR article 15).</p>
"""
)
_SERVICE = _ENV.from_string('<h2 id="service-{{ service }}">Service: {{ service }}</h2>\n')
_SECTION = _ENV.from_string("<h3>{{ section }}</h3>\n")
_ITEM = _ENV.from_string(
    """<table>
{% for key, value in item %}
<tr><th>{{ key }}</th><td>{{ value }}</td></tr>
{% endfor %}
</table>
"""
)
_TAIL = _ENV.from_string(
    """{% if empty %}<p>No personal data held.</p>
{% endif %}
{% if unavailable %}<h2>Services that did not answer</h2>
<p>These services' data is missing from this document; ask again later:</p>
<ul>{% for name in unavailable %}<li>{{ name }}</li>{% endfor %}</ul>
{% endif %}
</body>
</html>
"""
)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


async def as_html(
    ctx: MembersContext, tenant: str, member_id: uuid.UUID, authorization: str, generated_at: datetime
) -> AsyncIterator[bytes]:
    """A readable document (every value escaped), written as the lines arrive."""
    unavailable: list[str] = []
    yield _HEAD.render(member_id=str(member_id), generated_at=generated_at.isoformat()).encode()
    service_now: str | None = None
    section_now: str | None = None
    empty = True
    async for service, section, item in all_lines(ctx, tenant, member_id, authorization, unavailable):
        empty = False
        if service != service_now:
            yield _SERVICE.render(service=service).encode()
            service_now, section_now = service, None
        if section != section_now:
            yield _SECTION.render(section=section).encode()
            section_now = section
        yield _ITEM.render(item=[(str(k), _cell(v)) for k, v in item.items()]).encode()
    yield _TAIL.render(unavailable=unavailable, empty=empty).encode()
