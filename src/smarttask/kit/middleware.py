"""Pure ASGI middleware: request ids, access logs, last-resort errors, headers, CORS, bodies."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smarttask.kit.context import (
    accept_request_id,
    new_request_id,
    set_request_id,
    set_request_scope,
)
from smarttask.kit.problems import (
    PayloadTooLarge,
    UnsupportedMediaType,
    is_database_unavailable,
    problem_response,
    response_for_problem,
)

access_log = logging.getLogger("smarttask.access")
error_log = logging.getLogger("smarttask.errors")

_API_CSP = "default-src 'none'; frame-ancestors 'none'"
_DOCS_PATHS = ("/docs", "/redoc")
# Paths that are not pages of the web app: they keep the API's headers.
_NOT_PAGE_PATHS = ("/api/", "/health", "/openapi.json", "/metrics")
_MAX_USER_AGENT = 200
# Paths that carry a secret after their prefix (calendar feed tokens): logged masked.
_SECRET_PATH_PREFIXES = ("/calendar/",)


def loggable_path(path: str) -> str:
    """The path as the access log writes it: whatever follows a secret prefix masked."""
    for prefix in _SECRET_PATH_PREFIXES:
        if path.startswith(prefix):
            return prefix + "***"
    return path


def _security_headers(csp: str | None, hsts: bool) -> tuple[tuple[bytes, bytes], ...]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-resource-policy", b"same-origin"),
    ]
    if csp is not None:
        headers.append((b"content-security-policy", csp.encode()))
    if hsts:
        headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
    return tuple(headers)


def _aws_request_id(scope: Scope) -> str | None:
    context = scope.get("aws.context")
    return accept_request_id(getattr(context, "aws_request_id", None))


def _nul_in_url(scope: Scope) -> bool:
    """Whether the path or the query string carries a NUL byte (raw or as %00)."""
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query


async def _refuse_nul_in_url(scope: Scope, receive: Receive, send: Send) -> None:
    """422: no text of the API may hold a NUL byte (PostgreSQL cannot store or compare it)."""
    where = "path" if "\x00" in scope["path"] else "query"
    response = problem_response(
        422,
        "The request is not valid; see errors.",
        slug="validation-error",
        errors=[{"loc": [where], "msg": "NUL bytes are not allowed", "type": "value_error"}],
    )
    await response(scope, receive, send)


class EdgeMiddleware:
    """Outermost layer: request id, security headers, CORS, body limits, NUL-free URLs, one
    access log line, last-resort 500.

    One pure-ASGI layer instead of four: the request's headers are scanned once for what
    every request needs (X-Request-ID, Origin); CORS runs only for requests with an Origin,
    the body checks only for methods with a body.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts: bool,
        retry_after: int,
        max_bytes: int,
        raw_body_prefixes: Iterable[str] = (),
        uploads: Iterable[tuple[re.Pattern[str], int]] = (),
        cors: Mapping[str, Any],
        page_csp: str | None = None,
    ) -> None:
        self.app = app
        self.retry_after = retry_after
        self.body_checked = BodyLimitMiddleware(
            app, max_bytes=max_bytes, raw_body_prefixes=raw_body_prefixes, uploads=uploads
        )
        self.cors_checked = PreflightCORSMiddleware(self.body_checked, **cors)
        self.api_headers = _security_headers(_API_CSP, hsts=hsts)
        self.docs_headers = _security_headers(None, hsts=hsts)
        # The web app's pages (every other path) get its policy, when the app has pages.
        self.page_headers = (
            self.api_headers if page_csp is None else _security_headers(page_csp, hsts=hsts)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request inside its context."""
        if scope["type"] != "http":
            await self.cors_checked(scope, receive, send)
            return
        sent_id = origin = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                if sent_id is None:  # the first one, as Starlette's Headers.get reads it
                    sent_id = value.decode("latin-1")
            elif name == b"origin":
                origin = value
        request_id = None if sent_id is None else accept_request_id(sent_id)
        if request_id is None and "aws.context" in scope:
            request_id = _aws_request_id(scope)
        if request_id is None:
            request_id = new_request_id()
        set_request_id(request_id)
        set_request_scope(scope)  # who sent it, for the security log (kit/context.py)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False
        path: str = scope["path"]
        if path.startswith(_DOCS_PATHS):
            security = self.docs_headers
        elif path.startswith(_NOT_PAGE_PATHS):
            security = self.api_headers
        else:
            security = self.page_headers
        extra_headers = [(b"x-request-id", request_id.encode()), *security]
        is_api = path.startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = [*message.get("headers", ()), *extra_headers]
                if is_api:
                    for name, _ in headers:  # a loop, not any(): no generator per answer
                        if name == b"cache-control":
                            break
                    else:
                        headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        inner: ASGIApp = self.cors_checked if origin is not None else self.body_checked
        if _nul_in_url(scope):
            inner = _refuse_nul_in_url
        try:
            await inner(scope, receive, send_with_headers)
        except Exception as error:
            if is_database_unavailable(error):
                error_log.warning("database unavailable", exc_info=error)
                response = problem_response(
                    503,
                    "The database is unavailable right now; retry shortly.",
                    slug="service-unavailable",
                    headers={"Retry-After": str(self.retry_after)},
                )
            else:
                error_log.error("unhandled error", exc_info=error)
                response = problem_response(
                    500,
                    "An unexpected error occurred; it has been logged.",
                    slug="internal-error",
                )
            if not response_started:
                await response(scope, receive, send_with_headers)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                self._log_access(scope, request_id, status, started)
            set_request_id(None)
            set_request_scope(None)

    @staticmethod
    def _log_access(scope: Scope, request_id: str, status: int, started: float) -> None:
        client = scope.get("client")
        user_agent = Headers(scope=scope).get("user-agent") or ""
        access_log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": scope["method"],
                "path": loggable_path(scope["path"]),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "client_ip": client[0] if client else None,
                "user_agent": user_agent[:_MAX_USER_AGENT],
            },
        )


class PreflightCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, answering preflights 204 and refusing them as problems."""

    def preflight_response(self, request_headers: Headers) -> Response:
        """204 with the allow headers, or a 400 problem for a refused origin or method."""
        response = super().preflight_response(request_headers)
        if response.status_code != 200:
            detail = bytes(response.body).decode(errors="replace")
            return problem_response(400, detail or "Disallowed CORS request.", slug="cors-refused")
        headers = MutableHeaders(raw=list(response.raw_headers))
        del headers["content-length"]
        del headers["content-type"]
        return Response(status_code=204, headers=dict(headers))


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class BodyLimitMiddleware:
    """Refuses bodies over the limit (413) and non-JSON bodies on the API (415)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        raw_body_prefixes: Iterable[str] = (),
        uploads: Iterable[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.raw_body_prefixes = tuple(raw_body_prefixes)
        # File uploads (paths matching a pattern): a limit of their own, any media type.
        self.uploads = tuple(uploads)

    def _upload_limit(self, path: str) -> int | None:
        return next((limit for pattern, limit in self.uploads if pattern.match(path)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared size and type, then count the bytes as they arrive."""
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        raw_allowed = (
            scope["path"].startswith(self.raw_body_prefixes) if self.raw_body_prefixes else False
        )
        upload = self._upload_limit(scope["path"]) if self.uploads else None
        limit = self.max_bytes if upload is None else upload
        if not raw_allowed:
            if declared is not None and declared.isdigit() and int(declared) > limit:
                await self._refuse(scope, receive, send, self._too_large(limit))
                return
            has_body = (declared not in (None, "0")) or "chunked" in headers.get(
                "transfer-encoding", ""
            )
            if (
                has_body
                and upload is None
                and scope["path"].startswith("/api/")
                and not _is_json(headers.get("content-type", ""))
            ):
                problem = UnsupportedMediaType("Send the body as application/json.")
                await self._refuse(scope, receive, send, problem)
                return
        if raw_allowed:
            await self.app(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException passes through FastAPI's body parsing unchanged.
                    raise HTTPException(413, self._too_large(limit).detail)
            return message

        await self.app(scope, counting_receive, send)

    def _too_large(self, limit: int) -> PayloadTooLarge:
        return PayloadTooLarge(f"The body is larger than the limit of {limit} bytes.")

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, problem: Exception) -> None:
        assert isinstance(problem, PayloadTooLarge | UnsupportedMediaType)
        await response_for_problem(problem)(scope, receive, send)
