"""A database that is busy (SQLite's write lock, PostgreSQL's lock or statement timeouts) is a 503, not a 500.

The request did nothing (its transaction was rolled back), so the client may simply retry: the problem
says so (`retryable`) and `Retry-After` suggests when. Every service installs it (`build_app`).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from frontdoor_common.db import is_sqlite_busy
from frontdoor_common.errors import Unavailable, problem_response
from frontdoor_common.logging import get_logger

log = get_logger(__name__)

# lock_not_available, deadlock_detected, serialization_failure, query_canceled (lock/statement timeout)
_PG_BUSY = frozenset({"55P03", "40P01", "40001", "57014"})
RETRY_AFTER_S = 1


def is_database_busy(exc: BaseException) -> bool:
    """Whether the database refused for now (lock or timeout), as opposed to a broken statement."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code in _PG_BUSY or is_sqlite_busy(exc)


def install_busy_handler(app: FastAPI) -> None:
    """Render a busy database as a retryable 503 problem+json; any other database error stays a 500."""

    async def _busy(request: Request, exc: Exception) -> JSONResponse:
        if not is_database_busy(exc):
            raise exc  # the usual 500 (logged by the catch-all handler)
        log.warning("database busy", path=request.url.path, error_type=type(exc).__name__)
        error = Unavailable("The database is busy; try again shortly.", error_id="database_busy", retryable=True)
        error.headers = {"Retry-After": str(RETRY_AFTER_S)}
        return problem_response(error, request)

    app.add_exception_handler(DBAPIError, _busy)
