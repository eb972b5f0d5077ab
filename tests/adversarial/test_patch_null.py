"""PATCH null: every field of every PATCH operation of every service, sent as null on an existing object.

The operations and their fields come from each service's live OpenAPI. An empty PATCH (every
field absent) must change nothing. For each field the
answer is either 200 with the field cleared, and only where the schema says the field is
nullable, or 422 problem+json naming that field, with the object unchanged. Never a 5xx.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from adversarial_harness import REPORT, ServiceProcess, bearer
from adversarial_worlds import WORLDS, diff, operations, path_params

pytestmark = [pytest.mark.adversarial, pytest.mark.slow]


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def body_fields(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The properties of a JSON request body (the object alternative of an anyOf)."""
    content = op.get("requestBody", {}).get("content", {})
    schema = resolve(spec, content.get("application/json", {}).get("schema", {}))
    for alternative in schema.get("anyOf", []):
        alternative = resolve(spec, alternative)
        if "properties" in alternative:
            schema = alternative
    return {name: resolve(spec, prop) for name, prop in schema.get("properties", {}).items()}


def nullable(spec: dict[str, Any], prop: dict[str, Any]) -> bool:
    if prop.get("nullable") is True or prop.get("type") == "null":
        return True
    if isinstance(prop.get("type"), list) and "null" in prop["type"]:
        return True
    return any(nullable(spec, resolve(spec, alt)) for alt in prop.get("anyOf", []) + prop.get("oneOf", []))


def visible(body: Any, name: str) -> tuple[bool, Any]:
    if isinstance(body, dict) and name in body:
        return True, body[name]
    return False, None


async def patch_nulls(service: ServiceProcess, world: Any) -> tuple[list[str], int]:
    problems: list[str] = []
    sent = 0
    async with httpx.AsyncClient(base_url=service.base_url, headers=bearer(world.tenant), timeout=30) as a:
        spec = (await a.get("/openapi.json")).json()
        patches = [(path, op) for method, path, op in operations(spec) if method == "PATCH"]
        gets = {path for method, path, _ in operations(spec) if method == "GET"}
        for path, op in patches:
            missing = [p for p in path_params(path) if p not in world.ids]
            if missing:
                problems.append(f"PATCH {path}: no object for {missing} (add it to worlds.py)")
                continue
            url = path.format(**world.ids)
            # Absent means unchanged: an empty PATCH changes nothing (a timestamp aside).
            before = await world.snapshot()
            r = await a.patch(url, json={})
            sent += 1
            changed = [d for d in diff(before, await world.snapshot()) if "updated_at" not in d]
            if r.status_code >= 500 or r.status_code not in (200, 422):
                problems.append(f"PATCH {path} {{}}: {r.status_code} (want 200, or 422 asking for a field)")
            if changed:
                problems.append(f"PATCH {path} {{}}: the object changed: {'; '.join(changed[:3])}")
            fields = body_fields(spec, op)
            if not fields:
                problems.append(f"PATCH {path}: no JSON body fields in the OpenAPI")
            for name, prop in fields.items():
                before = await world.snapshot()
                r = await a.patch(url, json={name: None})
                sent += 1
                after = await world.snapshot()
                where = f"PATCH {path} {{{name!r}: null}}"
                if r.status_code >= 500:
                    problems.append(f"{where}: {r.status_code} {r.text[:200]}")
                elif r.status_code == 200:
                    if not nullable(spec, prop):
                        problems.append(f"{where}: 200, but the schema says {name} is not nullable (want 422)")
                        continue
                    seen, value = visible(r.json(), name)
                    if not seen and path in gets:
                        seen, value = visible((await a.get(url)).json(), name)
                    if not seen:
                        problems.append(f"{where}: 200, but {name} is in neither the answer nor a GET")
                    elif value not in (None, [], {}):
                        problems.append(f"{where}: 200, but {name} is still {str(value)[:80]}")
                elif r.status_code == 422:
                    ctype = r.headers.get("content-type", "")
                    problem = r.json() if ctype.startswith("application/problem+json") else {}
                    named = str(problem.get("field") or "")
                    if not ctype.startswith("application/problem+json"):
                        problems.append(f"{where}: 422 as {ctype}, not problem+json")
                    elif named != name and not named.startswith(f"{name}."):
                        problems.append(f"{where}: 422 names field {named!r}, not {name!r}: {r.text[:160]}")
                    changed = diff(before, after)
                    if changed:
                        problems.append(f"{where}: 422, yet the object changed: {'; '.join(changed[:3])}")
                else:
                    problems.append(f"{where}: {r.status_code} (want 200 or 422): {r.text[:200]}")
    return problems, sent


@pytest.mark.parametrize("name", list(WORLDS))
async def test_patch_null_clears_only_nullable_fields_and_else_is_422_naming_the_field(
    name: str, services: dict[str, ServiceProcess], kafka_bootstrap: str
) -> None:
    service = services[name]
    build, _ = WORLDS[name]
    world = await build(service, kafka_bootstrap)
    problems, sent = await patch_nulls(service, world)
    REPORT.append(f"patch-null {name}: {sent} PATCHes (each field null, one empty), {len(problems)} failures")
    assert not problems, f"{len(problems)} PATCH-null failures in {name}:\n" + "\n".join(problems)
