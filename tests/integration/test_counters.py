"""Counters over HTTP (docs/api.md, Counters), on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest


async def test_first_increment_creates_at_one_then_counts(client: httpx.AsyncClient) -> None:
    first = await client.post("/api/v1/counters/visits/increment")
    assert first.status_code == 200
    body = first.json()
    assert body["name"] == "visits"
    assert body["value"] == 1
    assert body["created_at"].endswith("Z")
    second = await client.post("/api/v1/counters/visits/increment")
    assert second.json()["value"] == 2
    assert second.json()["created_at"] == body["created_at"]
    assert second.json()["updated_at"] >= body["updated_at"]
    read = await client.get("/api/v1/counters/visits")
    assert read.status_code == 200
    assert read.json() == second.json()


async def test_unknown_counter_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/counters/never-made")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


@pytest.mark.parametrize("name", ["UPPER", "has space", "x" * 65, "semi;colon", "ünï"])
async def test_invalid_names_are_refused(client: httpx.AsyncClient, name: str) -> None:
    response = await client.post(f"/api/v1/counters/{name}/increment")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "name"]
    assert (await client.get("/api/v1/counters/never")).status_code == 404


async def test_concurrent_increments_in_one_process_are_exact(client: httpx.AsyncClient) -> None:
    results = await asyncio.gather(
        *(client.post("/api/v1/counters/race/increment") for _ in range(50))
    )
    assert all(r.status_code == 200 for r in results)
    assert sorted(r.json()["value"] for r in results) == list(range(1, 51))
    assert (await client.get("/api/v1/counters/race")).json()["value"] == 50


async def test_cap_on_number_of_counters(client_with: Any) -> None:
    client = await client_with(max_counters=3)
    for name in ("a", "b", "c"):
        assert (await client.post(f"/api/v1/counters/{name}/increment")).status_code == 200
    refused = await client.post("/api/v1/counters/d/increment")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/v1/counters/d")).status_code == 404
    # Existing counters still count.
    assert (await client.post("/api/v1/counters/a/increment")).json()["value"] == 2


async def test_cap_holds_under_concurrent_creation(client_with: Any) -> None:
    http = await client_with(max_counters=5)
    results = await asyncio.gather(
        *(http.post(f"/api/v1/counters/n{i}/increment") for i in range(20))
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(200) == 5
    assert statuses.count(409) == 15
    found = [(await http.get(f"/api/v1/counters/n{i}")).status_code for i in range(20)]
    assert found.count(200) == 5
