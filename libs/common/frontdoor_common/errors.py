"""RFC 9457 problem+json errors with stable error ids.

The `error_id` values are part of the HTTP API that integrators parse: never rename one.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from frontdoor_common.logging import get_logger

log = get_logger(__name__)
PROBLEM_JSON = "application/problem+json"


class FieldProblem(BaseModel):
    """One invalid field of a request (in a validation problem's `errors`)."""

    field: str = Field(description="Dotted path of the field, e.g. `amount` or `phones.0.number`")
    message: str
    type: str = ""


class Problem(BaseModel):
    """An RFC 9457 problem document, as every Frontdoor error answers (application/problem+json).

    `error_id` is stable (integrators parse it); `field` names the offending field of bad input.
    Some problems carry more members (e.g. `scope`, `checks`), hence extra members are allowed.
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the kind of problem")
    title: str
    status: int = Field(description="The HTTP status code")
    detail: str | None = None
    error_id: str = Field(description="Stable identifier of the error; never renamed")
    instance: str | None = Field(default=None, description="The request path")
    field: str | None = Field(default=None, description="The field at fault, for bad input")
    errors: list[FieldProblem] | None = Field(default=None, description="Every invalid field (validation problems)")


class ServiceError(Exception):
    """An expected failure, rendered as problem+json."""

    status: int = 400
    error_id: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        error_id: str | None = None,
        title: str | None = None,
        field: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if status is not None:
            self.status = status
        if error_id is not None:
            self.error_id = error_id
        if title is not None:
            self.title = title
        self.field = field
        self.extra = extra
        self.headers: dict[str, str] = {}

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        """The problem document."""
        body: dict[str, Any] = {
            "type": f"https://frontdoor.dev/problems/{self.error_id}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "error_id": self.error_id,
        }
        if instance:
            body["instance"] = instance
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class InvalidInput(ServiceError):
    """A well-formed request whose content breaks a rule; names the field."""

    status = 422
    error_id = "invalid_input"
    title = "Invalid input"


class NotFound(ServiceError):
    """Not there, or another tenant's: the two are indistinguishable on purpose."""

    status = 404
    error_id = "not_found"
    title = "Not found"


class Gone(ServiceError):
    """It existed and was erased on purpose (a member's data, a data key)."""

    status = 410
    error_id = "gone"
    title = "Gone"


class Conflict(ServiceError):
    """The request conflicts with the current state (duplicate, transition not allowed)."""

    status = 409
    error_id = "conflict"
    title = "Conflict"


class Unauthorized(ServiceError):
    """No valid credentials."""

    status = 401
    error_id = "unauthorized"
    title = "Unauthorized"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class Forbidden(ServiceError):
    """Valid credentials that do not allow this."""

    status = 403
    error_id = "forbidden"
    title = "Forbidden"


class Unavailable(ServiceError):
    """A dependency is down."""

    status = 503
    error_id = "unavailable"
    title = "Service unavailable"


class BodyTooLarge(ServiceError):
    """The request body is larger than this service accepts."""

    status = 413
    error_id = "body_too_large"
    title = "Request body too large"


def problem_response(error: ServiceError, request: Request | None = None) -> JSONResponse:
    """Render a ServiceError."""
    return JSONResponse(
        error.problem(str(request.url.path) if request else None),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=error.headers or None,
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem+json: ours, validation, HTTP, and the unexpected."""

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(e.get("loc", ()))), "message": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        error = InvalidInput(
            f"{first['field']}: {first['message']}" if first["field"] else first["message"],
            error_id="validation_failed",
            title="Request validation failed",
            field=first["field"] or None,
            errors=errors,
        )
        return problem_response(error, request)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        ids = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
        error = ServiceError(
            str(exc.detail),
            status=exc.status_code,
            error_id=ids.get(exc.status_code, f"http_{exc.status_code}"),
            title=str(exc.detail),
        )
        response = problem_response(error, request)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path, error_type=type(exc).__name__)
        return problem_response(
            ServiceError(
                "An unexpected error occurred.", status=500, error_id="internal_error", title="Internal server error"
            ),
            request,
        )
