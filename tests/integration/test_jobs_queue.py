"""The outbox, the claim, retries, dead jobs and periodic jobs, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter as Tally
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from smarttask.counters import service as counters
from smarttask.db.engine import Database
from smarttask.jobs import repository
from smarttask.jobs.queue import enqueue
from smarttask.jobs.registry import JobContext, JobSet, PermanentFailure, RetryLater
from smarttask.jobs.worker import Worker
from smarttask.settings import Settings
from tests.support import job_registry
from tests.support.jobs import (
    FakeClock,
    add_jobs,
    all_jobs,
    counter_value,
    job,
    job_settings,
)

runs: Tally[str] = Tally()
registry = JobSet()
JOBS = job_registry(registry)


@registry.handler("test.queue.count")
async def count_handler(context: JobContext, payload: dict[str, Any]) -> None:
    runs[context.job_id] += 1
    await counters.increment(context.session, payload["counter"], max_counters=1000)


@registry.handler("test.queue.fail")
async def failing_handler(_context: JobContext, _payload: dict[str, Any]) -> None:
    raise RuntimeError("upstream said no (password=hunter2 is not logged in full)")


@registry.handler("test.queue.retry_later")
async def retry_later_handler(_context: JobContext, payload: dict[str, Any]) -> None:
    raise RetryLater("rate limited", after_seconds=payload["after"])


@registry.handler("test.queue.permanent")
async def permanent_handler(_context: JobContext, _payload: dict[str, Any]) -> None:
    raise PermanentFailure("the task no longer exists")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return job_settings(
        database_url,
        job_max_attempts=4,
        job_backoff_base_seconds=10,
        job_backoff_max_seconds=10_000,
    )


@pytest.fixture
async def database(settings: Settings, clean_database: None) -> AsyncIterator[Database]:
    db = Database(settings.database, jobs=settings.jobs)
    yield db
    await db.dispose()


async def test_enqueue_is_rolled_back_with_its_transaction(
    database: Database, settings: Settings
) -> None:
    async with database.session() as session:
        await counters.increment(session, "outbox", max_counters=1000)
        await enqueue(session, "test.queue.count", {"counter": "x"})
        await session.rollback()
    assert await all_jobs(database) == []
    assert await counter_value(database, "outbox") is None

    async with database.session() as session:
        await counters.increment(session, "outbox", max_counters=1000)
        job_id = await enqueue(session, "test.queue.count", {"counter": "x"})
        await session.commit()
    stored = await job(database, job_id)
    assert (stored.state, stored.kind, stored.attempts) == ("queued", "test.queue.count", 0)
    assert await counter_value(database, "outbox") == 1


async def test_a_dedupe_key_allows_one_unfinished_job(
    database: Database, settings: Settings
) -> None:
    async with database.session() as session:
        first = await enqueue(session, "test.queue.count", {"counter": "d"}, dedupe_key="k1")
        second = await enqueue(session, "test.queue.count", {"counter": "d"}, dedupe_key="k1")
        await session.commit()
    assert first == second
    assert len(await all_jobs(database)) == 1
    assert await Worker(database, settings, JOBS).drain() == 1
    async with database.session() as session:
        third = await enqueue(session, "test.queue.count", {"counter": "d"}, dedupe_key="k1")
        await session.commit()
    assert third != first
    assert await counter_value(database, "d") == 1


async def test_concurrent_workers_run_each_job_exactly_once(
    database: Database, settings: Settings
) -> None:
    ids = await add_jobs(database, "test.queue.count", [{"counter": "many"}] * 120)
    databases = [Database(settings.database, jobs=settings.jobs) for _ in range(4)]
    workers = [
        Worker(db, settings, JOBS, concurrency=4, name=f"w{i}") for i, db in enumerate(databases)
    ]
    try:
        counts = await asyncio.gather(*(w.drain() for w in workers))
    finally:
        for db in databases:
            await db.dispose()
    assert sum(counts) == 120
    assert sum(1 for c in counts if c > 0) >= 2 or settings.database.is_sqlite
    assert [runs[i] for i in ids] == [1] * 120
    assert await counter_value(database, "many") == 120
    assert {j.state for j in await all_jobs(database)} == {"done"}


async def test_a_failing_job_backs_off_then_ends_dead(
    database: Database, settings: Settings
) -> None:
    (job_id,) = await add_jobs(database, "test.queue.fail", [{}])
    clock = FakeClock()
    worker = Worker(database, settings, JOBS, clock=clock)
    gaps = []
    for attempt in range(1, 4):
        assert await worker.drain() == 1
        stored = await job(database, job_id)
        assert (stored.state, stored.attempts) == ("queued", attempt)
        assert str(stored.last_error).startswith("RuntimeError: upstream said no")
        gaps.append((stored.run_at - clock.now).total_seconds())
        assert await worker.drain() == 0  # not due before its time
        clock.advance_to(stored.run_at)
    for attempt, gap in enumerate(gaps, start=1):
        exponential = 10 * 2 ** (attempt - 1)
        assert 0.75 * exponential <= gap <= exponential
    assert gaps[0] < gaps[1] < gaps[2]
    assert await worker.drain() == 1
    dead = await job(database, job_id)
    assert (dead.state, dead.attempts, dead.locked_by) == ("dead", 4, None)
    assert dead.finished_at == clock.now
    clock.advance(10**6)
    assert await worker.drain() == 0


async def test_retry_later_honours_the_upstream_delay(
    database: Database, settings: Settings
) -> None:
    (job_id,) = await add_jobs(database, "test.queue.retry_later", [{"after": 42.5}])
    clock = FakeClock()
    await Worker(database, settings, JOBS, clock=clock).drain()
    stored = await job(database, job_id)
    assert stored.state == "queued"
    assert stored.run_at - clock.now == timedelta(seconds=42.5)
    assert stored.last_error == "RetryLater: rate limited"


async def test_permanent_failures_and_unknown_kinds_go_dead_at_once(
    database: Database, settings: Settings
) -> None:
    (permanent,) = await add_jobs(database, "test.queue.permanent", [{}])
    (unknown,) = await add_jobs(database, "test.queue.nobody-handles-this", [{}])
    await Worker(database, settings, JOBS).drain()
    first, second = await job(database, permanent), await job(database, unknown)
    assert (first.state, first.attempts) == ("dead", 1)
    assert first.last_error == "PermanentFailure: the task no longer exists"
    assert (second.state, second.attempts) == ("dead", 1)
    assert "no handler is registered for job kind 'test.queue.nobody-handles-this'" in str(
        second.last_error
    )


async def test_an_expired_lease_is_claimed_again_and_the_old_holder_keeps_nothing(
    database: Database, settings: Settings
) -> None:
    (job_id,) = await add_jobs(database, "test.queue.count", [{"counter": "lease"}])
    clock = FakeClock()
    lease = timedelta(seconds=settings.jobs.lease_seconds)
    async with database.session() as session:
        (held,) = await repository.claim(
            session, now=clock.now, limit=5, lease_until=clock.now + lease, token="crashed"
        )
        await session.commit()
    assert held.id == job_id
    worker = Worker(database, settings, JOBS, clock=clock)
    assert await worker.drain() == 0  # leased: nobody else may run it
    clock.advance(lease.total_seconds() + 1)
    assert await worker.drain() == 1
    async with database.session() as session:
        assert not await repository.mark_done(session, job_id, "crashed", clock.now)
        await session.commit()
    stored = await job(database, job_id)
    assert (stored.state, stored.attempts) == ("done", 2)
    assert await counter_value(database, "lease") == 1


async def test_the_run_loop_picks_up_new_work_and_stops_on_request(
    database: Database, settings: Settings
) -> None:
    worker = Worker(database, settings, JOBS)
    loop = asyncio.create_task(worker.run(grace_seconds=5))
    ids = await add_jobs(database, "test.queue.count", [{"counter": "loop"}] * 10)
    async with asyncio.timeout(30):
        while await counter_value(database, "loop") != 10:
            await asyncio.sleep(0.02)
    worker.stop()
    await asyncio.wait_for(loop, 30)
    assert {(await job(database, i)).state for i in ids} == {"done"}


async def test_periodic_jobs_are_enqueued_once_per_slot_across_instances(
    database_url: str, database: Database
) -> None:
    settings = job_settings(database_url, periodic_jobs_enabled=True)
    clock = FakeClock()
    databases = [Database(settings.database, jobs=settings.jobs) for _ in range(3)]
    try:
        workers = [Worker(db, settings, JOBS, clock=clock) for db in databases]
        await asyncio.gather(*(w.schedule_periodic() for w in workers))
        kinds = sorted(j.kind for j in await all_jobs(database))
        assert kinds == sorted(JOBS.periodic)
        assert "maintenance.purge_idempotency_keys" in kinds
        await workers[0].drain()
        fresh = Worker(databases[1], settings, JOBS, clock=clock)  # knows no slot yet
        assert await fresh.schedule_periodic() == 0  # finished slots stay taken
        clock.advance(max(p.every for p in JOBS.periodic.values()).total_seconds())
        assert await fresh.schedule_periodic() == len(kinds)
    finally:
        for db in databases:
            await db.dispose()
