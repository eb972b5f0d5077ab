"""structlog JSON logs carrying request id, tenant and trace id from context variables.

Everything goes out as one JSON object per line, stdlib logging too (uvicorn, aiokafka,
SQLAlchemy, httpx): the root logger's handler renders foreign records through the same
processors. No personal data: httpx/httpcore log every request URL at INFO (member lookups
carry the phone number in the query), so they are held at WARNING; uvicorn's access log, if
someone turns it on, loses its query strings; SQL parameters are never put in error messages
(see `db.make_engine`).
"""

from __future__ import annotations

import logging
import sys
from typing import Any
from urllib.parse import urlsplit

import structlog

# Loggers that say too much at INFO (request lines with URLs: httpx, httpcore; chatter) or put
# personal data in their DEBUG lines (aiosqlite logs SQL parameters).
QUIET = ("httpx", "httpcore", "aiokafka", "alembic", "uvicorn.access", "aiosqlite")


def _add_trace_id(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    from opentelemetry import trace

    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event_dict.setdefault("trace_id", format(ctx.trace_id, "032x"))
    return event_dict


class StripQueryString(logging.Filter):
    """Drop the query string from uvicorn access-log lines (it carries phone numbers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the path argument in place; never drops the record."""
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], _without_query(args[2]), args[3], args[4])
        return True


def _without_query(path: str) -> str:
    return urlsplit(path).path if "?" in path else path


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours (so a second configure replaces it instead of adding another)."""


def configure_logging(*, level: str = "INFO", json: bool = True, service: str | None = None) -> None:
    """Configure structlog and stdlib logging (both rendered by structlog); safe to call again."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_id,
    ]
    if service:
        shared.insert(0, lambda _l, _n, d: {"service": service, **d})
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    numeric = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
    handler = _Handler(sys.stderr)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, numeric))
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, StripQueryString) for f in access.filters):
        access.addFilter(StripQueryString())
    # uvicorn's own handlers (if it configured any) would print plain text: let records
    # reach the root handler instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uv = logging.getLogger(name)
        for h in [h for h in uv.handlers if not isinstance(h, _Handler)]:
            uv.removeHandler(h)
        uv.propagate = True


def safe_error(exc: BaseException, limit: int = 300) -> str:
    """An exception as a log field, without the input values that pydantic errors quote."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_input=False)]
        return f"{exc.title}: " + "; ".join(parts)[:limit]
    return str(exc)[:limit]


def get_logger(name: str | None = None) -> Any:
    """A structlog logger."""
    return structlog.get_logger(name)
