"""The OpenAPI document declares every operation's problem+json answers (kit/openapi_problems)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator

from smarttask.app import create_app
from smarttask.kit.context import set_request_id
from smarttask.kit.problems import PROBLEM_MEDIA_TYPE, problem_response
from tests.support import make_settings

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The app's OpenAPI document (no database is touched to build it)."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('openapi') / 'unused.db'}"
    return create_app(make_settings(url)).openapi()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) of the document."""
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_error_answer_is_a_problem_document(document: dict[str, Any]) -> None:
    checked = 0
    for method, path, operation in operations(document):
        for status, answer in operation["responses"].items():
            if int(status) < 400 or path.startswith("/health"):
                continue
            assert answer["content"] == {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}, (
                method,
                path,
                status,
            )
            checked += 1
    assert checked > 300
    assert "HTTPValidationError" not in document["components"]["schemas"]


# Lists whose `..._id` parameters only filter: an unknown id matches nothing (200), no 404.
FILTERS_BY_ID = {("GET", "/api/v1/audit-log")}


def test_generic_answers_follow_from_how_each_route_is_built(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        declared = {int(status) for status in operation["responses"]}
        params = {p["name"].lower(): p for p in operation.get("parameters", [])}
        where = (method, path)
        if path.startswith("/api/v1/"):
            assert 503 in declared, where
            assert operation["responses"]["503"]["headers"]["Retry-After"]["required"], where
        if "requestBody" in operation:
            assert {413, 415, 422} <= declared, where
        if params:
            assert 422 in declared, where
        if any(name.endswith("_id") for name in params) and where not in FILTERS_BY_ID:
            assert 404 in declared, where
        if "if-match" in params:
            assert 412 in declared, where
        if "idempotency-key" in params:
            assert method == "POST", where
            assert {409, 422} <= declared, where


def test_authenticated_operations_declare_401_and_the_bearer_scheme(
    document: dict[str, Any],
) -> None:
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    anonymous = set()
    for method, path, operation in operations(document):
        if "security" in operation:
            assert operation["security"] == [{"bearerAuth": []}], (method, path)
            assert "401" in operation["responses"], (method, path)
        else:
            anonymous.add(f"{method} {path}")
    assert anonymous == {
        "GET /health/live",
        "GET /health",
        "POST /api/v1/auth/register",
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/refresh",
        "POST /api/v1/auth/logout",
        # Account mail (issue 17): whoever uses them cannot sign in yet, or proves who they
        # are with the emailed token in the body, not with a bearer token.
        "POST /api/v1/auth/password-reset",
        "POST /api/v1/auth/password-reset/confirm",
        "POST /api/v1/auth/verify-email",
        "POST /api/v1/counters/{name}/increment",
        "GET /api/v1/counters/{name}",
    }


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("GET", "/api/v1/users", {401, 403, 422, 503}),  # an administrator check
        ("GET", "/api/v1/audit-log", {401, 403, 422, 503}),  # an administrator check
        ("POST", "/api/v1/workspaces/{workspace_id}/projects", {403, 404}),  # a role
        ("GET", "/api/v1/workspaces/{workspace_id}/members", {404}),  # a viewer: no 403
        ("POST", "/api/v1/auth/login", {401, 429}),  # the per-address rate limit
        ("POST", "/api/v1/users/me/password", {429}),  # the sign-in lockout
        ("POST", "/api/v1/auth/password-reset", {429}),  # the per-address rate limit
        ("POST", "/api/v1/workspaces/{workspace_id}/invitations", {403, 404}),  # a role
        ("GET", "/api/v1/workspaces/{workspace_id}/webhooks", {403, 404}),  # a role
        ("GET", "/api/v1/workspaces/{workspace_id}/events", {404}),  # a viewer: no 403
        ("GET", "/api/v1/projects/{project_id}/members", {404, 422}),  # who sees it: no 403
        ("POST", "/api/v1/projects/{project_id}/members", {403, 404, 409}),  # admins
        ("DELETE", "/api/v1/projects/{project_id}/members/{user_id}", {403, 404}),  # admins
        ("POST", "/api/v1/users/me/calendar-feed", {401, 403}),  # signed-in sessions only
        ("POST", "/api/v1/users/me/export", {401, 403, 429}),  # proof, sessions, the limit
    ],
)
def test_marked_dependencies_contribute_their_statuses(
    document: dict[str, Any], method: str, path: str, statuses: set[int]
) -> None:
    declared = {int(status) for status in document["paths"][path][method.lower()]["responses"]}
    assert statuses <= declared
    if path.endswith(("/members", "/events")) and method == "GET":
        assert 403 not in declared


def test_idempotency_key_is_declared_where_it_is_honoured(document: dict[str, Any]) -> None:
    def has_key(path: str) -> bool:
        parameters = document["paths"][path]["post"].get("parameters", [])
        return any(p["name"] == "Idempotency-Key" for p in parameters)

    assert has_key("/api/v1/workspaces")
    assert has_key("/api/v1/counters/{name}/increment")
    assert not has_key("/api/v1/auth/login")  # answers with secrets are never replayed
    assert not has_key("/api/v1/users/me/tokens")


def test_the_problem_schema_admits_what_the_server_sends(document: dict[str, Any]) -> None:
    validator = Draft202012Validator({**PROBLEM_REF, "components": document["components"]})
    set_request_id("req-1")
    try:
        bodies = [
            problem_response(404, "No such task."),
            problem_response(
                422,
                "The request is not valid; see errors.",
                errors=[{"loc": ["body", "title", 0], "msg": "too long", "type": "value_error"}],
            ),
            problem_response(429, "Slow down.", extra={"code": "ai_budget_exhausted"}),
        ]
    finally:
        set_request_id(None)
    for response in bodies:
        validator.validate(orjson.loads(response.body))
    assert not validator.is_valid({"type": "x", "title": "y", "status": "404"})
