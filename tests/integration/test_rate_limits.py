"""Per-IP rate limits of counters, in memory and shared through Redis, failing open."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx
import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"


async def test_over_the_limit_is_429_with_headers(client_with: Any) -> None:
    client = await client_with(counter_rate_limit="3/minute")
    for expected_remaining in (2, 1, 0):
        ok = await client.post("/api/v1/counters/limited/increment")
        assert ok.status_code == 200
        assert ok.headers["ratelimit-policy"] == '"counters";q=3;w=60'
        assert f"r={expected_remaining};" in ok.headers["ratelimit"]
    refused = await client.post("/api/v1/counters/limited/increment")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-policy"] == '"counters";q=3;w=60'
    assert (await client.get("/api/v1/counters/limited")).json()["value"] == 3


async def test_limit_is_per_client_address(client_with: Any) -> None:
    client = await client_with(counter_rate_limit="1/minute")
    assert (await client.post("/api/v1/counters/a/increment")).status_code == 200
    assert (await client.post("/api/v1/counters/a/increment")).status_code == 429
    app = client._transport.app  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, client=("198.51.100.20", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        assert (await other.post("/api/v1/counters/a/increment")).status_code == 200


async def test_limits_can_be_turned_off(client_with: Any) -> None:
    client = await client_with(counter_rate_limit="1/minute", rate_limit_enabled=False)
    for _ in range(3):
        response = await client.post("/api/v1/counters/free/increment")
        assert response.status_code == 200
        assert "ratelimit" not in response.headers


async def test_redis_store_is_shared_between_instances(client_with: Any) -> None:
    limit = "3/minute"
    first = await client_with(counter_rate_limit=limit, redis_url=REDIS_URL)
    second = await client_with(counter_rate_limit=limit, redis_url=REDIS_URL)
    # A fresh address for this test, so earlier runs' counts in Redis do not matter.
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    clients = []
    for client in (first, second):
        app = client._transport.app  # type: ignore[attr-defined]
        clients.append(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=(address, 1)), base_url="http://t"
            )
        )
    statuses = [
        (await clients[i % 2].post("/api/v1/counters/shared/increment")).status_code
        for i in range(5)
    ]
    for client in clients:
        await client.aclose()
    assert statuses == [200, 200, 200, 429, 429]


async def test_unreachable_redis_fails_open_and_logs(
    client_with: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = await client_with(counter_rate_limit="1/minute", redis_url="redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="smarttask.ratelimit"):
        statuses = [
            (await client.post("/api/v1/counters/open/increment")).status_code for _ in range(3)
        ]
    assert statuses == [200, 200, 200]
    warnings = [r for r in caplog.records if "fail-open" in r.getMessage()]
    assert len(warnings) == 1  # said once, not once per request
