"""Routers imported and included on the first request that could need them.

Importing a domain's routes builds FastAPI's dependants and pydantic validators for each
endpoint, and imports its services, repositories and models: most of a cold start. A
`LazyRouter` names a router by its module and by the leading path segments (under the API
prefix) that its routes start with, `*` standing for one path parameter:
`("tasks/*/comments", "comments")` for `/api/v1/tasks/{task_id}/comments` and
`/api/v1/comments/{comment_id}`. A request whose path starts with one of them imports and
includes that router before it is routed; every router takes the place it would have had
if all were included at start, so routing order and the OpenAPI document do not depend on
which requests came first. The OpenAPI and docs paths, and any call of `app.openapi()`,
include all of them first. Any other path cannot match a lazy route: it is routed (404,
405) without importing anything. A path with or without a trailing slash starts with the
same segments, so Starlette's slash redirects find the route too.

An eager app calls `include_all()` at start: the same code includes everything at once.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from smarttask.speed._fastapi_private import get_route_path

log = logging.getLogger("smarttask.routes")


@dataclass(frozen=True, slots=True)
class LazyRouter:
    """A module's `router` and the leading path segments of its routes (`*`: a parameter)."""

    module: str
    paths: tuple[str, ...]
    # None: under the app's API prefix; else this prefix ("" for the web app's pages).
    prefix: str | None = None

    def load(self) -> APIRouter:
        """Import the module; its router."""
        router: APIRouter = importlib.import_module(self.module).router
        return router

    def serves(self, segments: Sequence[str]) -> bool:
        """Whether a route of this router could match a path of these segments."""
        return any(_starts_with(segments, path.split("/")) for path in self.paths)


def _starts_with(segments: Sequence[str], pattern: Sequence[str]) -> bool:
    """Whether the segments begin with the pattern's (`*` matches any one segment)."""
    if len(segments) < len(pattern):
        return False
    return all(p in ("*", s) for s, p in zip(segments, pattern, strict=False))


class LazyRouters:
    """Includes the routers of an app, all at once or each on the first request it serves."""

    def __init__(self, app: FastAPI, prefix: str, routers: Sequence[LazyRouter]) -> None:
        self._app = app
        self._prefix = prefix.rstrip("/")
        self._under = self._prefix + "/"
        self._routers = tuple(routers)
        self._pending = set(range(len(self._routers)))
        # The routes of included routers are kept together from here, in declaration order.
        self._start = len(app.router.routes)
        self._included: list[tuple[int, list[BaseRoute]]] = []
        self._everything = {
            url for url in (app.openapi_url, app.docs_url, app.redoc_url) if url is not None
        }
        # Routers by where their paths start (their prefix and first segment; `*` for a
        # parameter): a request checks only those that could serve it, so a long-running
        # server whose traffic never reaches some routers pays next to nothing for them.
        self._index: dict[tuple[str, str], list[int]] = {}
        for position, lazy in enumerate(self._routers):
            for pattern in lazy.paths:
                key = (self._under_of(lazy), pattern.split("/")[0])
                self._index.setdefault(key, []).append(position)
        self._unders = tuple(sorted({under for under, _ in self._index}))

    def _under_of(self, lazy: LazyRouter) -> str:
        """The start of the paths of a router's routes, up to its patterns' first segment."""
        return self._under if lazy.prefix is None else lazy.prefix.rstrip("/") + "/"

    @property
    def pending(self) -> tuple[str, ...]:
        """The modules whose routers are not included yet."""
        return tuple(self._routers[i].module for i in sorted(self._pending))

    def include(self, positions: Iterable[int]) -> None:
        """Include these routers (by position) unless they already are."""
        for position in sorted(set(positions) & self._pending):
            routes = self._app.router.routes
            before = len(routes)
            lazy = self._routers[position]
            prefix = self._prefix if lazy.prefix is None else lazy.prefix.rstrip("/")
            self._app.include_router(lazy.load(), prefix=prefix)
            added = routes[before:]
            del routes[before:]
            region = slice(self._start, self._start + sum(len(r) for _, r in self._included))
            self._included.append((position, added))
            self._included.sort(key=lambda item: item[0])
            routes[region] = [route for _, included in self._included for route in included]
            self._pending.discard(position)
            self._app.openapi_schema = None
            log.debug("routes of %s included", self._routers[position].module)

    def include_all(self) -> None:
        """Include every router."""
        self.include(range(len(self._routers)))

    def include_for(self, path: str) -> None:
        """Include the routers that could serve this path."""
        if path in self._everything:
            self.include_all()
            return
        needed = set()
        for under in self._unders:
            if not path.startswith(under):
                continue
            segments = path[len(under) :].split("/")
            for first in (segments[0], "*"):
                for i in self._index.get((under, first), ()):
                    if i in self._pending and self._routers[i].serves(segments):
                        needed.add(i)
        if needed:
            self.include(needed)

    def include_for_request(self, scope: Scope) -> None:
        """Include the routers an HTTP request could need; for routing, and for any layer
        that reads the app's routes before routing does (the tracing span's name, the
        owner of an `Idempotency-Key`)."""
        if self._pending and scope["type"] == "http":
            self.include_for(get_route_path(scope))

    def install(self) -> None:
        """Include routers on demand: before routing each request, and in `app.openapi()`."""
        router = self._app.router
        route: ASGIApp = router.middleware_stack

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            self.include_for_request(scope)
            await route(scope, receive, send)

        router.middleware_stack = dispatch
        generate = self._app.openapi

        def openapi() -> dict[str, Any]:
            self.include_all()
            return generate()

        self._app.openapi = openapi  # type: ignore[method-assign]
