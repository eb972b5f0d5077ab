"""Request size: a 50 MB JSON body answers 413 problem+json, and the service stays responsive.

One write endpoint per service (POST /v1/members among them), the body sent twice: with its
Content-Length, and chunked (no length: the service must count while it reads). The refusal is
the body limit's (`body_too_large`: the body was never parsed). Each upload stops after its first
chunk until /healthz has answered on another connection: the service serves others while an upload
is open. By order of events, not by round-trip times (which a loaded machine's pauses stretch).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from adversarial_harness import REPORT, ServiceProcess, bearer, new_tenant

pytestmark = [pytest.mark.adversarial, pytest.mark.slow]

SIZE = 50 * 1024 * 1024
CHUNK = 256 * 1024  # below every service's body limit (1 MB): the first chunk alone is not refused
# A ceiling for /healthz to answer while an upload waits: only a service that cannot answer meets it.
STUCK_S = 30.0

ENDPOINTS = {
    "members": ("POST", "/v1/members", "first_name"),
    "routing": ("POST", "/v1/queues", "name"),
    "agents": ("POST", "/v1/agents", "name"),
    "callbacks": ("POST", "/v1/callbacks", "reason"),
    "surveys": ("PUT", "/v1/survey-policy", "default_language"),
}


def body_parts(field: str) -> tuple[bytes, bytes]:
    head = b'{"' + field.encode() + b'": "'
    tail = b'"}'
    return head, tail


async def big_json(field: str, pause: Callable[[], Awaitable[None]]) -> AsyncIterator[bytes]:
    """The 50 MB body, chunk by chunk; after the first chunk it waits for `pause`."""
    head, tail = body_parts(field)
    yield head
    left = SIZE - len(head) - len(tail)
    filler = b"x" * CHUNK
    first = True
    while left > 0:
        n = min(CHUNK, left)
        yield filler[:n]
        left -= n
        if first:
            await pause()
            first = False
        await asyncio.sleep(0)
    yield tail


async def upload(
    service: ServiceProcess, method: str, path: str, content: AsyncIterator[bytes], chunked: bool
) -> httpx.Response:
    headers = {**bearer(new_tenant()), "content-type": "application/json"}
    if not chunked:  # the whole length announced up front, the body streamed all the same
        headers["content-length"] = str(SIZE)
    async with httpx.AsyncClient(base_url=service.base_url, timeout=60) as client:
        return await client.request(method, path, content=content, headers=headers)


async def healthz_while(
    task: asyncio.Task[httpx.Response], service: ServiceProcess, paused: asyncio.Event, answered: asyncio.Event
) -> int:
    """Ask /healthz (on its own connection) until the upload is answered; sets `answered` when one asked
    after `paused` was set has answered 200; how many answered."""
    count = 0
    async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as client:
        while True:
            asked_while_paused = paused.is_set()
            r = await client.get("/healthz")
            assert r.status_code == 200, r.text
            count += 1
            if asked_while_paused:
                answered.set()
            if task.done():
                return count
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("name", list(ENDPOINTS))
async def test_a_50_mb_body_is_413_problem_json_and_the_service_stays_responsive(
    name: str, chunked: bool, services: dict[str, ServiceProcess]
) -> None:
    service = services[name]
    method, path, field = ENDPOINTS[name]
    paused, answered = asyncio.Event(), asyncio.Event()
    waited: list[bool] = []

    async def until_healthz_answered() -> None:
        # The upload is open (its first chunk sent, the rest held back) until a /healthz asked after
        # this point has answered.
        waited.append(True)
        paused.set()
        await asyncio.wait_for(answered.wait(), STUCK_S)

    started = time.perf_counter()
    task = asyncio.create_task(upload(service, method, path, big_json(field, until_healthz_answered), chunked))
    rounds = await healthz_while(task, service, paused, answered)
    response = await task
    took = time.perf_counter() - started
    REPORT.append(
        f"size {name} {method} {path} ({'chunked' if chunked else 'content-length'}): {response.status_code} in "
        f"{took:.2f} s; /healthz answered {rounds} times meanwhile"
    )
    assert waited == [True]  # the upload did stop open mid-body, and went on only after /healthz answered
    assert response.status_code == 413, f"{method} {path}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    assert response.json()["status"] == 413
    assert response.json()["error_id"] == "body_too_large", response.text  # the limit's refusal: never parsed
    # ... and afterwards too.
    async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as client:
        assert (await client.get("/healthz")).status_code == 200
