"""Slow clients: requests whose bodies never finish must not hold up anybody else.

For every operation with a request body (from the live OpenAPI) a connection sends the headers
and half of a declared body, then waits. Meanwhile, with every one of them still open, a write of
tenant A's must succeed and /healthz must answer: a request stuck reading its body may not hold the
database's write lock (the write would wait out the lock wait, 30 s, and answer 503 database_busy)
or the event loop (nothing would answer). Shown by outcome and order, not by how long the answers
took (which a loaded machine's pauses stretch); the times go to the report.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from adversarial_harness import REPORT, WRITES, ServiceProcess, bearer, new_tenant, token
from adversarial_worlds import operations

pytestmark = [pytest.mark.adversarial]

# Longer than the services' SQLite lock wait (30 s), so a write stuck behind a held lock comes back
# as its 503 rather than as this client giving up.
CLIENT_TIMEOUT_S = 60.0


async def stalled_request(port: int, method: str, path: str, bearer_token: str) -> asyncio.StreamWriter:
    """Headers and half a declared body, then silence (the connection stays open)."""
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    body = b'{"name": "' + b"x" * 200
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {bearer_token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body) * 2}\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()
    return writer


@pytest.mark.parametrize("name", list(WRITES))
async def test_stalled_uploads_hold_up_nobody(name: str, services: dict[str, ServiceProcess]) -> None:
    service = services[name]
    tenant = new_tenant()
    stalled: list[asyncio.StreamWriter] = []
    try:
        async with httpx.AsyncClient(base_url=service.base_url, headers=bearer(tenant), timeout=CLIENT_TIMEOUT_S) as a:
            spec = (await a.get("/openapi.json")).json()
            for method, path, op in operations(spec):
                if "requestBody" not in op:
                    continue
                url = path
                for part in path.split("/"):
                    if part.startswith("{"):
                        url = url.replace(part, str(uuid.uuid4()))
                stalled.append(await stalled_request(service.port, method, url, token(tenant)))
            await asyncio.sleep(0.5)  # every stalled request is in the server now
            method, path, body = WRITES[name]
            started = time.perf_counter()
            r = await a.request(method, path, json=body if method != "GET" else None)
            took = time.perf_counter() - started
            started = time.perf_counter()
            health = await a.get("/healthz")
            health_took = time.perf_counter() - started
            still_open = sum(not w.is_closing() for w in stalled)
    finally:
        for writer in stalled:
            writer.close()
    REPORT.append(
        f"slow clients {name}: {len(stalled)} stalled uploads; {method} {path} {r.status_code} in {took:.2f} s, "
        f"/healthz in {health_took:.2f} s"
    )
    assert stalled and still_open == len(stalled)  # both answers came while every stalled upload was open
    assert r.status_code < 300, r.text
    assert health.status_code == 200
