"""The OpenAPI document declares, for every operation, the problem+json answers it can give.

Route decorators declare what only their service knows (`responses=problems(409)`); this
module adds, in one place, what follows from how a route is built, so that no operation
forgets one and fuzzers (Schemathesis) can hold the server to its document:

- a dependency marked with `raises(...)` contributes its statuses (the caller's identity: 401;
  an administrator check or a workspace role: 403/404; a rate limit: 429); a route that
  depends on a 401-raising dependency is also declared as needing the bearer scheme;
- a parameter or a body can be refused (422), a body can be too large (413) or not JSON (415);
- a path id (`..._id`, `key`) can name nothing the caller may see (404);
- an `If-Match` header can be stale (412);
- an API route reads or writes the database, which can be unavailable (503, `Retry-After`);
- a POST that honours `Idempotency-Key` (declared as a header) can meet a key still running
  (409) or reused with another body (422).

Every problem answer gets the one shared `Problem` schema under `application/problem+json`,
which is exactly what kit/problems.py sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.routing import APIRoute

from smarttask.kit.openapi import Problem, ValidationIssue
from smarttask.kit.problems import PROBLEM_MEDIA_TYPE
from smarttask.speed._fastapi_private import Dependant, api_routes

Call = TypeVar("Call", bound=Callable[..., Any])

BEARER_SCHEME = "bearerAuth"
_MARK = "__problem_statuses__"
_WRITE_MARK = "__problem_statuses_on_writes__"
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_RETRY_AFTER = {
    "description": "Seconds to wait before retrying.",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}
_STATUS_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with (`Bearer`).",
            "schema": {"type": "string"},
        }
    },
    429: {"Retry-After": _RETRY_AFTER},
    503: {"Retry-After": _RETRY_AFTER},
}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Replays the first answer to a retry of the same request (24 hours); the same key "
        "with another body answers 422, while the first request still runs 409."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def raises(*statuses: int) -> Callable[[Call], Call]:
    """Mark a dependency with the problem statuses it can answer (read by the OpenAPI hook)."""

    def mark(call: Call) -> Call:
        setattr(call, _MARK, (*getattr(call, _MARK, ()), *statuses))
        return call

    return mark


def raises_on_writes(*statuses: int) -> Callable[[Call], Call]:
    """Like `raises`, for statuses the dependency answers only to writing methods."""

    def mark(call: Call) -> Call:
        setattr(call, _WRITE_MARK, (*getattr(call, _WRITE_MARK, ()), *statuses))
        return call

    return mark


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _marked(dependant: Dependant, mark: str = "") -> set[int]:
    return {
        status
        for node in _dependants(dependant)
        for status in getattr(node.call, mark or _MARK, ())
        if node.call is not None
    }


def _params(dependant: Dependant, kind: str) -> list[Any]:
    return [param for node in _dependants(dependant) for param in getattr(node, kind)]


def route_problems(
    route: APIRoute, method: str, *, api_prefix: str, idempotent_posts: bool
) -> set[int]:
    """The problem statuses an operation of the route can answer, from how it is built."""
    dependant = route.dependant
    statuses = _marked(dependant)
    if method not in ("GET", "HEAD", "OPTIONS"):
        statuses |= _marked(dependant, _WRITE_MARK)
    path_params = _params(dependant, "path_params")
    query_params = _params(dependant, "query_params")
    header_params = _params(dependant, "header_params")
    cookie_params = _params(dependant, "cookie_params")
    has_body = bool(_params(dependant, "body_params"))
    if has_body:
        statuses |= {413, 415, 422}
    if path_params or query_params or header_params or cookie_params:
        statuses.add(422)
    if any(p.name.endswith("_id") or p.name == "key" for p in path_params):
        statuses.add(404)
    if any(p.alias.lower() == "if-match" for p in header_params):
        statuses.add(412)
    if route.path_format.startswith(api_prefix):
        statuses.add(503)
        if method == "POST" and idempotent_posts:
            statuses |= {409, 422}
    return statuses


def _problem_response(status: int, description: str | None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description or HTTPStatus(status).phrase,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": dict(_PROBLEM_REF)}},
    }
    if status in _STATUS_HEADERS:
        answer["headers"] = _STATUS_HEADERS[status]
    return answer


def _is_problem(answer: dict[str, Any]) -> bool:
    """True when a declared answer is (or is FastAPI's stand-in for) a problem document."""
    content = answer.get("content", {})
    if PROBLEM_MEDIA_TYPE in content:
        return True
    schema = content.get("application/json", {}).get("schema", {})
    return schema.get("$ref", "").rsplit("/", 1)[-1] in ("Problem", "HTTPValidationError")


def declare_operation(
    operation: dict[str, Any], statuses: Iterable[int], *, authenticated: bool, idempotency: bool
) -> None:
    """Rewrite one operation's error answers as problem+json and add the computed ones."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    wanted = {int(code) for code, answer in responses.items() if _is_problem(answer)}
    wanted |= set(statuses)
    for status in wanted:
        existing = responses.get(str(status))
        if existing is not None and not _is_problem(existing):
            continue  # an answer of its own shape (e.g. the health check's 503)
        description = existing.get("description") if existing else None
        if description == "Validation Error":  # FastAPI's default wording
            description = None
        responses[str(status)] = _problem_response(status, description)
    operation["responses"] = dict(sorted(responses.items()))
    if authenticated:
        operation["security"] = [{BEARER_SCHEME: []}]
    if idempotency:
        parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
        if not any(p.get("name", "").lower() == "idempotency-key" for p in parameters):
            parameters.append(dict(_IDEMPOTENCY_KEY))


def _uses(schema: dict[str, Any], name: str) -> bool:
    """True when something other than the schema itself refers to components/schemas/name."""
    ref = f'"#/components/schemas/{name}"'
    others = dict(schema.get("components", {}).get("schemas", {}))
    others.pop(name, None)
    return ref in json.dumps(schema.get("paths", {})) or ref in json.dumps(others)


def declare_problems(
    schema: dict[str, Any],
    routes: Iterable[Any],
    *,
    api_prefix: str,
    unreplayable_prefixes: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Declare the problem answers of every operation of `routes` in the OpenAPI `schema`."""
    paths: dict[str, Any] = schema.get("paths", {})
    for route in api_routes(routes):
        if not route.include_in_schema:
            continue
        for method in sorted(route.methods or ()):
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            idempotent = (
                method == "POST"
                and route.path_format.startswith(api_prefix)
                and not route.path_format.startswith(unreplayable_prefixes)
            )
            statuses = route_problems(
                route, method, api_prefix=api_prefix, idempotent_posts=idempotent
            )
            declare_operation(
                operation,
                statuses,
                authenticated=401 in _marked(route.dependant),
                idempotency=idempotent,
            )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for model in (Problem, ValidationIssue):
        definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
        definition.pop("$defs", None)
        schemas[model.__name__] = definition
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        if name in schemas and not _uses(schema, name):
            del schemas[name]
    components.setdefault("securitySchemes", {})[BEARER_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An access token from /api/v1/auth/login or a personal API token.",
    }
    return schema


def install_problem_responses(
    app: FastAPI, *, api_prefix: str, unreplayable_prefixes: tuple[str, ...] = ()
) -> None:
    """Make `app.openapi()` declare every operation's problem answers (see module doc)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            declare_problems(
                generate(),
                app.routes,
                api_prefix=api_prefix,
                unreplayable_prefixes=unreplayable_prefixes,
            )
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def requires_credentials(route: APIRoute) -> bool:
    """Whether the route authenticates its caller (one of its dependencies answers 401)."""
    return 401 in _marked(route.dependant)
