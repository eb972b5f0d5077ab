"""Bad credentials at every operation of every service: never an answer, always a problem.

From each service's live OpenAPI, every operation (but the operations endpoints /healthz,
/readyz, /metrics) is called without a token, with an expired one, one signed with another
secret, an unsigned (alg=none) one, one without a tenant, and a valid one without any scope. The first
five must answer 401 problem+json, the scope-less one 401 or 403; none may run the handler (no
2xx, no 404/409/422 that would tell what exists or what the body should be) or fail (5xx).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from adversarial_harness import REPORT, SERVICES, ServiceProcess, new_tenant
from adversarial_worlds import operations

from frontdoor_common.auth import mint_token
from frontdoor_common.settings import DEV_JWT_SECRET

pytestmark = [pytest.mark.adversarial]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def tokens() -> dict[str, str | None]:
    tenant = new_tenant()
    now = int(time.time())
    claims = {"sub": "x", "tenant": tenant, "scope": "all", "iss": "frontdoor", "iat": now, "exp": now + 600}
    return {
        "no token": None,
        "expired": mint_token(tenant_id=tenant, ttl_seconds=-60),
        "other secret": jwt.encode(claims, "not-the-secret-" + DEV_JWT_SECRET, algorithm="HS256"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "no tenant": jwt.encode({k: v for k, v in claims.items() if k != "tenant"}, DEV_JWT_SECRET, algorithm="HS256"),
        "no scope": mint_token(tenant_id=tenant, scopes=[]),
    }


@pytest.mark.parametrize("name", SERVICES)
async def test_bad_credentials_get_401_or_403_problem_at_every_operation(
    name: str, services: dict[str, ServiceProcess]
) -> None:
    service = services[name]
    problems: list[str] = []
    sent = 0
    async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as client:
        spec = (await client.get("/openapi.json")).json()
        for label, token in tokens().items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            wanted = (401, 403) if label == "no scope" else (401,)
            for method, path, op in operations(spec):
                # A webhook addressed by its key (a random secret-like path) may say the key is unknown.
                ok = (*wanted, 404) if "{webhook_key}" in path else wanted
                url = path
                for part in path.split("/"):
                    if part.startswith("{"):
                        url = url.replace(part, str(uuid.uuid4()))
                body = {} if "requestBody" in op else None
                r = await client.request(method, url, headers=headers, json=body)
                sent += 1
                ctype = r.headers.get("content-type", "")
                if r.status_code not in ok:
                    problems.append(f"{label}: {method} {path}: {r.status_code} (want {ok}): {r.text[:120]}")
                elif not ctype.startswith("application/problem+json"):
                    problems.append(f"{label}: {method} {path}: {r.status_code} as {ctype}, not problem+json")
    REPORT.append(f"auth {name}: {sent} requests with bad credentials, {len(problems)} failures")
    assert not problems, f"{len(problems)} failures in {name}:\n" + "\n".join(problems)
