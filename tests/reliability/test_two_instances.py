"""Two `smarttask serve` instances on different ports, one PostgreSQL database, one Redis.

What must hold across instances: a per-IP rate limit counts both instances' requests
together; an Idempotency-Key sent to both (one after the other, or at the same time) writes
once; increments split over both end exactly; jobs enqueued through both, and run by both
servers' in-process workers, are each claimed and run once. Then Redis is killed: requests
are still served (fail-open, one warning in the log) and the limit holds again once Redis
is back, without restarting anything.

Clients are told apart by X-Forwarded-For (the servers are told to trust 127.0.0.1 as their
proxy), so each check uses addresses of its own.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support import create_postgres_database, drop_postgres_database
from tests.support.faults import (
    PrivateRedis,
    Seeded,
    ServerProcess,
    base_env,
    free_port,
    migrate,
    profile,
    report,
    seed,
    wait_until,
)

pytestmark = pytest.mark.postgres_only
FAIL_OPEN = "rate-limit store unreachable; allowing requests (fail-open)"
_addresses = (f"198.18.{i // 250}.{i % 250 + 1}" for i in itertools.count())


@dataclass
class Pair:
    """The two instances, their database and their Redis."""

    servers: tuple[ServerProcess, ServerProcess]
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient]
    redis: PrivateRedis
    dsn: str
    limit: int

    def client(self, n: int) -> httpx.AsyncClient:
        """Instance n % 2."""
        return self.clients[n % 2]

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Rows read from the shared database directly."""
        connection = await asyncpg.connect(self.dsn, timeout=10)
        try:
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()


@pytest.fixture(scope="module")
async def pair(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pair]:
    """A fresh database on the shared PostgreSQL, a private Redis, two servers."""
    folder = tmp_path_factory.mktemp("two-instances")
    url, name = await create_postgres_database()
    redis = PrivateRedis()
    servers: list[ServerProcess] = []
    try:
        await asyncio.to_thread(migrate, url, folder)
        redis.start()
        limit = profile().rate_limit
        env = base_env(
            SMARTTASK_DATABASE_URL=url,
            SMARTTASK_REDIS_URL=redis.url,
            SMARTTASK_COUNTER_RATE_LIMIT=f"{limit}/hour",
            SMARTTASK_MAX_COUNTERS="100000",
            SMARTTASK_PERIODIC_JOBS_ENABLED="false",
            SMARTTASK_JOB_POLL_INTERVAL_SECONDS="0.1",
            SMARTTASK_AI_PROVIDER="local",
            SMARTTASK_AI_DAILY_TOKEN_BUDGET="1000000000",
            SMARTTASK_FORWARDED_ALLOW_IPS="127.0.0.1",
        )
        for n in range(2):
            server = ServerProcess.serve(free_port(), env, folder / f"server-{n}.log", folder)
            server.start()
            servers.append(server)
        for server in servers:
            await server.wait_healthy()
        async with (
            httpx.AsyncClient(base_url=servers[0].base_url, timeout=30) as first,
            httpx.AsyncClient(base_url=servers[1].base_url, timeout=30) as second,
        ):
            yield Pair(
                (servers[0], servers[1]),
                (first, second),
                redis,
                url.replace("postgresql+asyncpg://", "postgresql://", 1),
                limit,
            )
    finally:
        for server in servers:
            server.stop()
        redis.kill()
        await drop_postgres_database(name)


async def increment(pair: Pair, n: int, name: str, address: str, **headers: str) -> httpx.Response:
    """One increment through instance n % 2, as the client at `address`."""
    return await pair.client(n).post(
        f"/api/v1/counters/{name}/increment",
        headers={"X-Forwarded-For": address, **headers},
    )


