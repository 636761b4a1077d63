"""Hot routes: FastAPI's declarations and OpenAPI, a leaner per-request dependency solver.

FastAPI solves a route's dependencies with generic machinery that inspects every
parameter's annotation again on each request (a large share of a small route's CPU;
figures in docs/benchmarks.md). A hot route declares itself exactly like any other route;
when its endpoint and dependencies are plain `async def`s that take only path and query
parameters, `Request`, `Response` and other such dependencies, each request is solved by a
short loop with the same order, per-request cache and validation errors as FastAPI's.
Anything else (bodies, header or cookie parameters, a query model, `Json` query values,
alias choices, validated defaults, `yield` dependencies, concurrency limits, security
scopes, dependency overrides) falls back to FastAPI's own handler. What it reads of
FastAPI's internals goes through speed/_fastapi_private.py. The endpoint must return a
Response (see kit/responses.py): the response model documents the answer, it does not
re-validate it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, Json

from smarttask.speed import _fastapi_private as private
from smarttask.speed._fastapi_private import Dependant, ModelField

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


@dataclass(frozen=True, slots=True)
class _QueryField:
    """A query parameter as FastAPI reads it, with what it re-derives per request computed once."""

    field: ModelField
    alias: str
    sequence: bool  # read with getlist(); an empty list counts as absent
    required: bool
    default: Any
    copy_default: bool  # FastAPI hands out a deep copy of a default of a mutable type


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a dependant needs per request, computed once: its query fields, its cache key."""

    query: tuple[_QueryField, ...]
    cache_key: Any


Plans = dict[int, _Plan]


def _query_field(field: ModelField) -> _QueryField:
    default = None if field.field_info.is_required() else field.default
    return _QueryField(
        field=field,
        alias=private.get_validation_alias(field),
        sequence=private.field_annotation_is_sequence(cast(Any, field.field_info.annotation)),
        required=field.field_info.is_required(),
        default=default,
        copy_default=not isinstance(default, str | int | float | bool | bytes | type(None)),
    )


def _simple_field(field: ModelField) -> bool:
    """A parameter read under one plain name, whose default is not validated."""
    info = field.field_info
    alias = info.validation_alias
    return not info.validate_default and (alias is None or isinstance(alias, str))


def _simple_query(fields: list[ModelField]) -> bool:
    """Whether FastAPI reads these query parameters one by one (no query model, no Json)."""
    annotation = fields[0].field_info.annotation
    if len(fields) == 1 and isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return False
    if not all(_simple_field(field) for field in fields):
        return False
    return not any(type(item) is Json for field in fields for item in field.field_info.metadata)


def _plan(dependant: Dependant, plans: Plans) -> Plans:
    """The plans of the dependant and of all its sub-dependencies, by dependant id."""
    query = tuple(_query_field(field) for field in dependant.query_params)
    plans[id(dependant)] = _Plan(query, private.cache_key(dependant))
    for sub in dependant.dependencies:
        _plan(sub, plans)
    return plans


def _supported(dependant: Dependant) -> bool:
    """True when the lean solver handles this dependant and all its sub-dependencies."""
    if set(private.dependant_fields()) - private.DEPENDANT_FIELDS:
        return False  # a FastAPI whose dependants carry something this solver ignores
    if dependant.call is not None and (
        not private.is_coroutine_callable(dependant)
        or private.is_generator_callable(dependant)
        or private.concurrency_limited(dependant)
    ):
        return False
    if dependant.query_params and not _simple_query(dependant.query_params):
        return False
    if not all(_simple_field(field) for field in dependant.path_params):
        return False
    if (
        dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or private.oauth_scopes(dependant)
    ):
        return False
    return all(_supported(sub) for sub in dependant.dependencies)


