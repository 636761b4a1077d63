"""Exception handlers that turn every error path into problem+json."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException
from starlette.responses import Response

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


def _clean_errors(errors: Any) -> list[dict[str, Any]]:
    """Validation errors without the offending input echoed back (it may be huge or secret)."""
    cleaned = []
    for error in errors:
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


def install_exception_handlers(app: FastAPI, *, retry_after: int) -> None:
    """Register the handlers on the app."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        if exc.keep_changes:
            unit_of_work(request.scope).keep_changes_on_error()
        return response_for_problem(exc)

    async def on_validation(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem_response(
            422,
            "The request is not valid; see errors.",
            slug="validation-error",
            errors=_clean_errors(exc.errors()),
        )

    async def on_http(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        detail = (
            exc.detail
            if isinstance(exc.detail, str) and exc.status_code not in _HTTP_DETAILS
            else _HTTP_DETAILS.get(exc.status_code, str(exc.detail))
        )
        return problem_response(exc.status_code, detail, headers=exc.headers)

    async def on_database(_request: Request, exc: Exception) -> Response:
        if isinstance(exc, StaleDataError):
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
