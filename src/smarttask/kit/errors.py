"""Exception handlers that turn every error path into problem+json."""

from __future__ import annotations

import logging
import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from smarttask.kit.etag import names_a_version
from smarttask.kit.problems import (
    ProblemError,
    is_database_unavailable,
    problem_response,
    response_for_problem,
)
from smarttask.kit.unit_of_work import unit_of_work

log = logging.getLogger("smarttask.errors")

_HTTP_DETAILS = {
    404: "No resource lives at this address.",
    405: "This method is not allowed here.",
}


# A body of 100,000 unknown keys made 100,000 errors: a 9 MB answer to a 1 MB request.
MAX_ERRORS = 50


def _clean_errors(errors: Any) -> list[dict[str, Any]]:
    """The first MAX_ERRORS validation errors, without the offending input echoed back (it
    may be huge or secret)."""
    cleaned = []
    for error in errors[:MAX_ERRORS]:
        cleaned.append(
            {
                "loc": [
                    part if isinstance(part, int | str) else str(part)
                    for part in error.get("loc", ())
                ],
                "msg": str(error.get("msg", "invalid value")),
                "type": str(error.get("type", "value_error")),
            }
        )
    return cleaned


def _refused_before_running(request: Request) -> None:
    """The operation never ran: an Idempotency-Key claim is released, not stored."""
    uow = request.scope.get("state", {}).get("uow")
    if uow is not None:
        uow.refused_before_running = True


def _unparsable_body(cause: BaseException) -> Response:
    """The 422 of a body FastAPI could not parse as JSON beyond a plain syntax error."""
    if isinstance(cause, UnicodeDecodeError):
        msg = "The body is not valid UTF-8"
    elif isinstance(cause, RecursionError):
        msg = "The JSON is nested too deeply"
    else:  # e.g. an integer with more digits than Python converts
        msg = "The body is not valid JSON"
    return problem_response(
        422,
        "The request is not valid; see errors.",
        slug="validation-error",
        errors=[{"loc": ["body"], "msg": msg, "type": "json_invalid"}],
    )


def _is_stale_data(error: Exception) -> bool:
    """Whether the ORM found a row changed under it (a version or row-count mismatch)."""
    # Looked up, not imported: only the ORM raises StaleDataError, so while it is not loaded
    # (a Lambda cold start reading through Core) no error can be one.
    orm_exc = sys.modules.get("sqlalchemy.orm.exc")
    return orm_exc is not None and isinstance(error, orm_exc.StaleDataError)


def install_exception_handlers(app: FastAPI, *, retry_after: int) -> None:
    """Register the handlers on the app."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        if exc.keep_changes:
            unit_of_work(request.scope).keep_changes_on_error()
        return response_for_problem(exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        _refused_before_running(request)
        errors = exc.errors()
        detail = "The request is not valid; see errors."
        if len(errors) > MAX_ERRORS:
            detail = (
                f"The request is not valid; see errors (the first {MAX_ERRORS} of {len(errors)})."
            )
        return problem_response(422, detail, slug="validation-error", errors=_clean_errors(errors))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError | RecursionError):
            # FastAPI's "error parsing the body": invalid UTF-8, nesting beyond the
            # parser's depth, a number too long to convert. Malformed JSON is a 422.
            _refused_before_running(request)
            return _unparsable_body(exc.__cause__)
        detail = (
            exc.detail
            if isinstance(exc.detail, str) and exc.status_code not in _HTTP_DETAILS
            else _HTTP_DETAILS.get(exc.status_code, str(exc.detail))
        )
        return problem_response(exc.status_code, detail, headers=exc.headers)

    async def on_database(request: Request, exc: Exception) -> Response:
        if _is_stale_data(exc) and names_a_version(request.headers.get("if-match")):
            # Several writers passed the If-Match check on the same version and one of them
            # committed first: for the others that version is no longer current (RFC 9110).
            return problem_response(
                412,
                "The resource changed since you read it (If-Match does not match its ETag); "
                "read it again and retry.",
                slug="precondition-failed",
            )
        if _is_stale_data(exc):
            return problem_response(
                409,
                "The resource was changed by another request at the same time; retry.",
                slug="conflict",
            )
        if is_database_unavailable(exc):
            log.warning("database unavailable", exc_info=exc)
            return problem_response(
                503,
                "The database is unavailable right now; retry shortly.",
                slug="service-unavailable",
                headers={"Retry-After": str(retry_after)},
            )
        log.error("database error", exc_info=exc)
        return problem_response(
            500, "An unexpected error occurred; it has been logged.", slug="internal-error"
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(SQLAlchemyError, on_database)
    app.add_exception_handler(ConnectionError, on_database)
    app.add_exception_handler(TimeoutError, on_database)
