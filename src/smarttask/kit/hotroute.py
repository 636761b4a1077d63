"""Hot routes: FastAPI's declarations and OpenAPI, a leaner per-request dependency solver.

FastAPI 0.128 solves a route's dependencies with generic machinery that inspects every
parameter's annotation again on each request (~100 µs for a route with a path parameter
and two dependencies). A hot route declares itself exactly like any other route; when its
endpoint and dependencies are plain `async def`s that take only path parameters, `Request`,
`Response` and other such dependencies, each request is solved by a short loop with the
same order, per-request cache and validation errors as FastAPI's. Anything else (bodies,
query or header parameters, `yield` dependencies, security scopes, dependency overrides)
falls back to FastAPI's own handler. The endpoint must return a Response (see
kit/responses.py): the response model documents the answer, it does not re-validate it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _supported(dependant: Dependant) -> bool:
    """True when the lean solver handles this dependant and all its sub-dependencies."""
    if dependant.call is not None and (
        not dependant.is_coroutine_callable
        or dependant.is_gen_callable
        or dependant.is_async_gen_callable
    ):
        return False
    if (
        dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.oauth_scopes
    ):
        return False
    return all(_supported(sub) for sub in dependant.dependencies)


async def _solve(
    dependant: Dependant,
    request: Request,
    response: Response,
    cache: dict[Any, Any],
    errors: list[Any],
) -> dict[str, Any] | None:
    """The keyword arguments of `dependant.call`; None (and `errors` filled) when invalid."""
    values: dict[str, Any] = {}
    failed = False
    for sub in dependant.dependencies:
        key = sub.cache_key
        if sub.use_cache and key in cache:
            solved = cache[key]
        else:
            arguments = await _solve(sub, request, response, cache, errors)
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
        dependant = self.dependant
        if not _supported(dependant):
            return standard
        provider = self.dependency_overrides_provider
        endpoint = dependant.call
        assert endpoint is not None

        async def handler(request: Request) -> Response:
            if provider is not None and getattr(provider, "dependency_overrides", None):
                return await standard(request)
            response = Response()
            del response.headers["content-length"]
            response.status_code = None  # type: ignore[assignment]
            errors: list[Any] = []
            values = await _solve(dependant, request, response, {}, errors)
            if values is None:
                raise RequestValidationError(errors)
            answer = await endpoint(**values)
            if not isinstance(answer, Response):
                raise TypeError(f"hot route {self.path} must return a Response")
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
