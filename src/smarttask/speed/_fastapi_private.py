"""Every use of FastAPI's and Starlette's private APIs, in one place.

HotRoute reads FastAPI's dependency tree (`Dependant`, `ModelField`) to solve requests as
FastAPI would; the route index and the lazy routes read a request's route path as
Starlette's routing does, and the route index runs a selected route with the scope
FastAPI's routing would have given it; the pydantic v1 guard wraps two checks FastAPI
keeps in `fastapi._compat`; saved views (views/params.py) solve the task list's filter
dependency from stored query parameters as FastAPI would. None of that is a documented
API, so nothing outside this module imports it, and tests/unit/test_fastapi_private.py
checks the shape of everything here against the installed FastAPI and Starlette: a
release that changes it fails that test.

FastAPI 0.128 keeps a dependant's classification and cache key as properties of
`Dependant`; later releases (0.165 is the newest tried) compute them with functions of
`fastapi.dependencies.models`, and build an included router's routes through an
"effective route context" (its prefix, the router's dependencies and overrides) while
`APIRoute.get_route_handler` runs, and route requests through that inclusion
(`_IncludedRouter`), which records what it selected in the scope. Both shapes are handled
here.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Iterable, Sequence
from contextlib import AsyncExitStack
from typing import Any

from fastapi import routing as _fastapi_routing
from fastapi._compat import ModelField as ModelField
from fastapi._compat import field_annotation_is_sequence as field_annotation_is_sequence
from fastapi._compat import get_missing_field_error as get_missing_field_error
from fastapi.dependencies import models as _models
from fastapi.dependencies.models import Dependant as Dependant
from fastapi.dependencies.utils import get_dependant, get_flat_params, solve_dependencies
from fastapi.dependencies.utils import get_validation_alias as get_validation_alias
from fastapi.params import ParamTypes
from fastapi.routing import APIRoute, APIRouter
from starlette._utils import get_route_path as get_route_path
from starlette.requests import Request
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Scope

# The fields of `Dependant` HotRoute knows the meaning of. A new field may change how
# FastAPI solves a dependency (0.165 added `concurrency`): the shape test lists them.
DEPENDANT_FIELDS = frozenset(
    {
        "path_params",
        "query_params",
        "header_params",
        "cookie_params",
        "body_params",
        "dependencies",
        "name",
        "call",
        "request_param_name",
        "websocket_param_name",
        "http_connection_param_name",
        "response_param_name",
        "background_tasks_param_name",
        "security_scopes_param_name",
        "own_oauth_scopes",
        "parent_oauth_scopes",
        "use_cache",
        "path",
        "scope",
        "concurrency",  # FastAPI >= 0.165 (or earlier): a semaphore around the call
    }
)

# FastAPI's pydantic v1 checks, and the modules that bind them (speed/pydantic_v1.py).
PYDANTIC_V1_CHECKS = ("is_pydantic_v1_model_class", "is_pydantic_v1_model_instance")
PYDANTIC_V1_MODULE = "fastapi._compat.shared"
PYDANTIC_V1_HOLDERS = (PYDANTIC_V1_MODULE, "fastapi._compat", "fastapi.encoders", "fastapi.utils")

_PROPERTIES = hasattr(Dependant, "cache_key")  # FastAPI 0.128's shape
_functions: Any = _models  # 0.165's functions, absent from 0.128's module
_routing: Any = _fastapi_routing  # 0.165's routing internals, absent from 0.128's module
# FastAPI 0.165's routing through inclusions, and the telemetry hook a selected route
# calls; all None on 0.128, whose included routes are plain routes of the app's router.
_INCLUDED: Any = getattr(_routing, "_IncludedRouter", None)
_CONTEXT: Any = getattr(_routing, "_EffectiveRouteContext", None)
_update_scope: Any = getattr(_routing, "_update_scope", None)
_get_fastapi_scope: Any = getattr(_routing, "_get_fastapi_scope", None)
_apply_router_form_limits: Any = getattr(_routing, "_apply_router_form_limits", None)
_route_selected: Any = getattr(_routing, "_route_selected", None)
# The scope keys (inside scope["fastapi"]) where 0.165's routing records its selection.
INCLUDED_ROUTER_KEY: Any = getattr(_routing, "_FASTAPI_INCLUDED_ROUTER_KEY", None)
ROUTE_CONTEXT_KEY: Any = getattr(_routing, "_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY", None)
# Everything `run_included` needs: without any of it, included routers are tried whole.
_RUNS_INCLUDED = None not in (
    _INCLUDED,
    _CONTEXT,
    _update_scope,
    _get_fastapi_scope,
    _apply_router_form_limits,
    _route_selected,
    INCLUDED_ROUTER_KEY,
    ROUTE_CONTEXT_KEY,
)


def _legacy(dependant: Dependant) -> Any:
    """The dependant, read through 0.128's properties (absent from later releases)."""
    return dependant


