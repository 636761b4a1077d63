"""Route matching that only tries the routes whose literal path prefix fits the request.

Starlette tries every route in order, a regex each: with ~50 routes a request to the last
ones pays ~50 matches. The index keeps, per request-path prefix (its first segments), the
routes that could match it, in their original order, and runs Starlette's own loop on that
list. When none matches fully or partly, the request goes through Starlette's full loop
unchanged, so 404, 405 and slash redirects are decided exactly as before, except that a
405's Allow lists the methods of every route of the path, not only the first one's.

From FastAPI 0.165 on, an included router is one entry of the app's routes, whose own
loop matches the request against each of its routes, then matches it again to handle it,
keeping FastAPI's bookkeeping in the scope at each step (more than a quarter of a counter
read's function calls). The index lists such a router's routes one by one instead, each
seen through its inclusion (its prefixed path), so the one that matches is run directly
with the scope FastAPI's routing would have given it (`_fastapi_private.run_included`).
A router that holds anything else (another router, a Starlette route, a route class with
its own matching) stays one entry, tried whole as before.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from smarttask.speed import _fastapi_private as private
from smarttask.speed._fastapi_private import get_route_path

_DEPTH = 3  # leading path segments used as the key
_MAX_KEYS = 4096  # distinct keys remembered; beyond that, candidates are computed each time
Key = tuple[str, ...]


def _literal_prefix(path: str) -> Key | None:
    """The route path's leading literal segments (at most _DEPTH); None if it starts with a
    parameter (it may then match anything)."""
    literal: list[str] = []
    for segment in path.split("/")[1:]:
        if "{" in segment or len(literal) == _DEPTH:
            break
        literal.append(segment)
    return tuple(literal) if literal else None


def _prefixes(route: BaseRoute) -> tuple[Key, ...] | None:
    """The literal prefixes of the paths the route serves; None: it may serve any path."""
    path = getattr(route, "path", None)
    if isinstance(path, str):
        prefix = _literal_prefix(path)
        return None if prefix is None else (prefix,)
    # An included router kept whole (FastAPI after 0.128): the prefixes of its routes. They
    # are taken as they are now: routers are complete before they are included.
    found: set[Key] = set()
    for view in private.flat_routes([route]):
        inner = getattr(view, "path", None)
        prefix = _literal_prefix(inner) if isinstance(inner, str) else None
        if prefix is None:
            return None
        found.add(prefix)
    return tuple(sorted(found)) or None


def _fits(key: Key, prefixes: tuple[Key, ...] | None) -> bool:
    """Whether a request whose path starts with `key` may match a route of these prefixes."""
    return prefixes is None or any(key[: len(prefix)] == prefix for prefix in prefixes)


def _parameters(route: BaseRoute) -> int:
    """How many path parameters a route's template has (0 for a literal path)."""
    return len(getattr(route, "param_convertors", None) or {})


def _methods(route: BaseRoute, scope: Scope) -> set[str]:
    """The methods a route that partly matched the request's path answers to."""
    methods = getattr(route, "methods", None)
    if methods is not None:
        return set(methods)
    # An included router kept whole: the methods of its routes of this path.
    found: set[str] = set()
    for view in private.flat_routes([route]):
        if hasattr(view, "matches") and view.matches(scope)[0] is not Match.NONE:
            found.update(getattr(view, "methods", None) or ())
    return found


# One route the index may try: the route (or an included route seen through its inclusion)
# and, for an included route, the inclusion it belongs to (None for a route of the router).
Candidate = tuple[BaseRoute, BaseRoute | None]


class _Index:
    def __init__(self, router: Router) -> None:
        self.routes = router.routes
        self.size = len(router.routes)
        self.form_limits = private.router_form_limits(router)
        self.entries: list[tuple[Candidate, tuple[Key, ...] | None]] = []
        # The routers of the included ones (FastAPI 0.165): a route added to one of them
        # after its inclusion is served by FastAPI, so the index is then built anew.
        self.routers: list[object] = []
        for route in router.routes:
            self.routers.extend(private.included_routers(route))
            included = private.included_routes(route)
            if included is None:
                self.entries.append(((route, None), _prefixes(route)))
            else:
                self.entries.extend(((view, route), _prefixes(view)) for view in included)
        self.versions = private.routes_versions(self.routers)
        self.cache: dict[Key, list[Candidate]] = {}

    def current(self, router: Router) -> bool:
        return (
            router.routes is self.routes
            and len(router.routes) == self.size
            and private.routes_versions(self.routers) == self.versions
        )

    def candidates(self, path: str) -> list[Candidate]:
        key = tuple(path.split("/", _DEPTH + 1)[1 : _DEPTH + 1])
        found = self.cache.get(key)
        if found is None:
            found = [candidate for candidate, prefixes in self.entries if _fits(key, prefixes)]
            if len(self.cache) < _MAX_KEYS:
                self.cache[key] = found
        return found


def index_routes(router: Router) -> None:
    """Make the router try only the routes that can match each request's path."""
    full_scan: ASGIApp = router.middleware_stack
    index: _Index | None = None

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal index
        if scope["type"] != "http":
            await full_scan(scope, receive, send)
            return
        if index is None or not index.current(router):
            index = _Index(router)
        if index.form_limits is not None:
            private.apply_form_limits(scope, index.form_limits)
        if "router" not in scope:
            scope["router"] = router
        partial: BaseRoute | None = None
        partial_scope: Scope | None = None
        allowed: dict[int, set[str]] = {}  # by the number of path parameters of the route
        for route, inclusion in index.candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                if inclusion is None:
                    private.select(scope, route, child_scope)
                    await route.handle(scope, receive, send)
                else:
                    await private.run_included(inclusion, route, scope, child_scope)(
                        scope, receive, send
                    )
                return
            if match == Match.PARTIAL:
                allowed.setdefault(_parameters(route), set()).update(_methods(route, scope))
                if partial is None:
                    # An included route stands for its inclusion, as when tried whole.
                    partial, partial_scope = (
                        (route, child_scope) if inclusion is None else (inclusion, {})
                    )
        if partial is not None and partial_scope is not None:
            private.select(scope, partial, partial_scope)
            if "app" in scope and allowed:
                # Starlette's 405 names the methods of the first route of the path only;
                # Allow must list every method the resource has (RFC 9110, 15.5.6). The
                # resource is the most literal template that fits: `/invitations/accept`,
                # not `/invitations/{invitation_id}` (as the OpenAPI document has them).
                methods = allowed[min(allowed)]
                raise HTTPException(405, headers={"Allow": ", ".join(sorted(methods))})
            await partial.handle(scope, receive, send)
            return
        await full_scan(scope, receive, send)

    router.middleware_stack = dispatch
