"""Tenant isolation: tenant B's token against every operation of every service, aimed at tenant A.

Tenant A's objects are created first (a queue, a call, an offer, an agent, a member, an invoice,
a contact, a power of attorney, a membership change, a team, a calendar event, a closure, a
callback, a survey, a webhook key ...; see worlds.py). Then every operation each service's
OpenAPI lists is called with B's token (every scope):

- an operation with path parameters gets A's objects in them and must answer 404 (or 403);
- an operation without them gets A's identifiers where it takes any (query, body) and must
  answer within B's own tenant: never one of A's identifiers in the answer;

and A's state, read back with A's token before and after each request, must not change.
The operation list comes from the live OpenAPI: an operation without a case here fails the test.
"""

from __future__ import annotations

import json

import httpx
import pytest
from adversarial_harness import REPORT, ServiceProcess, bearer, new_tenant
from adversarial_worlds import NOT_FOUND, WORLDS, Request, World, diff, operations, path_params

pytestmark = [pytest.mark.adversarial, pytest.mark.slow]


async def sweep(
    service: ServiceProcess,
    world: World,
    path_requests: dict[tuple[str, str], Request],
    plain_requests: dict[tuple[str, str], Request],
) -> list[str]:
    """Every operation with B's token at A's objects; what went wrong (empty when isolated)."""
    problems: list[str] = []
    swept = with_path = 0
    b_tenant = new_tenant()
    async with httpx.AsyncClient(base_url=service.base_url, headers=bearer(b_tenant), timeout=30) as b:
        spec = (await b.get("/openapi.json")).json()
        for method, path, op in operations(spec):
            key = (method, path)
            params = path_params(path)
            if params:
                missing = [p for p in params if p not in world.ids]
                if missing:
                    problems.append(f"{method} {path}: no object of tenant A for {missing} (add it to the world)")
                    continue
                has_body = "requestBody" in op
                if has_body and key not in path_requests:
                    problems.append(f"{method} {path}: no request body for the isolation case (add one)")
                    continue
                request = path_requests.get(key, Request())
                url = path.format(**world.ids)
            else:
                if key not in plain_requests:
                    problems.append(f"{method} {path}: no isolation case (add one to the table)")
                    continue
                request = plain_requests[key]
                url = path
            swept += 1
            with_path += bool(params)
            before = await world.snapshot()
            try:
                if path.endswith("/offers") and method == "GET":  # a server-sent event stream
                    async with b.stream(method, url, params=request.query, timeout=10) as r:
                        # An open stream is a failure already; its status is enough.
                        status, text = r.status_code, ""
                        if status >= 300:
                            text = (await r.aread()).decode(errors="replace")
                else:
                    r = await b.request(
                        method,
                        url,
                        params=request.query,
                        json=request.body if request.content is None else None,
                        content=request.content,
                        headers=request.headers,
                    )
                    status, text = r.status_code, r.text
            except httpx.HTTPError as exc:
                problems.append(f"{method} {path}: {type(exc).__name__} {exc}")
                continue
            after = await world.snapshot()
            wanted = request.ok if request.ok != NOT_FOUND or not params else NOT_FOUND
            if status not in wanted:
                problems.append(f"{method} {path}: B got {status} (want {'/'.join(map(str, wanted))}): {text[:200]}")
            if not params or request.ok != NOT_FOUND:  # an answer B gets: never one of A's identifiers in it
                sent = json.dumps([request.query, request.body, url], default=str)
                leaked = sorted(s for s in world.secrets if s in text and s not in sent)
                if leaked:
                    problems.append(f"{method} {path}: B's answer holds A's {leaked}: {text[:200]}")
            changed = diff(before, after)
            if changed:
                problems.append(f"{method} {path}: A's state changed: {'; '.join(changed[:5])}")
    REPORT.append(
        f"isolation {service.name}: {swept} operations with tenant B's token ({with_path} at A's objects by path), "
        f"{len(problems)} failures"
    )
    return problems


@pytest.mark.parametrize("name", list(WORLDS))
async def test_another_tenant_gets_404_and_changes_nothing(
    name: str, services: dict[str, ServiceProcess], kafka_bootstrap: str
) -> None:
    service = services[name]
    build, requests = WORLDS[name]
    world = await build(service, kafka_bootstrap)
    on_paths, plain = requests(world)
    problems = await sweep(service, world, on_paths, plain)
    assert not problems, f"{len(problems)} isolation failures in {name}:\n" + "\n".join(problems)
