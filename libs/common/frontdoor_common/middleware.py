"""Pure ASGI middleware every service runs (installed by `service.build_app`).

- `RequestContextMiddleware`: request id, structlog context, Prometheus request metrics, and the
  last word on unexpected exceptions: a 500 problem+json, with the connection kept alive.
- `BodyLimitMiddleware`: refuses a request body above the service's limit with 413
  problem+json, whether the size is announced (Content-Length) or streamed (chunked), without
  reading the rest of it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdoor_common.errors import PROBLEM_JSON, BodyTooLarge, ServiceError
from frontdoor_common.logging import get_logger
from frontdoor_common.telemetry import Metrics

log = get_logger(__name__)


async def send_problem(error: ServiceError, scope: Scope, send: Send, *, close: bool = False) -> None:
    """Answer with `error` as problem+json straight on the ASGI channel."""
    import json

    body = json.dumps(error.problem(scope.get("path"))).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        *[(k.lower().encode(), v.encode()) for k, v in error.headers.items()],
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _internal_error() -> ServiceError:
    return ServiceError(
        "An unexpected error occurred.", status=500, error_id="internal_error", title="Internal server error"
    )


class RequestContextMiddleware:
    """Request id, structlog context, Prometheus request metrics (pure ASGI: cheap).

    It also answers an unexpected exception itself. Starlette's ServerErrorMiddleware (where an
    `Exception` handler would run) sends the 500 and then re-raises, and uvicorn, seeing an
    exception after the response started, closes the connection: the client's next request on
    that keep-alive connection met a reset. Here the exception ends with the 500 and goes no
    further; only when the response had already started (a broken stream) is it re-raised, since
    the connection then cannot carry another response.

    With `access_log`, one line per request: method, route template, status, duration; never
    the path's values or the query string (they carry phone numbers and ids).
    """

    def __init__(self, app: ASGIApp, metrics_getter: Callable[[], Metrics | None], *, access_log: bool = False) -> None:
        self.app = app
        self.metrics_getter = metrics_getter
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                request_id = value.decode(errors="replace")[:100]
                break
        request_id = request_id or uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = {"code": 500}
        response_started = False

        async def _send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, _send)
        except Exception as exc:
            route = getattr(scope.get("route"), "path", "unmatched")
            log.error("unhandled error", route=route, error_type=type(exc).__name__, exc_info=exc)
            if response_started:
                raise  # half a response went out: only closing the connection ends it
            await send_problem(_internal_error(), scope, _send)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope.get("method", "")
            elapsed = time.perf_counter() - started
            metrics = self.metrics_getter()
            if metrics is not None:
                metrics.labels(metrics.http_requests, method=method, route=route, status=str(status["code"])).inc()
                metrics.labels(metrics.http_latency, method=method, route=route).observe(elapsed)
            if self.access_log:
                log.info("request", method=method, route=route, status=status["code"], ms=round(elapsed * 1000, 1))


class BodyLimitMiddleware:
    """413 problem+json (error_id `body_too_large`) for a request body above `max_bytes`.

    A Content-Length above the limit is refused before the app runs; a body that arrives
    without one (chunked) is counted as the app reads it, and the app's reading stops at the
    first byte over the limit: it gets an exception, whatever it answers is dropped, and the
    413 goes out instead. The rest of the body is never read by the app.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _error(self) -> BodyTooLarge:
        return BodyTooLarge(f"The request body exceeds {self.max_bytes} bytes.", max_bytes=self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    announced = int(value)
                except ValueError:
                    break  # the server refuses a malformed length itself
                if announced > self.max_bytes:
                    await send_problem(self._error(), scope, send)
                    return
                break
        received = 0
        exceeded = False
        started = False

        async def _receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise self._error()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise self._error()
            return message

        async def _send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's answer to a body it never got whole: the 413 replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, _receive, _send)
        except Exception:
            if not exceeded:
                raise
        if exceeded:
            if started:
                # The app answered before it read the body through; the answer is cut short
                # and only closing the connection ends it.
                raise RuntimeError("request body over the limit after the response started")
            await send_problem(self._error(), scope, send)