def dependant_fields() -> frozenset[str]:
    """The field names of the installed FastAPI's `Dependant`."""
    return frozenset(field.name for field in dataclasses.fields(Dependant))


def is_coroutine_callable(dependant: Dependant) -> bool:
    """Whether the dependant's call is an `async def` (FastAPI awaits it)."""
    if _PROPERTIES:
        return bool(_legacy(dependant).is_coroutine_callable)
    return bool(_functions._is_coroutine_callable(dependant.call))


def is_generator_callable(dependant: Dependant) -> bool:
    """Whether the dependant's call is a (sync or async) generator: a `yield` dependency."""
    if _PROPERTIES:
        legacy = _legacy(dependant)
        return bool(legacy.is_gen_callable or legacy.is_async_gen_callable)
    call = dependant.call
    return bool(_functions._is_gen_callable(call) or _functions._is_async_gen_callable(call))


def oauth_scopes(dependant: Dependant) -> list[str]:
    """The OAuth scopes the dependant asks for, its parents' included."""
    if _PROPERTIES:
        return list(_legacy(dependant).oauth_scopes)
    return list(_functions._get_oauth_scopes(dependant=dependant))


def cache_key(dependant: Dependant) -> Any:
    """The key FastAPI caches the dependant's value under for one request."""
    if _PROPERTIES:
        return _legacy(dependant).cache_key
    return _functions._get_cache_key(dependant=dependant)


def concurrency_limited(dependant: Dependant) -> bool:
    """Whether FastAPI runs the dependant's call under a concurrency limit (0.165)."""
    return getattr(dependant, "concurrency", None) is not None


def route_state(route: APIRoute) -> Any:
    """What `route.get_route_handler()` must build from: the route, or its inclusion.

    From FastAPI 0.165 on, a route of an included router is built once more for each
    inclusion, while `get_route_handler` runs with that inclusion's context (prefixed path,
    the router's dependencies and dependency overrides) in a context variable.
    """
    from fastapi import routing

    variable = getattr(routing, "_effective_route_context_var", None)
    context = variable.get() if variable is not None else None
    if context is not None and getattr(context, "original_route", None) is route:
        return context
    return route


def flat_routes(routes: Iterable[BaseRoute]) -> list[Any]:
    """Every route as routing sees it, included routers' routes in their place.

    FastAPI 0.128 copies an included router's routes into the including router: `routes`
    is already flat. Later releases keep one entry per inclusion (`_IncludedRouter`); each
    of its routes is then seen through its inclusion (prefixed path, the router's
    dependencies), which has the attributes of the route (`path`, `methods`, `dependant`,
    `matches()`, ...) and `original_route`.
    """
    from fastapi import routing

    walk = getattr(routing, "_iter_routes_with_context", None)
    if walk is None:
        return list(routes)
    flat: list[Any] = []
    for route, context in walk(routes):
        if context is None:
            flat.append(route)
        else:
            flat.append(context.starlette_route or context)
    return flat


def original_route(view: Any) -> BaseRoute:
    """The route object behind an entry of `flat_routes` (the declared route)."""
    route: BaseRoute = getattr(view, "original_route", view)
    return route


def api_routes(routes: Iterable[BaseRoute]) -> list[APIRoute]:
    """The FastAPI operations among `flat_routes(routes)`, each seen through its inclusion."""
    return [view for view in flat_routes(routes) if isinstance(original_route(view), APIRoute)]


def router_form_limits(router: Any) -> Any:
    """The form limits a router applies to every request it routes (0.165; else None)."""
    if _apply_router_form_limits is None:
        return None
    return getattr(router, "form_limits", None) or None


def apply_form_limits(scope: Scope, limits: Any) -> None:
    """Record a router's form limits in the scope, as its routing does (0.165)."""
    if _apply_router_form_limits is not None:
        _apply_router_form_limits(scope, limits)


def select(scope: Scope, route: BaseRoute, child_scope: Scope) -> None:
    """Update the scope for a route of the router itself, as the router's loop does.

    0.165 also merges FastAPI's own part of the scope and names the route to its telemetry.
    """
    if _update_scope is None:
        scope.update(child_scope)
    else:
        _update_scope(scope, child_scope)
    if _route_selected is not None:
        path = getattr(route, "path_format", None)
        _route_selected(scope=scope, path=path, mount=isinstance(route, Mount))