async def test_a_rate_limit_counts_both_instances_together(pair: Pair) -> None:
    limit, name = pair.limit, f"limited-{uuid.uuid4().hex[:8]}"
    # Taking turns: each instance sees half the limit, yet the next request is refused.
    address = next(_addresses)
    turns = [await increment(pair, n, name, address) for n in range(limit + 2)]
    assert [r.status_code for r in turns] == [200] * limit + [429, 429]
    refused_by = [n % 2 for n, r in enumerate(turns) if r.status_code == 429]
    assert refused_by == [0, 1] if limit % 2 == 0 else [1, 0]
    # All at once, split over both: exactly `limit` get through.
    address = next(_addresses)
    burst = await asyncio.gather(*(increment(pair, n, name, address) for n in range(2 * limit)))
    statuses = Counter(r.status_code for r in burst)
    assert statuses == {200: limit, 429: limit}
    for response in [*turns, *burst]:
        assert response.headers["ratelimit-policy"] == f'"counters";q={limit};w=3600'
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) >= 1
    value = (await pair.client(0).get(f"/api/v1/counters/{name}")).json()["value"]
    assert value == 2 * limit  # every allowed increment counted, no refused one
    report(
        "two_instances_rate_limit",
        {
            "limit_per_hour_per_address": limit,
            "taking_turns": {"requests": len(turns), "allowed": limit, "refused_429": 2},
            "concurrent_burst": {
                "requests": len(burst),
                "allowed": statuses[200],
                "refused_429": statuses[429],
                "allowed_per_instance": [
                    sum(1 for n, r in enumerate(burst) if r.status_code == 200 and n % 2 == i)
                    for i in (0, 1)
                ],
            },
            "counter_value": value,
        },
    )


async def test_concurrent_increments_through_both_instances_end_exactly(pair: Pair) -> None:
    settings = profile()
    total, name = settings.increments, f"exact-{uuid.uuid4().hex[:8]}"
    addresses = [next(_addresses) for _ in range(settings.increment_addresses)]
    gate = asyncio.Semaphore(32)

    async def one(n: int) -> httpx.Response:
        async with gate:
            return await increment(pair, n, name, addresses[n % len(addresses)])

    started = time.monotonic()
    responses = await asyncio.gather(*(one(n) for n in range(total)))
    elapsed = time.monotonic() - started
    assert {r.status_code for r in responses} == {200}
    values = sorted(r.json()["value"] for r in responses)
    assert values == list(range(1, total + 1))  # no lost update, no value given twice
    final = (await pair.client(1).get(f"/api/v1/counters/{name}")).json()["value"]
    assert final == total
    report(
        "two_instances_increments",
        {
            "increments": total,
            "client_addresses": len(addresses),
            "per_instance": [len(range(0, total, 2)), len(range(1, total, 2))],
            "final_value": final,
            "distinct_values_answered": len(set(values)),
            "seconds": round(elapsed, 2),
        },
    )


async def post_task(
    pair: Pair, n: int, seeded: Seeded, key: str, title: str
) -> tuple[int, httpx.Response]:
    """Create a task through instance n % 2 with an Idempotency-Key; retries 409 until final."""
    url = f"/api/v1/projects/{seeded.project_id}/tasks"
    conflicts = 0
    while True:
        response = await pair.client(n).post(
            url, json={"title": title}, headers=seeded.headers | {"Idempotency-Key": key}
        )
        if response.status_code != 409:
            return conflicts, response
        conflicts += 1
        assert conflicts < 200, "a key stayed in flight"
        await asyncio.sleep(0.05 + random.random() * 0.05)


