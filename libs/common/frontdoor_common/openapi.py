"""The OpenAPI document tells integrators every status an operation can answer.

Every error is `application/problem+json` with the `Problem` schema. Which statuses an
operation can answer is read off the operation itself:

- any operation with a token, parameters or a body: 400 (malformed request), 401 (no valid
  token or signature), 403 (scope missing, tenant not served), 404 (not there, or another
  tenant's), 409 (conflicts with the current state), 422 (invalid input, naming the field)
  and 503 (a dependency is down);
- with a body: 413 (body above the service's limit).

Operations without any of these (`/healthz`, `/metrics`) declare only what they say
themselves; statuses a route declares itself (e.g. 423) get the problem+json content too.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from frontdoor_common.errors import PROBLEM_JSON, Problem

DESCRIPTIONS = {
    400: "Malformed request (problem+json)",
    401: "Missing or invalid token (problem+json)",
    403: "Scope missing, or a tenant this instance does not serve (problem+json)",
    404: "Not found, or another tenant's (problem+json)",
    409: "Conflicts with the current state (problem+json)",
    413: "Request body above the service's limit (problem+json, error_id body_too_large)",
    422: "Invalid input, naming the field (problem+json)",
    503: "A dependency is unavailable (problem+json)",
}
PROBLEM_REF = "#/components/schemas/Problem"


def error_statuses(operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer (beyond what it declares itself).

    Read off the operation itself: anything that takes input gets the full set (401/403 too:
    a public webhook still refuses a bad signature); a body adds 413.
    """
    has_body = "requestBody" in operation
    if not (operation.get("security") or has_body or operation.get("parameters")):
        return set()
    statuses = {400, 401, 403, 404, 409, 422, 503}
    if has_body:
        statuses.add(413)
    return statuses


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}}


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare every operation's error statuses with the Problem schema (problem+json)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in methods:
                continue
            responses = operation.setdefault("responses", {})
            for status in error_statuses(operation):
                responses[str(status)] = _problem_response(DESCRIPTIONS[status])
            for code, response in responses.items():
                # A route's own error statuses (423 ...) are problem+json too.
                if code.isdigit() and int(code) >= 400:
                    description = response.get("description") or "Error (problem+json)"
                    responses[code] = _problem_response(description)
    # FastAPI's own validation schemas are unused once every 422 is a Problem.
    text = json.dumps(schema.get("paths", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        if name in components and f"#/components/schemas/{name}" not in text:
            del components[name]
    return schema


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` return the document with every error status declared."""
    plain = app.openapi
    done: list[dict[str, Any]] = []  # the document already completed (FastAPI caches it)

    def openapi() -> dict[str, Any]:
        schema = plain()
        if not done or done[0] is not schema:
            done[:] = [document_problems(schema)]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
