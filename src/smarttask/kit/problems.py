"""Domain errors and their RFC 9457 problem+json form, decided in one place."""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from sqlalchemy import exc as sa_exc
from starlette.responses import Response

from smarttask.kit.context import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://smarttask.dev/problems/"


class ProblemError(Exception):
    """An error the client should see, with its HTTP status and a human explanation."""

    status: int = 500
    slug: str = "internal-error"

    def __init__(
        self,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
        extra: Mapping[str, Any] | None = None,
        keep_changes: bool = False,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        # True when what the request wrote must be committed despite the error
        # (e.g. revoking a token family when a used refresh token comes back).
        self.keep_changes = keep_changes
        self.headers = dict(headers or {})
        self.errors = list(errors) if errors is not None else None
        self.extra = dict(extra or {})


class BadRequest(ProblemError):
    """The request is malformed in a way validation did not catch."""

    status, slug = 400, "bad-request"


class Unauthorized(ProblemError):
    """Missing, invalid or expired credentials."""

    status, slug = 401, "unauthorized"


class Forbidden(ProblemError):
    """Authenticated, but the role is too low."""

    status, slug = 403, "forbidden"


class NotFound(ProblemError):
    """The resource does not exist (or is not visible to the caller)."""

    status, slug = 404, "not-found"


class Conflict(ProblemError):
    """The request conflicts with the current state."""

    status, slug = 409, "conflict"


class PreconditionFailed(ProblemError):
    """If-Match did not match the current version."""

    status, slug = 412, "precondition-failed"


class PayloadTooLarge(ProblemError):
    """The body is over the configured limit."""

    status, slug = 413, "payload-too-large"


class UnsupportedMediaType(ProblemError):
    """The body is not JSON."""

    status, slug = 415, "unsupported-media-type"


class ValidationFailed(ProblemError):
    """The input is well-formed but invalid."""

    status, slug = 422, "validation-error"


class TooManyRequests(ProblemError):
    """A rate limit or budget was exceeded."""

    status, slug = 429, "too-many-requests"


class ServiceUnavailable(ProblemError):
    """A dependency (usually the database) cannot be reached right now."""

    status, slug = 503, "service-unavailable"


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """A problem+json response carrying the current request id."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (slug or phrase.lower().replace(" ", "-")),
        "title": title or phrase,
        "status": status,
        "detail": detail,
        "request_id": current_request_id(),
    }
    if errors is not None:
        body["errors"] = list(errors)
    if extra:
        body.update(extra)
    return Response(
        orjson.dumps(body),
        status_code=status,
        headers=dict(headers or {}),
        media_type=PROBLEM_MEDIA_TYPE,
    )


def response_for_problem(problem: ProblemError) -> Response:
    """The response of a raised ProblemError."""
    return problem_response(
        problem.status,
        problem.detail,
        slug=problem.slug,
        headers=problem.headers,
        errors=problem.errors,
        extra=problem.extra,
    )


# SQLSTATE classes and codes that mean "not now", not "never": connection failures (08),
# too many connections (53), shutdowns (57P01-57P03), statement and lock timeouts.
_TRANSIENT_SQLSTATE_CLASSES = ("08", "53")
_TRANSIENT_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "57014", "55P03"})


def _sqlstate(error: BaseException) -> str | None:
    seen: BaseException | None = error
    while seen is not None:
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(code, str):
            return code
        seen = seen.__cause__
    return None


def is_database_unavailable(error: BaseException) -> bool:
    """True when the error means the database cannot be reached or is too busy to answer."""
    if isinstance(error, sa_exc.TimeoutError):  # pool exhausted
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
            return True
        code = _sqlstate(error.orig) if error.orig is not None else None
        if code is not None:
            return code.startswith(_TRANSIENT_SQLSTATE_CLASSES) or code in _TRANSIENT_SQLSTATES
        text = str(error.orig).lower()
        return "timeout" in text or "canceling statement" in text or "connection" in text
    return isinstance(error, ConnectionError | TimeoutError | socket.gaierror)