async def test_one_idempotency_key_through_both_instances_writes_once(pair: Pair) -> None:
    seeded = await seed(pair.client(0), key="IDEM")
    keys = profile().idempotency_keys
    run = uuid.uuid4().hex[:8]
    # One after the other: the second instance replays the first one's answer.
    for k in range(keys):
        key, title = f"seq-{run}-{k}", f"sequential {run} {k}"
        _, first = await post_task(pair, k, seeded, key, title)
        _, second = await post_task(pair, k + 1, seeded, key, title)
        assert first.status_code == 201
        assert "idempotent-replayed" not in first.headers
        assert second.status_code == 201
        assert second.headers["idempotent-replayed"] == "true"
        assert second.json()["id"] == first.json()["id"]
    other_body = await pair.client(1).post(
        f"/api/v1/projects/{seeded.project_id}/tasks",
        json={"title": "another body"},
        headers=seeded.headers | {"Idempotency-Key": f"seq-{run}-0"},
    )
    assert other_body.status_code == 422

    # At the same time: four copies of each key, two per instance.
    copies = 4
    results = await asyncio.gather(
        *(
            post_task(pair, c, seeded, f"conc-{run}-{k}", f"concurrent {run} {k}")
            for k in range(keys)
            for c in range(copies)
        )
    )
    conflicts = sum(c for c, _ in results)
    for k in range(keys):
        answers = [r for _, r in results[k * copies : (k + 1) * copies]]
        assert {r.status_code for r in answers} == {201}
        assert len({r.json()["id"] for r in answers}) == 1
        assert sum(1 for r in answers if "idempotent-replayed" not in r.headers) == 1

    rows = await pair.fetch(
        "SELECT title, count(*) AS n FROM task WHERE project_id = $1 GROUP BY title",
        seeded.project_id,
    )
    assert len(rows) == 2 * keys
    assert {row["n"] for row in rows} == {1}
    report(
        "two_instances_idempotency",
        {
            "keys_sequential": keys,
            "keys_concurrent": keys,
            "copies_per_concurrent_key": copies,
            "http_409_while_in_flight": conflicts,
            "tasks_stored": sum(row["n"] for row in rows),
            "duplicates": 0,
        },
    )


def job_lines(server: ServerProcess) -> list[dict[str, Any]]:
    """The `job ...` log lines of a server."""
    return [line for line in server.log_lines() if "job_id" in line and "outcome" in line]


async def test_jobs_enqueued_through_both_instances_run_once(pair: Pair) -> None:
    seeded = await seed(pair.client(1), key="JOBS")
    total = profile().jobs
    run = uuid.uuid4().hex[:8]
    task_ids = []
    for n in range(total):
        created = await pair.client(n).post(
            f"/api/v1/projects/{seeded.project_id}/tasks",
            json={"title": f"analyse me {run} {n}", "description": f"case {n} of {run}"},
            headers=seeded.headers,
        )
        assert created.status_code == 201, created.text
        task_ids.append(str(created.json()["id"]))
    for n, task_id in enumerate(task_ids):
        requested = await pair.client(n + 1).post(
            f"/api/v1/tasks/{task_id}/analysis", headers=seeded.headers
        )
        assert requested.status_code == 202, requested.text

    async def all_done() -> bool:
        rows = await pair.fetch("SELECT count(*) AS n FROM job WHERE state NOT IN ('done', 'dead')")
        return int(rows[0]["n"]) == 0

    await wait_until(all_done, "every job to finish", limit=120, every=0.2)
    jobs = await pair.fetch("SELECT id, kind, state, attempts FROM job")  # this module's
    analysis_jobs = [j for j in jobs if j["kind"] == "analysis.run"]
    assert len(analysis_jobs) == total
    assert {j["state"] for j in jobs} == {"done"}
    assert {j["attempts"] for j in jobs} == {1}  # claimed once each
    analyses = await pair.fetch(
        "SELECT status, attempts, input_tokens + output_tokens AS tokens FROM analysis"
        " WHERE workspace_id = $1",
        seeded.workspace_id,
    )
    assert len(analyses) == total
    assert {(a["status"], a["attempts"]) for a in analyses} == {("done", 1)}
    spent = await pair.fetch(
        "SELECT coalesce(sum(tokens), 0) AS tokens FROM ai_usage WHERE workspace_id = $1",
        seeded.workspace_id,
    )
    assert spent[0]["tokens"] == sum(a["tokens"] for a in analyses)  # each spent once

    ids = {str(j["id"]) for j in jobs}
    ran = [[line for line in job_lines(s) if line["job_id"] in ids] for s in pair.servers]
    runs = Counter(line["job_id"] for lines in ran for line in lines)
    assert set(runs) == ids
    assert set(runs.values()) == {1}  # each job ran once, on one instance
    assert len(ran[0]) > 0
    assert len(ran[1]) > 0
    report(
        "two_instances_jobs",
        {
            "tasks": total,
            "jobs": len(jobs),
            "analysis_jobs": len(analysis_jobs),
            "runs_per_instance": [len(ran[0]), len(ran[1])],
            "jobs_run_twice": 0,
            "attempts_per_job": 1,
            "tokens_counted": int(spent[0]["tokens"]),
        },
    )