def included_routes(entry: BaseRoute) -> list[Any] | None:
    """The routes of an included router, each seen through its inclusion, when the route
    index may run them itself: FastAPI 0.165's inclusion of a plain `APIRouter` whose every
    route is a plain-matching `APIRoute` (no nested router, no Starlette route, no
    `matches()` or `handle()` of their own). None otherwise: the entry is then tried
    whole, by FastAPI's own loop over its routes.
    """
    if not _RUNS_INCLUDED or type(entry) is not _INCLUDED:
        return None
    router: Any = entry.original_router  # type: ignore[attr-defined]
    if type(router).matches is not APIRouter.matches or type(router).handle is not (
        APIRouter.handle
    ):
        return None
    contexts: list[Any] = list(entry.effective_candidates())  # type: ignore[attr-defined]
    for context in contexts:
        if type(context) is not _CONTEXT or context.starlette_route is not None:
            return None
        route = context.original_route
        if (
            not isinstance(route, APIRoute)
            or type(route).matches is not APIRoute.matches
            or type(route).handle is not APIRoute.handle
            or context.app is None
        ):
            return None
    return contexts


def included_routers(entry: BaseRoute) -> list[Any]:
    """The routers whose routes an inclusion serves (the included router, and those it
    includes in turn); none for any other route (and on 0.128, which copies them)."""
    if _INCLUDED is None or type(entry) is not _INCLUDED:
        return []
    router: Any = entry.original_router  # type: ignore[attr-defined]
    found = [router]
    for route in router.routes:
        found.extend(included_routers(route))
    return found


_ROUTES_VERSION = operator.attrgetter("_routes_version")


def routes_versions(routers: Sequence[Any]) -> tuple[int, ...]:
    """The versions FastAPI keeps of these routers' routes: each change bumps its router's
    (`add_api_route`, `include_router`, ...), and FastAPI then builds the inclusion's
    routes anew."""
    return tuple(map(_ROUTES_VERSION, routers))


def run_included(entry: BaseRoute, context: Any, scope: Scope, child_scope: Scope) -> ASGIApp:
    """Prepare the scope for the route `context` of the inclusion `entry`, which matched
    fully with `child_scope`, as FastAPI 0.165's routing leaves it after selecting it; the
    ASGI app to run next.

    What FastAPI does between the app's router and the route's app, without matching twice:
    `_IncludedRouter.handle` (the inclusion's form limits, the included router), then
    `_handle_selected` (the matched route's scope, its telemetry name, its effective
    context, `scope["route"]`), then `APIRoute.handle` (the route's app; its method check
    cannot fail after a full match).
    """
    included: Any = entry
    route = context.original_route
    _apply_router_form_limits(scope, included.include_context.form_limits)
    _get_fastapi_scope(scope)[INCLUDED_ROUTER_KEY] = included
    child_scope["route"] = route  # what APIRoute.matches adds to the context's match
    _update_scope(scope, child_scope)
    _route_selected(scope=scope, path=context.path_format, mount=False)
    _get_fastapi_scope(scope)[ROUTE_CONTEXT_KEY] = context
    scope["route"] = route
    app: ASGIApp = context.app
    return app


@functools.cache
def _dependant_of(call: Any) -> Dependant:
    """The dependency tree of a dependency, built once."""
    return get_dependant(path="", call=call)


def query_parameters(call: Any) -> dict[str, bool]:
    """The query parameter names a dependency (and its sub-dependencies) reads, each with
    whether it is repeatable (a list), as FastAPI's dependency tree has them."""
    return {
        field.alias: field_annotation_is_sequence(field.field_info.annotation)
        for field in get_flat_params(_dependant_of(call))
        if getattr(field.field_info, "in_", None) is ParamTypes.query
    }


async def solve_from_query(call: Any, query_string: bytes) -> tuple[Any, list[Any]]:
    """Solve a dependency as FastAPI would for a GET request with this query string and no
    path or headers: (its value, no errors) or (None, FastAPI's validation errors)."""
    dependant = _dependant_of(call)
    async with AsyncExitStack() as stack:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/",
            "headers": [],
            "query_string": query_string,
            "fastapi_inner_astack": stack,
            "fastapi_function_astack": stack,
        }
        solved = await solve_dependencies(
            request=Request(scope),
            dependant=dependant,
            async_exit_stack=stack,
            embed_body_fields=False,
        )
        if solved.errors:
            return None, list(solved.errors)
        return await call(**solved.values), []
