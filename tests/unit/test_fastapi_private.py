"""The shape of FastAPI's and Starlette's internals that speed/_fastapi_private.py relies on.

A FastAPI or Starlette release that renames, drops or changes any of it fails here, before
HotRoute, the route index, the lazy routes or the pydantic v1 guard silently misbehave.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Security
from fastapi.security import SecurityScopes
from starlette.routing import Match

from smarttask.speed import _fastapi_private as private
from smarttask.speed.hotroute import HotRoute


async def shared() -> str:
    """An async dependency."""
    return "shared"


async def held() -> AsyncIterator[str]:
    """A `yield` dependency."""
    yield "held"


async def scoped(scopes: SecurityScopes) -> list[str]:
    """A dependency that reads its security scopes."""
    return scopes.scopes


async def endpoint(
    name: str,
    request: Request,
    tags: Annotated[list[int], Query()] = [],  # noqa: B006
    first: str = Depends(shared),
    again: str = Depends(shared),
    other: str = Depends(held),
) -> None:
    """An endpoint with path, query and dependency parameters."""


async def secured(scopes: list[str] = Security(scoped, scopes=["read"])) -> None:
    """An endpoint with a security scope."""


def _router() -> APIRouter:
    router = APIRouter(route_class=HotRoute)
    router.add_api_route("/things/{name}", endpoint, methods=["GET"])
    router.add_api_route("/secured", secured, methods=["GET"])
    return router


def _route(path: str) -> private.APIRoute:
    app = FastAPI()
    app.include_router(_router(), prefix="/p", dependencies=[Depends(shared)])
    return next(route for route in private.api_routes(app.routes) if route.path == "/p" + path)


def test_dependants_have_only_the_fields_hotroute_knows() -> None:
    """A new field may change how FastAPI solves a dependency: review HotRoute, then list it."""
    assert private.dependant_fields() <= private.DEPENDANT_FIELDS
    assert {"path_params", "query_params", "dependencies", "call", "use_cache"} <= (
        private.dependant_fields()
    )


def test_dependants_are_classified_and_keyed_as_fastapi_does() -> None:
    """Coroutines, generators, cache keys and scopes read through the adapter."""
    route = _route("/things/{name}")
    dependant = route.dependant
    router_level, first, again, other = dependant.dependencies
    assert router_level.call is first.call is shared
    assert private.is_coroutine_callable(first)
    assert not private.is_generator_callable(first)
    assert private.is_generator_callable(other)
    assert not private.concurrency_limited(first)
    assert private.cache_key(first) == private.cache_key(again)
    assert private.cache_key(first) != private.cache_key(other)
    hash(private.cache_key(first))
    assert private.oauth_scopes(first) == []
    assert dependant.request_param_name == "request"
    assert [field.name for field in dependant.path_params] == ["name"]
    security = _route("/secured").dependant.dependencies[-1]
    assert private.oauth_scopes(security) == ["read"]


def test_fields_validate_and_report_as_fastapi_does() -> None:
    """ModelField.validate, the missing-field error, aliases, sequence annotations."""
    (field,) = _route("/things/{name}").dependant.query_params
    assert private.get_validation_alias(field) == "tags"
    assert private.field_annotation_is_sequence(field.field_info.annotation)
    assert not private.field_annotation_is_sequence(int)
    assert field.validate(["1", "2"], {}, loc=("query", "tags")) == ([1, 2], [])
    value, errors = field.validate(["x"], {}, loc=("query", "tags"))
    assert value is None
    assert [error["loc"] for error in errors] == [("query", "tags", 0)]
    assert private.get_missing_field_error(("query", "tags")) == {
        "type": "missing",
        "loc": ("query", "tags"),
        "msg": "Field required",
        "input": None,
    }


def test_included_routes_are_seen_with_their_prefix_and_origin() -> None:
    """flat_routes and api_routes see every route of an included router, prefixed."""
    app = FastAPI()
    app.include_router(_router(), prefix="/p")
    paths = {route.path for route in private.api_routes(app.routes)}
    assert {"/p/things/{name}", "/p/secured"} <= paths
    assert all(
        isinstance(private.original_route(route), HotRoute)
        for route in private.api_routes(app.routes)
        if route.path.startswith("/p/")
    )
    direct = private.flat_routes(_router().routes)
    assert all(isinstance(private.original_route(route), HotRoute) for route in direct)


def test_included_routes_are_run_through_what_fastapi_records() -> None:
    """The routing internals the route index runs an included route with (FastAPI 0.165),
    or none of them (0.128, whose included routes are copies in the app's router)."""
    app = FastAPI()
    app.include_router(_router(), prefix="/p")
    nested = APIRouter()
    nested.include_router(_router(), prefix="/n")
    app.include_router(nested)
    plain, holder = app.router.routes[-2:]
    if not hasattr(private._routing, "_IncludedRouter"):
        assert private.included_routes(plain) is None
        assert private.included_routers(plain) == []
        return
    assert private._RUNS_INCLUDED  # every helper run_included calls exists
    contexts = private.included_routes(plain)
    assert contexts is not None
    assert {context.path for context in contexts} == {"/p/things/{name}", "/p/secured"}
    for context in contexts:
        assert isinstance(context.original_route, HotRoute)
        assert callable(context.app)
        assert context.path_format == context.path
    scope = {"type": "http", "path": "/p/secured", "root_path": "", "method": "GET"}
    context = next(c for c in contexts if c.path == "/p/secured")
    match, child_scope = context.matches(scope)
    assert match is Match.FULL
    assert child_scope == {"endpoint": secured, "path_params": {}}
    assert private.included_routes(holder) is None  # a router of routers is tried whole
    assert len(private.included_routers(holder)) == 2
    before = private.routes_versions(private.included_routers(holder))
    nested.add_api_route("/late", secured, methods=["GET"])
    assert private.routes_versions(private.included_routers(holder)) != before
    run = private.run_included(plain, context, scope, child_scope)
    assert run is context.app
    assert scope["route"] is context.original_route
    assert scope["fastapi"][private.INCLUDED_ROUTER_KEY] is plain
    assert scope["fastapi"][private.ROUTE_CONTEXT_KEY] is context


def test_route_path_strips_the_root_path() -> None:
    """Starlette's route path, as its own routing reads it."""
    assert private.get_route_path({"path": "/root/api/x", "root_path": "/root"}) == "/api/x"
    assert private.get_route_path({"path": "/api/x", "root_path": ""}) == "/api/x"


def test_pydantic_v1_checks_are_where_the_guard_looks() -> None:
    """The guarded checks exist in FastAPI's shared module; every holder is importable."""
    shared_module = importlib.import_module(private.PYDANTIC_V1_MODULE)
    for name in private.PYDANTIC_V1_CHECKS:
        assert callable(getattr(shared_module, name))
    for holder in private.PYDANTIC_V1_HOLDERS:
        importlib.import_module(holder)


async def filters(
    status: Annotated[list[str] | None, Query(max_length=2)] = None,
    label: Annotated[str | None, Query(min_length=1)] = None,
) -> tuple[list[str] | None, str | None]:
    """A dependency of query parameters, as the task list's filters are."""
    return status, label


def test_query_parameters_are_read_from_the_dependency_tree() -> None:
    assert private.query_parameters(filters) == {"status": True, "label": False}


async def test_a_dependency_is_solved_from_a_query_string_as_fastapi_does() -> None:
    value, errors = await private.solve_from_query(filters, b"status=a&status=b&label=x")
    assert (value, errors) == ((["a", "b"], "x"), [])
    value, errors = await private.solve_from_query(filters, b"status=a&status=b&status=c&label=")
    assert value is None
    assert sorted(tuple(error["loc"]) for error in errors) == [
        ("query", "label"),
        ("query", "status"),
    ]
