"""A `smarttask worker` killed with SIGKILL in the middle of a webhook delivery.

The receiver holds the request (it never answers the first one), so the worker is caught
mid-delivery; it is killed. Nothing was recorded: the delivery is still waiting and its job
is `running` under the dead worker's lease. When the lease expires a second worker takes
the job and delivers it again with the same `webhook-id` (at least once, as webhooks are;
the receiver de-duplicates by it); the delivery ends `succeeded`, recorded once.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from smarttask.db.engine import Database
from smarttask.jobs.models import Job
from smarttask.webhooks.models import WebhookDelivery
from smarttask.webhooks.service import DELIVER
from tests.support import TEST_SECRET_KEY, make_settings
from tests.support.faults import ServerProcess, base_env, report, wait_until
from tests.support.tasks import new_board, new_task
from tests.support.webhook_receiver import WebhookReceiver, hang

LEASE_SECONDS = 5


@pytest.fixture
async def database(database_url: str, clean_database: None) -> AsyncIterator[Database]:
    """The database under test, read directly."""
    db = Database(make_settings(database_url).database)
    yield db
    await db.dispose()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A real HTTP receiver on 127.0.0.1."""
    running = WebhookReceiver().start()
    yield running
    running.stop()


@pytest.fixture
def workers(database_url: str, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    """`smarttask worker` processes; any still running afterwards is killed."""
    started: list[ServerProcess] = []
    yield started
    for process in started:
        process.kill()


def start_worker(database_url: str, folder: Path, n: int) -> ServerProcess:
    """Worker number n: short leases, webhooks allowed to reach 127.0.0.1, long time-out."""
    env = base_env(
        SMARTTASK_DATABASE_URL=database_url,
        SMARTTASK_SECRET_KEY=TEST_SECRET_KEY,  # the app's: it decrypts the webhook secrets
        SMARTTASK_JOB_LEASE_SECONDS=str(LEASE_SECONDS),
        SMARTTASK_JOB_POLL_INTERVAL_SECONDS="0.1",
        SMARTTASK_PERIODIC_JOBS_ENABLED="false",
        SMARTTASK_WEBHOOK_ALLOW_PRIVATE="true",
        SMARTTASK_WEBHOOK_TIMEOUT_SECONDS="60",
    )
    process = ServerProcess(
        ["worker", "--concurrency", "2"], env, folder / f"worker-{n}.log", folder
    )
    process.start()
    return process


async def delivery_job(database: Database) -> Job:
    """The one delivery job of the test."""
    async with database.session(writes=False) as session:
        return (await session.execute(select(Job).where(Job.kind == DELIVER))).scalar_one()


async def the_delivery(database: Database) -> WebhookDelivery:
    """The one delivery of the test."""
    async with database.session(writes=False) as session:
        return (await session.execute(select(WebhookDelivery))).scalar_one()


async def test_a_worker_killed_mid_delivery_does_not_lose_it(
    client_with: Any,
    database: Database,
    database_url: str,
    receiver: WebhookReceiver,
    workers: list[ServerProcess],
    tmp_path: Path,
    backend: str,
) -> None:
    client: httpx.AsyncClient = await client_with(webhook_allow_private=True)
    board = await new_board(client)
    created = await client.post(
        f"/api/v1/workspaces/{board.workspace_id}/webhooks",
        json={"url": receiver.url(), "events": ["task.created"]},
        headers=board.owner.headers,
    )
    assert created.status_code == 201, created.text
    receiver.secrets = [created.json()["secret"]]
    receiver.script(hang(600))  # the first request is held until the test ends
    await new_task(client, board, title="Deliver me once")

    victim = start_worker(database_url, tmp_path, 0)
    workers.append(victim)
    await receiver.wait_for_arrivals(1, timeout=90)
    victim.kill()
    assert victim.process is not None
    assert victim.process.returncode == -signal.SIGKILL
    held = await delivery_job(database)
    assert (held.state, held.attempts) == ("running", 1)
    waiting = await the_delivery(database)
    assert (waiting.status, waiting.attempts) == ("pending", 0)  # nothing recorded

    survivor = start_worker(database_url, tmp_path, 1)
    workers.append(survivor)
    await receiver.wait_for(1, timeout=90)  # the second request, answered

    async def settled() -> bool:
        assert survivor.alive(), survivor.log_tail()
        return (await the_delivery(database)).status == "succeeded"

    await wait_until(settled, "the surviving worker to record the delivery", limit=90)
    assert survivor.stop() == 0, survivor.log_tail()
    job = await delivery_job(database)
    assert (job.state, job.attempts) == ("done", 2)
    assert job.finished_at is not None
    assert held.locked_until is not None
    assert job.finished_at >= held.locked_until  # not before the victim's lease expired
    delivery = await the_delivery(database)
    assert (delivery.attempts, delivery.response_status) == (1, 204)
    [answered] = receiver.requests
    assert answered.verified
    assert answered.msg_id == f"msg_{delivery.id}"
    assert receiver.arrivals == 2  # the killed attempt's request, and this one
    report(
        f"webhook_worker_kill_{backend}",
        {
            "workers_killed": 1,
            "job_attempts": job.attempts,
            "requests_to_receiver": receiver.arrivals,
            "deliveries_recorded": 1,
            "lease_seconds": LEASE_SECONDS,
        },
    )
