"""PostgreSQL crashes under load (`pg_ctl stop -m immediate`) while clients create tasks.

A private cluster, a live `smarttask serve --workers 2`, and N clients that each create
tasks one after another with a unique Idempotency-Key, retrying the same key and body on
connection errors, 503, 5xx and 409 until they get a 201. Meanwhile the database is killed
and started again (once in the CI profile, three times in the full one). Afterwards every
acknowledged task exists exactly once, with the acknowledged id, and no other task exists;
/health said 503 (with Retry-After) during the outage and 200 after, from the same server
processes.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.faults import (
    PrivatePostgres,
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


@dataclass
class Figures:
    """What the clients saw."""

    requests: int = 0
    connection_errors: int = 0
    connection_error_kinds: Counter[str] = field(default_factory=Counter)
    unavailable_503: int = 0
    other_5xx: int = 0
    in_flight_409: int = 0
    acknowledged: int = 0
    acknowledged_by_replay: int = 0
    acks: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (title, task id)
    ack_times: list[float] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


@dataclass
class HealthLog:
    """Every /health answer: (monotonic time, status or 0 for no answer, Retry-After)."""

    samples: list[tuple[float, int, str | None]] = field(default_factory=list)

    def first_status_after(self, status: int, moment: float) -> float | None:
        """When /health first answered `status` after `moment`."""
        return next((t for t, s, _ in self.samples if t >= moment and s == status), None)


@pytest.fixture(scope="module")
async def cluster() -> AsyncIterator[PrivatePostgres]:
    """A private PostgreSQL cluster, migrated with `smarttask migrate`."""
    postgres = PrivatePostgres()
    try:
        await asyncio.to_thread(postgres.init)
        await asyncio.to_thread(postgres.start)
        url = await postgres.create_database()
        await asyncio.to_thread(migrate, url, postgres.root.parent)
        yield postgres
    finally:
        await asyncio.to_thread(postgres.remove)


@pytest.fixture(scope="module")
async def server(cluster: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """`smarttask serve --workers 2` on the private cluster."""
    folder = tmp_path_factory.mktemp("crash-server")
    env = base_env(
        SMARTTASK_DATABASE_URL=cluster.url(),
        SMARTTASK_RATE_LIMIT_ENABLED="false",
        SMARTTASK_LOG_LEVEL="WARNING",
        SMARTTASK_IDEMPOTENCY_LEASE_SECONDS=str(profile().crash_idempotency_lease_seconds),
        SMARTTASK_PERIODIC_JOBS_ENABLED="false",
    )
    process = ServerProcess.serve(free_port(), env, folder / "server.log", folder, workers=2)
    process.start()
    try:
        await process.wait_healthy()
        yield process
    finally:
        process.stop()


async def create_until_acknowledged(
    http: httpx.AsyncClient, seeded: Seeded, key: str, title: str, figures: Figures, limit: float
) -> None:
    """POST one task, retrying the same key and body until a 201 (or `limit` passes)."""
    url = f"/api/v1/projects/{seeded.project_id}/tasks"
    headers = seeded.headers | {"Idempotency-Key": key}
    body = {"title": title, "description": "created while PostgreSQL crashes"}
    while time.monotonic() < limit:
        figures.requests += 1
        try:
            response = await http.post(url, json=body, headers=headers)
        except httpx.TransportError as error:
            figures.connection_errors += 1
            figures.connection_error_kinds[type(error).__name__] += 1
            await asyncio.sleep(0.2 + random.random() * 0.1)
            continue
        status = response.status_code
        if status == 201:
            figures.acknowledged += 1
            if response.headers.get("idempotent-replayed") == "true":
                figures.acknowledged_by_replay += 1
            assert response.json()["title"] == title
            figures.acks[key] = (title, str(response.json()["id"]))
            figures.ack_times.append(time.monotonic())
            return
        retry_after = float(response.headers.get("retry-after") or 1)
        if status == 503:
            figures.unavailable_503 += 1
            assert retry_after > 0, "a 503 without Retry-After"
        elif status == 409:
            figures.in_flight_409 += 1
        elif status >= 500:
            figures.other_5xx += 1
        else:
            figures.unexpected.append(f"{status} {response.text[:300]}")
            return
        # A real client waits Retry-After; the test caps it to keep the run short.
        await asyncio.sleep(min(retry_after, 0.3) + random.random() * 0.1)
    figures.unexpected.append(f"key {key} never acknowledged")


async def client_loop(
    http: httpx.AsyncClient,
    seeded: Seeded,
    prefix: str,
    figures: Figures,
    stop: asyncio.Event,
    limit: float,
) -> None:
    """Create tasks one after another until told to stop; each key until acknowledged."""
    number = 0
    while not stop.is_set() and not figures.unexpected:
        key = f"{prefix}-{number}-{uuid.uuid4().hex[:8]}"
        await create_until_acknowledged(http, seeded, key, f"{prefix}-{number}", figures, limit)
        number += 1


async def watch_health(http: httpx.AsyncClient, log: HealthLog, stop: asyncio.Event) -> None:
    """Ask /health every 100 ms."""
    while not stop.is_set():
        try:
            response = await http.get("/health", timeout=5)
            log.samples.append(
                (time.monotonic(), response.status_code, response.headers.get("retry-after"))
            )
        except httpx.TransportError:
            log.samples.append((time.monotonic(), 0, None))
        await asyncio.sleep(0.1)


async def stored_tasks(cluster: PrivatePostgres, project_id: str) -> list[asyncpg.Record]:
    """Every task of the project, read from the database directly."""
    connection = await asyncpg.connect(cluster.dsn("smarttask"), timeout=10)
    try:
        return list(
            await connection.fetch(
                "SELECT t.id, t.title, t.number,"
                " (SELECT count(*) FROM activity a WHERE a.entity_type = 'task'"
                "   AND a.entity_id = t.id AND a.action = 'created') AS created_entries"
                " FROM task t WHERE t.project_id = $1",
                project_id,
            )
        )
    finally:
        await connection.close()


async def test_tasks_survive_postgres_crashes_exactly_once(
    cluster: PrivatePostgres, server: ServerProcess
) -> None:
    settings = profile()
    lease = settings.crash_idempotency_lease_seconds
    limits = httpx.Limits(max_connections=settings.crash_clients + 4)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=15, limits=limits) as http:
        seeded = await seed(http)
        workers_before = server.children()
        assert len(workers_before) >= 2, f"expected 2 uvicorn workers: {workers_before}"

        figures, health = Figures(), HealthLog()
        stop_load, stop_health = asyncio.Event(), asyncio.Event()
        run = uuid.uuid4().hex[:8]
        started = time.monotonic()
        # Generous: the last outage, its recovery, and the idempotency leases of requests
        # that died with the database, many times over.
        give_up = started + settings.crash_cycles * 60 + 120 + 4 * lease
        watcher = asyncio.create_task(watch_health(http, health, stop_health))
        clients = [
            asyncio.create_task(
                client_loop(http, seeded, f"crash-{run}-c{n}", figures, stop_load, give_up)
            )
            for n in range(settings.crash_clients)
        ]
        outages: list[dict[str, float]] = []
        try:
            for _ in range(settings.crash_cycles):
                await asyncio.sleep(settings.crash_warmup_seconds)
                acked_before = figures.acknowledged
                crash_at = time.monotonic()
                await asyncio.to_thread(cluster.crash)
                down_at = time.monotonic()
                await asyncio.sleep(settings.crash_outage_seconds)
                await asyncio.to_thread(cluster.start)
                up_at = time.monotonic()
                await wait_until(
                    lambda up=up_at: _is_true(health.first_status_after(200, up) is not None),
                    "/health to answer 200 after PostgreSQL came back",
                    limit=60,
                )
                await wait_until(
                    lambda up=up_at: _is_true(any(t >= up for t in figures.ack_times)),
                    "a task to be acknowledged after PostgreSQL came back",
                    limit=60,
                )
                healthy_at = health.first_status_after(200, up_at)
                assert healthy_at is not None
                outages.append(
                    {
                        "acknowledged_before_crash": acked_before,
                        "pg_ctl_stop_seconds": down_at - crash_at,
                        "database_down_seconds": up_at - crash_at,
                        "health_200_after_start_seconds": healthy_at - up_at,
                        "first_ack_after_start_seconds": min(
                            t for t in figures.ack_times if t >= up_at
                        )
                        - up_at,
                        "health_503_during_outage": sum(
                            1 for t, s, _ in health.samples if crash_at <= t <= up_at and s == 503
                        ),
                        "_crash_at": crash_at,
                        "_up_at": up_at,
                    }
                )
            await asyncio.sleep(settings.crash_after_seconds)
        finally:
            stop_load.set()
            await asyncio.gather(*clients)
            stop_health.set()
            await watcher
        finished = time.monotonic()
        for _ in range(6):  # both uvicorn workers answer again
            assert (await http.get("/health")).status_code == 200

        # Replays after recovery give the acknowledged task back, and write nothing.
        sample = random.sample(sorted(figures.acks), min(10, len(figures.acks)))
        for key in sample:
            title, task_id = figures.acks[key]
            replay = await http.post(
                f"/api/v1/projects/{seeded.project_id}/tasks",
                json={"title": title, "description": "created while PostgreSQL crashes"},
                headers=seeded.headers | {"Idempotency-Key": key},
            )
            assert replay.status_code == 201
            assert replay.headers["idempotent-replayed"] == "true"
            assert replay.json()["id"] == task_id

    assert not figures.unexpected, figures.unexpected[:5]
    assert server.alive(), "the server process died"
    assert server.children() == workers_before, "uvicorn workers were replaced"

    rows = await stored_tasks(cluster, seeded.project_id)
    by_title = Counter(row["title"] for row in rows)
    acked = dict(figures.acks.values())
    duplicates = sum(count - 1 for count in by_title.values() if count > 1)
    lost = sorted(set(acked) - set(by_title))
    unacknowledged = sorted(set(by_title) - set(acked))
    assert duplicates == 0, [t for t, c in by_title.items() if c > 1][:5]
    assert lost == [], lost[:5]
    assert unacknowledged == [], unacknowledged[:5]
    assert {row["title"]: row["id"] for row in rows} == acked
    assert {row["created_entries"] for row in rows} == {1}  # one audit entry per task
    assert len({row["number"] for row in rows}) == len(rows)  # task numbers never repeat

    for outage in outages:
        assert outage["health_503_during_outage"] > 0, "/health never said 503 in an outage"
    outage_samples = [
        (s, r)
        for t, s, r in health.samples
        for o in outages
        if o["_crash_at"] <= t <= o["_up_at"] and s == 503
    ]
    assert all(r is not None and int(r) > 0 for _, r in outage_samples)
    assert figures.connection_errors + figures.unavailable_503 + figures.other_5xx > 0

    numbers = sorted(row["number"] for row in rows)
    report(
        "postgres_crash",
        {
            "clients": settings.crash_clients,
            "crashes": settings.crash_cycles,
            "run_seconds": round(finished - started, 2),
            "requests_sent": figures.requests,
            "faults_seen": {
                "connection_errors": figures.connection_errors,
                "connection_error_kinds": dict(figures.connection_error_kinds),
                "http_503": figures.unavailable_503,
                "other_5xx": figures.other_5xx,
                "http_409_in_flight": figures.in_flight_409,
            },
            "retries": figures.requests - len(figures.acks),
            "keys_acknowledged": len(figures.acks),
            "acknowledged_by_replay": figures.acknowledged_by_replay,
            "tasks_stored": len(rows),
            "duplicates": duplicates,
            "losses": len(lost),
            "stored_but_not_acknowledged": len(unacknowledged),
            "task_number_gaps": numbers[-1] - len(numbers) if numbers else 0,
            "health_samples": len(health.samples),
            "health_503": sum(1 for _, s, _ in health.samples if s == 503),
            "outages": [
                {k: round(v, 2) for k, v in o.items() if not k.startswith("_")} for o in outages
            ],
            "last_ack_after_last_start_seconds": round(
                max(figures.ack_times) - outages[-1]["_up_at"], 2
            ),
            "server_restarted": False,
        },
    )


async def _is_true(value: bool) -> bool:
    return value
