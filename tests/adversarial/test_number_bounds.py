"""Numbers past every bound: each numeric query parameter of every operation gets 2**64, -2**64 and 1e400.

Schemathesis' coverage phase reaches a parameter's boundaries only where the schema declares
them; an `offset` without a maximum goes straight to the database driver (SQLite's INTEGER is
64 bits). The answer may be a 2xx (a clamped limit) or a 4xx problem, never a 5xx. Operations without path parameters
(where the query is what reaches the handler); from each service's live OpenAPI.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from adversarial_harness import REPORT, SERVICES, ServiceProcess, bearer, new_tenant
from adversarial_worlds import operations

pytestmark = [pytest.mark.adversarial]

VALUES = (2**64, -(2**64), "1e400")


def numeric(schema: dict[str, Any]) -> bool:
    types = [schema.get("type")] + [alt.get("type") for alt in schema.get("anyOf", [])]
    return "integer" in types or "number" in types


@pytest.mark.parametrize("name", SERVICES)
async def test_a_number_past_every_bound_is_a_4xx_not_a_5xx(name: str, services: dict[str, ServiceProcess]) -> None:
    service = services[name]
    problems: list[str] = []
    sent = 0
    async with httpx.AsyncClient(base_url=service.base_url, headers=bearer(new_tenant()), timeout=30) as client:
        spec = (await client.get("/openapi.json")).json()
        for method, path, op in operations(spec):
            if "{" in path:
                continue
            for param in op.get("parameters", []):
                if param["in"] != "query" or not numeric(param.get("schema", {})):
                    continue
                for value in VALUES:
                    r = await client.request(method, path, params={param["name"]: value})
                    sent += 1
                    if r.status_code >= 500:
                        problems.append(f"{method} {path}?{param['name']}={value}: {r.status_code} {r.text[:120]}")
                    elif r.status_code >= 400 and not r.headers.get("content-type", "").startswith(
                        "application/problem+json"
                    ):
                        problems.append(f"{method} {path}?{param['name']}={value}: {r.status_code} not problem+json")
    REPORT.append(f"number bounds {name}: {sent} requests, {len(problems)} failures")
    assert not problems, f"{len(problems)} failures in {name}:\n" + "\n".join(problems)