def _read_query(
    fields: tuple[_QueryField, ...], request: Request, values: dict[str, Any], errors: list[Any]
) -> bool:
    """Validate the query parameters into `values` as FastAPI does; False on any error."""
    query = request.query_params
    valid = True
    for item in fields:
        # `in` first: a missing key costs Mapping.get a KeyError raised and caught.
        raw: Any = None
        if item.alias in query:
            raw = query.getlist(item.alias) if item.sequence else query[item.alias]
        if raw is None or (item.sequence and not raw):
            if item.required:
                errors.append(private.get_missing_field_error(("query", item.alias)))
                valid = False
            else:
                values[item.field.name] = (
                    deepcopy(item.default) if item.copy_default else item.default
                )
            continue
        value, field_errors = item.field.validate(raw, values, loc=("query", item.alias))
        if field_errors:
            errors.extend(field_errors)
            valid = False
        else:
            values[item.field.name] = value
    return valid


def _asks_for_response(dependant: Dependant) -> bool:
    """Whether the dependant or one of its sub-dependencies takes the `Response` parameter."""
    return bool(dependant.response_param_name) or any(
        _asks_for_response(sub) for sub in dependant.dependencies
    )


async def _solve(
    dependant: Dependant,
    request: Request,
    response: Response | None,
    cache: dict[Any, Any],
    errors: list[Any],
    plans: Plans,
) -> dict[str, Any] | None:
    """The keyword arguments of `dependant.call`; None (and `errors` filled) when invalid."""
    values: dict[str, Any] = {}
    failed = False
    for sub in dependant.dependencies:
        key = plans[id(sub)].cache_key
        if sub.use_cache and key in cache:
            solved = cache[key]
        else:
            arguments = await _solve(sub, request, response, cache, errors, plans)
            if arguments is None:
                failed = True
                continue
            solved = await sub.call(**arguments)  # type: ignore[misc]
            cache.setdefault(key, solved)
        if sub.name is not None:
            values[sub.name] = solved
    path_params = request.path_params
    for field in dependant.path_params:
        loc = ("path", field.alias)
        value, field_errors = field.validate(path_params.get(field.alias), values, loc=loc)
        if field_errors:
            errors.extend(field_errors)
            failed = True
        else:
            values[field.name] = value
    query_fields = plans[id(dependant)].query
    if query_fields and not _read_query(query_fields, request, values, errors):
        failed = True
    if failed:
        return None
    if dependant.request_param_name:
        values[dependant.request_param_name] = request
    if dependant.response_param_name:
        values[dependant.response_param_name] = response
    return values


class HotRoute(APIRoute):
    """An APIRoute whose requests skip FastAPI's generic dependency solving when possible."""

    def get_route_handler(self) -> Handler:
        """The lean handler, or FastAPI's when the route uses what it does not handle."""
        standard = super().get_route_handler()
        state = private.route_state(self)  # the route, or its inclusion in a router
        dependant: Dependant = state.dependant
        if not _supported(dependant):
            return standard
        provider = state.dependency_overrides_provider
        path = state.path
        endpoint = dependant.call
        assert endpoint is not None
        plans = _plan(dependant, {})
        # The Response dependencies may set headers on, built only when one takes it.
        with_response = _asks_for_response(dependant)

        async def handler(request: Request) -> Response:
            if provider is not None and getattr(provider, "dependency_overrides", None):
                return await standard(request)
            response = None
            if with_response:
                response = Response()
                del response.headers["content-length"]
                response.status_code = None  # type: ignore[assignment]
            errors: list[Any] = []
            values = await _solve(dependant, request, response, {}, errors, plans)
            if values is None:
                raise RequestValidationError(errors)
            answer = await endpoint(**values)
            if not isinstance(answer, Response):
                raise TypeError(f"hot route {path} must return a Response")
            return answer

        return handler


def hot_route(
    router: APIRouter, path: str, *, methods: list[str], **options: Any
) -> Callable[[Endpoint], Endpoint]:
    """Like `@router.get(path, ...)`, for an endpoint served as a HotRoute."""

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(
            path, endpoint, methods=methods, route_class_override=HotRoute, **options
        )
        return endpoint

    return register