def fail_open_lines(server: ServerProcess) -> int:
    """How many fail-open warnings a server logged."""
    return sum(1 for line in server.log_lines() if FAIL_OPEN in str(line.get("msg", line)))


async def test_without_redis_requests_are_served_and_the_limit_returns(pair: Pair) -> None:
    name = f"redis-{uuid.uuid4().hex[:8]}"
    warned_before = [fail_open_lines(s) for s in pair.servers]
    pair.redis.kill()
    address = next(_addresses)
    started = time.monotonic()
    down = [await increment(pair, n, name, address) for n in range(pair.limit + 5)]
    down_seconds = time.monotonic() - started
    assert {r.status_code for r in down} == {200}  # over the limit, yet served: fail-open
    assert all("ratelimit" not in r.headers for r in down)
    assert down_seconds < 30, f"requests without Redis took {down_seconds:.1f}s"

    async def both_warned() -> bool:
        now = [fail_open_lines(s) for s in pair.servers]
        return all(a > b for a, b in zip(now, warned_before, strict=True))

    await wait_until(both_warned, "each instance to log the fail-open warning", limit=10)
    warnings = [fail_open_lines(s) - b for s, b in zip(pair.servers, warned_before, strict=True)]
    assert all(w == 1 for w in warnings), warnings  # once, not once per request

    pair.redis.start()  # empty: the counts of before are gone
    restarted = time.monotonic()
    address = next(_addresses)
    back = [await increment(pair, n, name, address) for n in range(2 * pair.limit)]
    restored = time.monotonic()
    statuses = [r.status_code for r in back]
    assert statuses == [200] * pair.limit + [429] * pair.limit
    final = (await pair.client(0).get(f"/api/v1/counters/{name}")).json()["value"]
    assert final == pair.limit + 5 + pair.limit

    # A Redis that hangs instead of refusing: each call gives up after its 0.5 s timeout.
    pair.redis.freeze()
    address, frozen_times = next(_addresses), []
    try:
        for n in range(6):
            started = time.monotonic()
            response = await increment(pair, n, name, address)
            frozen_times.append(time.monotonic() - started)
            assert response.status_code == 200
    finally:
        pair.redis.thaw()
    assert max(frozen_times) < 10, frozen_times  # bounded by the timeouts, not hanging
    thawed = [(await increment(pair, n, name, address)).status_code for n in range(pair.limit + 1)]
    # Counting again: the limit holds (hits sent while it hung may have been counted too).
    assert thawed[-1] == 429
    assert thawed[0] == 200
    report(
        "two_instances_redis_outage",
        {
            "requests_without_redis": len(down),
            "served_without_redis": sum(1 for r in down if r.status_code == 200),
            "seconds_for_them": round(down_seconds, 2),
            "fail_open_warnings_per_instance": warnings,
            "after_restart_allowed": statuses.count(200),
            "after_restart_refused_429": statuses.count(429),
            "limit_back_after_seconds": round(restored - restarted, 2),
            "frozen_redis_request_seconds": {
                "max": round(max(frozen_times), 2),
                "median": round(sorted(frozen_times)[len(frozen_times) // 2], 2),
            },
            "after_thaw_refused_429": thawed.count(429),
        },
    )
