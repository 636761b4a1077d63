"""Routers imported and included on the first request that could need them.

Importing a domain's routes builds FastAPI's dependants and pydantic validators for each
endpoint, and imports its services, repositories and models: most of a cold start. A
`LazyRouters` names each router by its module and by the first path segments under the API
prefix that its routes start with (`tasks` for `/api/v1/tasks/{task_id}`). A request whose
path starts with such a segment imports and includes the routers that declare it before it
is routed; every router takes the place it would have had if all were included at start, so
routing order and the OpenAPI document do not depend on which requests came first. The
OpenAPI and docs paths, and any call of `app.openapi()`, include all of them first. Any
other path cannot match a lazy route: it is routed (404, 405) without importing anything.

With `lazy=False` everything is included at once, through the same code.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette._utils import get_route_path
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("smarttask.routes")


@dataclass(frozen=True, slots=True)
class LazyRouter:
    """A module's `router` and the first path segments (under the prefix) of its routes."""

    module: str
    segments: tuple[str, ...]

    def load(self) -> APIRouter:
        """Import the module; its router."""
        router: APIRouter = importlib.import_module(self.module).router
        return router


class LazyRouters:
    """Includes the routers of an app, all at once or each on the first request it serves."""

    def __init__(self, app: FastAPI, prefix: str, routers: Sequence[LazyRouter]) -> None:
        self._app = app
        self._prefix = prefix.rstrip("/")
        self._under = self._prefix + "/"
        self._routers = tuple(routers)
        self._pending = set(range(len(self._routers)))
        self._by_segment: dict[str, tuple[int, ...]] = {}
        for position, router in enumerate(self._routers):
            for segment in router.segments:
                self._by_segment[segment] = (*self._by_segment.get(segment, ()), position)
        # The routes of included routers are kept together from here, in declaration order.
        self._start = len(app.router.routes)
        self._included: list[tuple[int, list[BaseRoute]]] = []
        self._everything = {
            url for url in (app.openapi_url, app.docs_url, app.redoc_url) if url is not None
        }

    @property
    def pending(self) -> tuple[str, ...]:
        """The modules whose routers are not included yet."""
        return tuple(self._routers[i].module for i in sorted(self._pending))

    def include(self, positions: Sequence[int]) -> None:
        """Include these routers (by position) unless they already are."""
        for position in sorted(set(positions) & self._pending):
            routes = self._app.router.routes
            before = len(routes)
            self._app.include_router(self._routers[position].load(), prefix=self._prefix)
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
        if path.startswith(self._under):
            segment = path[len(self._under) :].split("/", 1)[0]
            positions = self._by_segment.get(segment)
            if positions:
                self.include(positions)
        elif path in self._everything:
            self.include_all()

    def install(self) -> None:
        """Include routers on demand: before routing each request, and in `app.openapi()`."""
        router = self._app.router
        route: ASGIApp = router.middleware_stack

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            if self._pending and scope["type"] == "http":
                self.include_for(get_route_path(scope))
            await route(scope, receive, send)

        router.middleware_stack = dispatch
        generate = self._app.openapi

        def openapi() -> dict[str, Any]:
            self.include_all()
            return generate()

        self._app.openapi = openapi  # type: ignore[method-assign]
