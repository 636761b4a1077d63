"""The Lambda HTTP handler, driven with real AWS event shapes, on both databases.

Every event is built from tests/fixtures/aws-events/ (see lambda_events.py). The tests
are synchronous on purpose: Mangum runs the app on the thread's event loop itself, exactly
as in a Lambda container.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request

import smarttask.app
from smarttask.entrypoints import lambda_http
from smarttask.settings import get_settings
from tests.support.lambda_events import (
    LambdaContext,
    alb,
    function_url,
    header,
    http_v2,
    response_body,
    response_json,
    rest_v1,
)

Builder = Callable[..., dict[str, Any]]
ORIGIN = "https://app.example.com"
JSON = {"Content-Type": "application/json"}

SOURCES: dict[str, Builder] = {
    "rest-v1": rest_v1,
    "http-v2": http_v2,
    "function-url": function_url,
    "alb": alb,
    "alb-multi-value": partial(alb, multi_value=True),
}
# With and without a stage in the path. A REST API has no $default stage; its
# execute-api URL keeps the stage out of `path`. An HTTP API prefixes rawPath and
# requestContext.http.path with a named stage. A stage may share its name with a route.
ROUTED: dict[str, Builder] = {
    **SOURCES,
    "rest-v1-stage-named-api": partial(rest_v1, stage="api"),
    "http-v2-stage-prod": partial(http_v2, stage="prod"),
    "http-v2-stage-named-api": partial(http_v2, stage="api"),
}


class Container:
    """One simulated Lambda container: a cold handler module and what it built."""

    def __init__(self) -> None:
        self.builds = 0
        self.last_context: LambdaContext | None = None

    def __call__(
        self, event: dict[str, Any], context: LambdaContext | None = None
    ) -> dict[str, Any]:
        """Invoke the handler the way the Lambda runtime does."""
        self.last_context = context or LambdaContext()
        return lambda_http.handler(event, self.last_context)

    @property
    def app(self) -> FastAPI:
        """The application the handler built."""
        assert lambda_http._adapter is not None, "no invocation yet"
        app: FastAPI = lambda_http._adapter.app
        return app


def _cold_container(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, **env: str
) -> Iterator[Container]:
    for name in list(os.environ):
        if name.startswith("SMARTTASK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env file
    values = {
        "SMARTTASK_DATABASE_URL": database_url,
        "SMARTTASK_ENV": "development",
        "SMARTTASK_CORS_ORIGINS": f"{ORIGIN},https://admin.example.com",
        "SMARTTASK_LOG_LEVEL": "WARNING",
        **env,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    container = Container()
    create_app = smarttask.app.create_app

    def counting_create_app(*args: Any, **kwargs: Any) -> FastAPI:
        container.builds += 1
        return create_app(*args, **kwargs)

    monkeypatch.setattr(smarttask.app, "create_app", counting_create_app)
    get_settings.cache_clear()
    monkeypatch.setattr(lambda_http, "_adapter", None)
    try:
        yield container
    finally:
        if lambda_http._adapter is not None:
            # Mangum ran the app on this thread's loop: the pool's connections belong to it.
            loop = asyncio.get_event_loop()
            loop.run_until_complete(lambda_http._adapter.app.state.database.dispose())
        get_settings.cache_clear()


@pytest.fixture
def invoke(
    database_url: str, clean_database: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Container]:
    """A cold Lambda container configured from the environment, on the test database."""
    yield from _cold_container(monkeypatch, tmp_path, database_url)


def _increment(invoke: Container, build: Builder, name: str = "visits") -> dict[str, Any]:
    return invoke(build("POST", f"/api/v1/counters/{name}/increment"))


# --- every event source reaches the same app ---------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_health_answers_on_every_event_source(invoke: Container, source: str) -> None:
    response = invoke(SOURCES[source]("GET", "/health"))
    assert response["statusCode"] == 200
    assert header(response, "content-type") == "application/json"
    body = response_json(response)
    assert body["status"] == "healthy"
    assert body["database"] == "connected"
    assert invoke.last_context is not None
    assert header(response, "x-request-id") == invoke.last_context.aws_request_id


@pytest.mark.parametrize("source", ROUTED)
def test_increment_then_read_back_with_and_without_a_stage(invoke: Container, source: str) -> None:
    build = ROUTED[source]
    first = _increment(invoke, build)
    assert first["statusCode"] == 200, response_body(first)
    assert response_json(first)["value"] == 1
    second = _increment(invoke, build)
    assert response_json(second)["value"] == 2
    read = invoke(build("GET", "/api/v1/counters/visits"))
    assert read["statusCode"] == 200
    assert response_json(read)["name"] == "visits"
    assert response_json(read)["value"] == 2
    assert header(read, "cache-control") == "no-store"


def test_one_counter_through_every_event_source(invoke: Container) -> None:
    values = [response_json(_increment(invoke, build))["value"] for build in ROUTED.values()]
    assert values == list(range(1, len(ROUTED) + 1))


# --- the request as the app sees it ---------------------------------------------------------


def _add_query_probe(app: FastAPI) -> None:
    """No API route echoes its query yet; list filters (`?status=a&status=b`) will."""

    async def probe(request: Request) -> dict[str, Any]:
        return {
            "status": request.query_params.getlist("status"),
            "q": request.query_params.getlist("q"),
        }

    app.add_api_route("/_probe/query", probe, methods=["GET"])


@pytest.mark.parametrize("source", ["rest-v1", "http-v2", "function-url", "alb-multi-value"])
def test_repeated_query_keys_arrive_in_order_and_decoded(invoke: Container, source: str) -> None:
    build = SOURCES[source]
    assert invoke(build("GET", "/health/live"))["statusCode"] == 200
    _add_query_probe(invoke.app)
    query = [("status", "todo"), ("q", "a&b=c, d"), ("status", "in progress")]
    response = invoke(build("GET", "/_probe/query", query=query))
    assert response["statusCode"] == 200
    assert response_json(response) == {"status": ["todo", "in progress"], "q": ["a&b=c, d"]}


@pytest.mark.parametrize("source", ["rest-v1", "http-v2", "function-url", "alb"])
def test_base64_bodies_are_decoded_before_the_app_reads_them(
    invoke: Container, source: str
) -> None:
    build = SOURCES[source]
    path = "/api/v1/counters/base64/increment"
    body = json.dumps({"note": "réunion ✓"}, ensure_ascii=False)
    headers = {**JSON, "Idempotency-Key": f"key-{uuid.uuid4()}"}

    first = invoke(build("POST", path, headers=headers, body=body, base64_encoded=True))
    assert first["statusCode"] == 200, response_body(first)
    assert response_json(first)["value"] == 1
    # The same bytes sent as plain text are the same request: replayed, not counted again.
    again = invoke(build("POST", path, headers=headers, body=body))
    assert again["statusCode"] == 200
    assert header(again, "idempotent-replayed") == "true"
    assert response_json(again)["value"] == 1
    # Different decoded bytes under the same key are refused.
    other = json.dumps({"note": "autre"})
    refused = invoke(build("POST", path, headers=headers, body=other, base64_encoded=True))
    assert refused["statusCode"] == 422
    assert response_json(invoke(build("GET", "/api/v1/counters/base64")))["value"] == 1


# --- errors are the app's problems, readable through every gateway -------------------------


@pytest.mark.parametrize("source", ["rest-v1", "http-v2", "function-url", "alb"])
def test_unknown_route_is_a_404_problem_not_a_gateway_error(invoke: Container, source: str) -> None:
    response = invoke(SOURCES[source]("GET", "/api/v1/no-such-thing"))
    assert response["statusCode"] == 404
    assert header(response, "content-type") == "application/problem+json"
    # A REST API without binary media types hands a base64 body to the client verbatim.
    assert response["isBase64Encoded"] is False
    problem = json.loads(response["body"])
    assert problem["status"] == 404
    assert invoke.last_context is not None
    assert problem["request_id"] == invoke.last_context.aws_request_id
    assert "Missing Authentication Token" not in response["body"]


def test_unknown_method_is_a_405_problem(invoke: Container) -> None:
    response = invoke(http_v2("DELETE", "/health"))
    assert response["statusCode"] == 405
    assert header(response, "content-type") == "application/problem+json"
    assert json.loads(response["body"])["status"] == 405


@pytest.mark.parametrize("source", ["rest-v1", "http-v2", "function-url", "alb"])
def test_cors_preflight_is_answered_without_running_the_route(
    invoke: Container, source: str
) -> None:
    build = SOURCES[source]
    preflight = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, idempotency-key",
    }
    response = invoke(build("OPTIONS", "/api/v1/counters/visits/increment", headers=preflight))
    assert response["statusCode"] == 204
    assert response_body(response) == b""
    assert header(response, "access-control-allow-origin") == ORIGIN
    assert "POST" in (header(response, "access-control-allow-methods") or "")
    allowed = (header(response, "access-control-allow-headers") or "").lower()
    assert "idempotency-key" in allowed
    assert "content-type" in allowed
    assert header(response, "access-control-allow-credentials") is None
    assert invoke(build("GET", "/api/v1/counters/visits"))["statusCode"] == 404


def test_preflight_from_an_unlisted_origin_gets_no_grant(invoke: Container) -> None:
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    response = invoke(http_v2("OPTIONS", "/api/v1/counters/visits/increment", headers=preflight))
    assert response["statusCode"] == 400
    assert header(response, "access-control-allow-origin") is None


def test_simple_cors_request_from_an_allowed_origin(invoke: Container) -> None:
    response = invoke(rest_v1("POST", "/api/v1/counters/x/increment", headers={"Origin": ORIGIN}))
    assert response["statusCode"] == 200
    assert header(response, "access-control-allow-origin") == ORIGIN
    assert "X-Request-ID" in (header(response, "access-control-expose-headers") or "")


# --- request ids -----------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["rest-v1", "http-v2", "alb"])
def test_aws_request_id_becomes_the_request_id(invoke: Container, source: str) -> None:
    build = SOURCES[source]
    first, second = LambdaContext(), LambdaContext()
    a = invoke(build("GET", "/api/v1/counters/missing"), first)
    b = invoke(build("GET", "/api/v1/counters/missing"), second)
    assert header(a, "x-request-id") == first.aws_request_id
    assert response_json(a)["request_id"] == first.aws_request_id
    # A warm container does not reuse the previous invocation's id.
    assert header(b, "x-request-id") == second.aws_request_id
    assert response_json(b)["request_id"] == second.aws_request_id


@pytest.mark.parametrize("source", ["rest-v1", "http-v2", "alb"])
def test_a_valid_client_request_id_is_kept_and_an_invalid_one_replaced(
    invoke: Container, source: str
) -> None:
    build = SOURCES[source]
    kept = invoke(
        build("GET", "/api/v1/counters/missing", headers={"X-Request-ID": "trace.42:a-b"})
    )
    assert header(kept, "x-request-id") == "trace.42:a-b"
    assert response_json(kept)["request_id"] == "trace.42:a-b"
    context = LambdaContext()
    bad = "not valid; <script>"
    replaced = invoke(
        build("GET", "/api/v1/counters/missing", headers={"X-Request-ID": bad}), context
    )
    assert header(replaced, "x-request-id") == context.aws_request_id
    assert response_json(replaced)["request_id"] == context.aws_request_id


# --- set-up happens once per container ------------------------------------------------------


def test_the_app_is_built_once_per_container_and_keeps_its_pool(invoke: Container) -> None:
    assert invoke.builds == 0  # importing the handler built nothing
    assert invoke(http_v2("GET", "/health"))["statusCode"] == 200
    adapter = lambda_http._adapter
    engine = invoke.app.state.database.engine
    events = [
        rest_v1("POST", "/api/v1/counters/warm/increment"),
        http_v2("POST", "/api/v1/counters/warm/increment", stage="prod"),
        alb("POST", "/api/v1/counters/warm/increment"),
        function_url("GET", "/api/v1/counters/warm"),
    ]
    responses = [invoke(event) for event in events]
    assert [r["statusCode"] for r in responses] == [200, 200, 200, 200]
    assert response_json(responses[-1])["value"] == 3
    assert invoke.builds == 1
    assert lambda_http._adapter is adapter
    # No per-invocation lifespan: the engine (and its pooled connections) survived.
    assert invoke.app.state.database.engine is engine


@pytest.fixture
def unreachable_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Container]:
    """A cold container whose PostgreSQL refuses connections."""
    yield from _cold_container(
        monkeypatch,
        tmp_path,
        "postgresql+asyncpg://smarttask@127.0.0.1:9/smarttask",
        SMARTTASK_DB_CONNECT_TIMEOUT="1",
    )


def test_a_cold_start_needs_no_database(unreachable_database: Container) -> None:
    invoke = unreachable_database
    live = invoke(http_v2("GET", "/health/live"))
    assert live["statusCode"] == 200
    assert response_json(live) == {"status": "ok"}
    health = invoke(http_v2("GET", "/health"))
    assert health["statusCode"] == 503
    assert response_json(health)["database"] == "error"
    assert header(health, "retry-after") is not None
    write = invoke(http_v2("POST", "/api/v1/counters/x/increment"))
    assert write["statusCode"] == 503
    assert header(write, "content-type") == "application/problem+json"
    assert header(write, "retry-after") is not None
    assert invoke.builds == 1


@pytest.fixture
def strict_limits(
    database_url: str, clean_database: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Container]:
    """A cold container allowing two counter increments a minute per client."""
    yield from _cold_container(
        monkeypatch, tmp_path, database_url, SMARTTASK_COUNTER_RATE_LIMIT="2/minute"
    )


@pytest.mark.parametrize("multi_value", [False, True], ids=["headers", "multi-value-headers"])
def test_behind_an_alb_a_forged_forwarded_for_does_not_escape_rate_limits(
    strict_limits: Container, multi_value: bool
) -> None:
    # The ALB appends the address it saw to whatever X-Forwarded-For the client sent.
    statuses = []
    for forged in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        headers = {"X-Forwarded-For": f"{forged}, 198.51.100.23"}
        path = "/api/v1/counters/limited/increment"
        event = alb("POST", path, headers=headers, multi_value=multi_value)
        statuses.append(strict_limits(event)["statusCode"])
    assert statuses == [200, 200, 429]


def test_api_gateway_clients_are_limited_by_their_source_ip(strict_limits: Container) -> None:
    statuses = [
        strict_limits(http_v2("POST", "/api/v1/counters/limited/increment"))["statusCode"]
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    limited = strict_limits(http_v2("POST", "/api/v1/counters/limited/increment"))
    assert header(limited, "retry-after") is not None
    assert response_json(limited)["status"] == 429


@pytest.mark.parametrize("build", [rest_v1, http_v2, function_url], ids=lambda b: b.__name__)
def test_api_gateway_clients_cannot_choose_their_ip_by_a_header(
    strict_limits: Container, build: Builder
) -> None:
    # The client address is the event's requestContext sourceIp: a forwarded-for header the
    # client wrote itself never makes it another client.
    statuses = [
        strict_limits(
            build(
                "POST",
                "/api/v1/counters/limited/increment",
                headers={"X-Forwarded-For": forged, "Forwarded": f"for={forged}"},
            )
        )["statusCode"]
        for forged in ("10.0.0.1", "10.0.0.2", "10.0.0.3")
    ]
    assert statuses == [200, 200, 429]


# --- the web app under Lambda --------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_the_sign_in_page_is_served_on_every_event_source(invoke: Container, source: str) -> None:
    response = invoke(SOURCES[source]("GET", "/login", headers={"accept-encoding": "gzip"}))
    assert response["statusCode"] == 200
    assert (header(response, "content-type") or "").startswith("text/html")
    assert "script-src 'self'" in (header(response, "content-security-policy") or "")
    page = response_body(response)
    if header(response, "content-encoding") == "gzip":
        import gzip

        page = gzip.decompress(page)
    assert b"Sign in" in page
    assert b"<script>" not in page


def test_a_static_file_is_served_under_lambda(invoke: Container) -> None:
    page = invoke(http_v2("GET", "/login"))
    html = response_body(page).decode()
    start = html.index("/static/")
    url = html[start : html.index('"', start)]
    asset = invoke(http_v2("GET", url))
    assert asset["statusCode"] == 200
    assert "immutable" in (header(asset, "cache-control") or "")
    assert response_body(asset)
