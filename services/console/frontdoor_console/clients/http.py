"""One service's HTTP client: answers as data, faults as the two kinds a page shows.

- `ServiceDown`: no answer (refused, timed out) or a 5xx: the part of the page that needs the
  service says it is not answering; the rest of the page works.
- `ServiceRefused`: a 4xx problem+json (a 409 `offer_not_open` when the call has moved on, a
  423 when verification is locked ...): shown in words, with the service's `error_id`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from frontdoor_common.logging import get_logger

log = get_logger(__name__)


class ServiceDown(Exception):
    """A service did not answer (or answered 5xx)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service} is not answering ({reason})")
        self.service = service
        self.reason = reason


class ServiceRefused(Exception):
    """A service answered with a 4xx problem."""

    def __init__(
        self,
        service: str,
        status: int,
        error_id: str,
        detail: str,
        field: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{service} answered {status} {error_id}: {detail}")
        self.service = service
        self.status = status
        self.error_id = error_id
        self.detail = detail
        self.field = field
        self.body = body or {}  # the whole problem, with its extra members (e.g. agents' `next_free`)

    @property
    def conflict(self) -> bool:
        """The thing has moved on (409) or is locked (423)."""
        return self.status in (409, 423)

    @classmethod
    def from_response(cls, service: str, response: httpx.Response) -> ServiceRefused:
        """Read the problem+json body (or make do without one)."""
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        return cls(
            service,
            response.status_code,
            str(body.get("error_id") or f"http_{response.status_code}"),
            str(body.get("detail") or body.get("title") or response.reason_phrase),
            str(body["field"]) if body.get("field") else None,
            body,
        )


class ServiceClient:
    """A pooled client to one service; every call names the bearer token to send."""

    def __init__(self, name: str, base_url: str, *, timeout: float, connect_timeout: float) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    async def request(
        self,
        method: str,
        path: str,
        token: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """The decoded JSON answer (None for an empty body); ServiceDown/ServiceRefused otherwise.
        `timeout`: this request's own, in seconds (a simulation may take longer than a read)."""
        sent = {"Authorization": f"Bearer {token}", **(headers or {})}
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        try:
            response = await self.http.request(method, path, json=json, params=params, headers=sent, **extra)
        except httpx.TransportError as exc:
            raise ServiceDown(self.name, type(exc).__name__) from None
        if response.status_code >= 500:
            raise ServiceDown(self.name, f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise ServiceRefused.from_response(self.name, response)
        return response.json() if response.content else None

    async def get(self, path: str, token: str, **kw: Any) -> Any:
        """GET `path`."""
        return await self.request("GET", path, token, **kw)

    async def post(self, path: str, token: str, **kw: Any) -> Any:
        """POST `path`."""
        return await self.request("POST", path, token, **kw)

    async def put(self, path: str, token: str, **kw: Any) -> Any:
        """PUT `path`."""
        return await self.request("PUT", path, token, **kw)

    async def open_stream(
        self, path: str, token: str, *, params: dict[str, Any] | None = None, timeout: float | None = None
    ) -> httpx.Response:
        """A GET whose body is passed on as it comes (a member's access report): the open response
        once its status is a success (the caller reads it with `aiter_bytes` and closes it);
        ServiceDown/ServiceRefused otherwise, the response closed. `timeout`: between two chunks."""
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        request = self.http.build_request(
            "GET", path, params=params, headers={"Authorization": f"Bearer {token}"}, **extra
        )
        try:
            response = await self.http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise ServiceDown(self.name, type(exc).__name__) from None
        if response.status_code < 400:
            return response
        try:
            if response.status_code >= 500:
                raise ServiceDown(self.name, f"HTTP {response.status_code}")
            await response.aread()
            raise ServiceRefused.from_response(self.name, response)
        finally:
            await response.aclose()

    @contextlib.asynccontextmanager
    async def events(self, path: str, token: str) -> AsyncIterator[AsyncIterator[tuple[str, str]]]:
        """A server-sent event stream: yields an iterator of (event, data) pairs."""
        request = self.http.build_request(
            "GET", path, headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        )
        try:
            response = await self.http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise ServiceDown(self.name, type(exc).__name__) from None
        try:
            if response.status_code >= 500:
                raise ServiceDown(self.name, f"HTTP {response.status_code}")
            if response.status_code >= 400:
                await response.aread()
                raise ServiceRefused.from_response(self.name, response)
            yield _parse_events(response)
        finally:
            await response.aclose()

    async def close(self) -> None:
        """Close the pool."""
        await self.http.aclose()


async def _parse_events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body; comments are skipped."""
    event, data = "message", list[str]()
    try:
        async for line in response.aiter_lines():
            if not line:
                if data:
                    yield event, "\n".join(data)
                event, data = "message", list[str]()
            elif line.startswith(":"):
                continue
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
    except httpx.TransportError as exc:
        raise ServiceDown(response.request.url.host or "service", type(exc).__name__) from None
