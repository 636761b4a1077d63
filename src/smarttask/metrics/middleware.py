"""Pure ASGI middleware counting and timing every HTTP request by its route template."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smarttask.kit.metrics import Instruments, label_children
from smarttask.speed._fastapi_private import ROUTE_CONTEXT_KEY

# Requests that matched no route (404s of unknown paths, scanners) share one label value.
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_MAX_CHILDREN = 20_000  # label combinations kept resolved; all bounded, this is a backstop


def route_template(scope: Scope) -> str:
    """The matched route's full path template (`/api/v1/tasks/{task_id}`), never the raw path."""
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    if ROUTE_CONTEXT_KEY is not None:
        # FastAPI 0.165 serves an included router's route with its router-relative path;
        # the effective context it selected knows the full one.
        context = scope.get("fastapi", {}).get(ROUTE_CONTEXT_KEY)
        if context is not None and getattr(context, "original_route", None) is route:
            return str(context.path_format)
    return str(getattr(route, "path_format", None) or UNMATCHED)


class MetricsMiddleware:
    """Outermost layer: one counter increment and one histogram observation per request.

    The answer's status is read from its start message; a request that fails before any
    answer counts as the 500 the error layer sends. `after_request`, when given, runs after
    each request (multi-process mode: this worker's pool gauges are written to its file).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        instruments: Instruments,
        after_request: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.instruments = instruments
        self.after_request = after_request
        self._children: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, then record it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else "other"
        key = (method, route_template(scope), status)
        children = self._children.get(key)
        if children is None:
            if len(self._children) >= _MAX_CHILDREN:
                self._children.clear()
            children = self._children[key] = label_children(self.instruments, *key)
        children[0].inc()
        children[1].observe(seconds)
        if self.after_request is not None:
            self.after_request()
