"""The general rules of docs/api.md before accounts: errors, ids, limits, headers, CORS."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from tests.support import add_probe_routes


@pytest.fixture
async def probe(app: Any, client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client, with the probe routes added to its app."""
    add_probe_routes(app)
    return client


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem of that status; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "request_id"} <= body.keys()
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/nothing-here"), 404)
    assert_problem(await client.get("/nothing-at-all"), 404)
    assert_problem(await client.delete("/api/v1/counters/x"), 405)


async def test_malformed_json_is_422_with_errors(probe: httpx.AsyncClient) -> None:
    response = await probe.post(
        "/api/v1/_probe/echo", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["type"] == "json_invalid"


async def test_wrong_types_and_unknown_fields_are_422(probe: httpx.AsyncClient) -> None:
    wrong = assert_problem(
        await probe.post("/api/v1/_probe/echo", json={"name": "a", "count": "x"}), 422
    )
    assert wrong["errors"][0]["loc"] == ["body", "count"]
    unknown = assert_problem(
        await probe.post("/api/v1/_probe/echo", json={"name": "a", "role": "owner"}), 422
    )
    assert unknown["errors"][0]["type"] == "extra_forbidden"


@pytest.mark.parametrize(
    "payload", [{"name": "a\u0000b"}, {"name": "a", "tags": ["ok", "x\u0000"]}]
)
async def test_nul_bytes_are_refused(probe: httpx.AsyncClient, payload: dict[str, Any]) -> None:
    assert_problem(await probe.post("/api/v1/_probe/echo", json=payload), 422)


async def test_valid_body_passes(probe: httpx.AsyncClient) -> None:
    response = await probe.post("/api/v1/_probe/echo", json={"name": "ünïcode ✓", "tags": ["a"]})
    assert response.status_code == 201
    assert response.json() == {"name": "ünïcode ✓", "count": 0, "tags": ["a"]}


async def test_body_over_limit_is_413_declared_or_streamed(probe: httpx.AsyncClient) -> None:
    big = json.dumps({"name": "x" * (1024 * 1024 + 10)}).encode()
    assert_problem(
        await probe.post(
            "/api/v1/_probe/echo", content=big, headers={"content-type": "application/json"}
        ),
        413,
    )

    async def chunks() -> Any:
        for _ in range(20):
            yield b" " * 65536
        yield b'{"name": "x"}'

    streamed = await probe.post(
        "/api/v1/_probe/echo", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(streamed, 413)


async def test_non_json_body_is_415(probe: httpx.AsyncClient) -> None:
    response = await probe.post(
        "/api/v1/_probe/echo",
        content=b"name=a",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 415)
    missing = await probe.post(
        "/api/v1/_probe/echo", content=b'{"name": "a"}', headers={"content-type": ""}
    )
    assert_problem(missing, 415)


async def test_crash_is_a_500_problem_without_internals(
    probe: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="smarttask.errors"):
        response = await probe.get("/api/v1/_probe/boom")
    body = assert_problem(response, 500)
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name == "smarttask.errors"]
    assert logged
    assert logged[0].exc_info is not None
    assert logged[0].exc_info[0] is RuntimeError
    assert body["request_id"]


async def test_failed_request_rolls_back_its_writes(probe: httpx.AsyncClient) -> None:
    assert_problem(await probe.post("/api/v1/_probe/increment-then-fail"), 500)
    assert_problem(await probe.get("/api/v1/counters/doomed"), 404)


async def test_request_id_kept_when_valid_replaced_when_not(client: httpx.AsyncClient) -> None:
    kept = await client.get("/health/live", headers={"X-Request-ID": "client-id_1.2:3"})
    assert kept.headers["x-request-id"] == "client-id_1.2:3"
    for bad in (b"has space", b"x" * 129, b"semi;colon", "ü".encode(), b""):
        replaced = await client.get("/health/live", headers={"X-Request-ID": bad})
        assert replaced.headers["x-request-id"].encode() != bad
        assert 1 <= len(replaced.headers["x-request-id"]) <= 128
    fresh = await client.get("/health/live")
    assert fresh.headers["x-request-id"]


async def test_access_log_line_has_the_request_fields(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    from smarttask.kit.logging import JsonFormatter

    with caplog.at_level(logging.INFO, logger="smarttask.access"):
        await client.get(
            "/api/v1/counters/x", headers={"X-Request-ID": "trace-me", "User-Agent": "u" * 500}
        )
    record = next(r for r in caplog.records if r.name == "smarttask.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "trace-me"
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/counters/x"
    assert line["status"] == 404
    assert line["client_ip"] == "203.0.113.7"
    assert line["duration_ms"] >= 0
    assert len(line["user_agent"]) == 200


async def test_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/counters/x")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers  # development: plain HTTP


async def test_cors_preflight_and_simple_requests(client_with: Any) -> None:
    client = await client_with(cors_origins="https://app.example.com,https://admin.example.com")
    preflight = await client.options(
        "/api/v1/counters/x/increment",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Idempotency-Key, Content-Type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in preflight.headers
    refused = await client.options(
        "/api/v1/counters/x/increment",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert_problem(refused, 400)
    simple = await client.get("/health/live", headers={"Origin": "https://admin.example.com"})
    assert simple.headers["access-control-allow-origin"] == "https://admin.example.com"
    other = await client.get("/health/live", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
