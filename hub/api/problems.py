"""RFC 9457 problem+json error responses for every error of the API."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from hub.errors import (
    ConflictError,
    DomainError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    PreconditionFailedError,
)

PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger(__name__)

#: HTTP status of each domain error (subclasses first).
DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (FieldError, 422),
    (NotFoundError, 404),
    (ForbiddenError, 403),
    (ConflictError, 409),
    (PreconditionFailedError, 412),
)


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> JSONResponse:
    """A problem+json response; `type` and other members may be given as keywords."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


@contextmanager
def body_fields() -> Iterator[None]:
    """Name fields of domain FieldErrors as request body fields (body.<field>), like validation errors."""
    try:
        yield
    except FieldError as exc:
        raise FieldError(f"body.{exc.field}", exc.message) from None


class ProblemError(HTTPException):
    """An HTTP error carrying a problem type and extra members."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        problem_type: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(status, detail, headers)
        self.problem_type = problem_type
        self.extra = extra


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    extra: dict[str, Any] = {"instance": request.url.path}
    if isinstance(exc, ProblemError):
        extra |= {"type": exc.problem_type, **exc.extra}
    response = problem(
        exc.status_code, HTTPStatus(exc.status_code).phrase, str(exc.detail) if exc.detail else None, **extra
    )
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")} for err in exc.errors()
    ]
    fields = ", ".join(e["field"] for e in errors)
    return problem(422, "Unprocessable Content", f"invalid input: {fields}", errors=errors, instance=request.url.path)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next(code for kind, code in DOMAIN_STATUS if isinstance(exc, kind))
    extra: dict[str, Any] = {"type": exc.problem_type, "instance": request.url.path}
    if isinstance(exc, FieldError):
        extra["errors"] = [{"field": exc.field, "message": exc.message}]
    return problem(status, HTTPStatus(status).phrase, exc.detail, **extra)


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    """A value the database refuses (e.g. a NUL inside a JSON string) is the client's error, not a 500."""
    if "NUL" in str(exc) or "\\u0000" in str(exc):  # text: "NUL (0x00)"; jsonb: "\u0000 cannot be converted"
        detail = "a text value contains a NUL character, which cannot be stored"
        return problem(422, "Unprocessable Content", detail, instance=request.url.path)
    return await _server_error(request, exc)


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "Internal Server Error", "the server failed; the error is logged", instance=request.url.path)


def install(app: FastAPI) -> None:
    """Answer every HTTP, validation, domain and unexpected error with problem+json."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for kind, _ in DOMAIN_STATUS:
        app.add_exception_handler(kind, _domain_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(psycopg.DataError, _data_error)  # reads run on the driver (hub.api.reader)
    app.add_exception_handler(Exception, _server_error)
