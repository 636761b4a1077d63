"""Webhook deliveries end to end: events of real changes go to a real local receiver that
verifies every signature with the `standardwebhooks` library; failures are retried on the
Standard Webhooks schedule, driven by a worker whose clock the test moves (never by
sleeping); bounded answers, SSRF at delivery time, redelivery, automatic disabling."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.events.models import Event
from smarttask.jobs.models import Job
from smarttask.jobs.registry import JobContext
from smarttask.jobs.worker import Worker
from smarttask.settings import Settings
from smarttask.webhooks import jobs as webhook_jobs
from smarttask.webhooks.models import Webhook, WebhookDelivery
from smarttask.webhooks.service import DELIVER
from tests.support import job_registry, make_settings
from tests.support.accounts import assert_problem
from tests.support.jobs import FakeClock
from tests.support.tasks import Board, new_board, new_task
from tests.support.webhook_receiver import WebhookReceiver, fail, hang, huge, redirect

API = "/api/v1"
JOBS = job_registry()
SCHEDULE = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """The app may point webhooks at the local receiver."""
    return {"webhook_allow_private": True}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A real HTTP receiver on 127.0.0.1."""
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
async def database(settings: Settings, app: Any) -> AsyncIterator[Database]:
    """The worker's handle on the app's database."""
    db = Database(settings.database, jobs=settings.jobs)
    yield db
    await db.dispose()


class Runner:
    """A worker with a clock the test moves: runs the delivery jobs that are due."""

    def __init__(self, database: Database, settings: Settings, **overrides: Any) -> None:
        values: dict[str, Any] = {
            "webhook_allow_private": True,
            "webhook_timeout_seconds": 2.0,
            "webhook_max_response_bytes": 4096,
            "periodic_jobs_enabled": False,
            "log_level": "WARNING",
        } | overrides
        self.clock = FakeClock()
        self.database = database
        self.worker = Worker(
            database, make_settings(settings.database_url, **values), JOBS, clock=self.clock
        )

    async def run(self, at: datetime | None = None) -> int:
        """Run every job due at `at` (default: now); how many delivery attempts' jobs ran."""
        self.clock.advance_to(max(utcnow(), at or utcnow()))
        before = await self.finished()
        await self.worker.drain()
        return await self.finished() - before

    async def finished(self) -> int:
        """How many delivery jobs have finished."""
        async with self.database.session(writes=False) as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.kind == DELIVER, Job.state.in_(("done", "dead")))
            )
        return int(count or 0)


async def subscribe(
    client: httpx.AsyncClient,
    board: Board,
    receiver: WebhookReceiver,
    events: list[str] | None = None,
) -> dict[str, Any]:
    """A webhook of the board's workspace to the receiver, which learns its secret."""
    response = await client.post(
        f"{API}/workspaces/{board.workspace_id}/webhooks",
        json={"url": receiver.url(), "events": events or ["task.created", "task.updated"]},
        headers=board.owner.headers,
    )
    assert response.status_code == 201, response.text
    hook: dict[str, Any] = response.json()
    receiver.secrets = [hook["secret"]]
    return hook


async def deliveries(
    client: httpx.AsyncClient, board: Board, hook: dict[str, Any]
) -> list[dict[str, Any]]:
    response = await client.get(
        f"{API}/webhooks/{hook['id']}/deliveries", headers=board.owner.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_a_change_is_delivered_signed_with_the_standard_webhooks_shape(
    client: httpx.AsyncClient, database: Database, settings: Settings, receiver: WebhookReceiver
) -> None:
    board = await new_board(client)
    hook = await subscribe(client, board, receiver)
    task = await new_task(client, board, title="Ship the webhooks")
    comment = await client.post(
        f"{API}/tasks/{task['id']}/comments",
        json={"body": "not subscribed"},
        headers=board.member.headers,
    )
    assert comment.status_code == 201
    [pending] = await deliveries(client, board, hook)
    assert (pending["event_type"], pending["status"], pending["attempts"]) == (
        "task.created",
        "pending",
        0,
    )
    assert await Runner(database, settings).run() == 1
    await receiver.wait_for(1)
    [request] = receiver.requests
    assert request.verified
    assert request.answered == 204
    assert request.headers["content-type"] == "application/json"
    assert request.msg_id == f"msg_{pending['id']}"
    assert request.headers["webhook-signature"].startswith("v1,")
    body = request.payload
    assert body["type"] == "task.created"
    assert body["timestamp"].endswith("Z")
    assert body["data"]["task"]["id"] == task["id"]
    assert body["data"]["task"]["title"] == "Ship the webhooks"
    [done] = await deliveries(client, board, hook)
    assert (done["status"], done["attempts"], done["response_status"]) == ("succeeded", 1, 204)
    assert done["next_attempt_at"] is None
    read = (await client.get(f"{API}/webhooks/{hook['id']}", headers=board.owner.headers)).json()
    assert read["last_success_at"] is not None
    assert read["failing_since"] is None


async def test_failing_twice_then_succeeding_is_acknowledged_once_with_backoff(
    client: httpx.AsyncClient, database: Database, settings: Settings, receiver: WebhookReceiver
) -> None:
    board = await new_board(client)
    hook = await subscribe(client, board, receiver)
    receiver.script(fail(500), fail(503))
    await new_task(client, board)
    runner = Runner(database, settings)

    assert await runner.run() == 1
    [first] = await deliveries(client, board, hook)
    assert (first["status"], first["attempts"], first["response_status"]) == ("failed", 1, 500)
    first_gap = when(first["next_attempt_at"]) - when(first["last_attempt_at"])
    assert first_gap == SCHEDULE[0]
    assert await runner.run(when(first["next_attempt_at"]) - timedelta(seconds=1)) == 0

    assert await runner.run(when(first["next_attempt_at"])) == 1
    [second] = await deliveries(client, board, hook)
    assert (second["status"], second["attempts"], second["response_status"]) == (
        "failed",
        2,
        503,
    )
    second_gap = when(second["next_attempt_at"]) - when(second["last_attempt_at"])
    assert second_gap == SCHEDULE[1] > first_gap
    assert when(second["next_attempt_at"]) > when(first["next_attempt_at"])
    failing = (await client.get(f"{API}/webhooks/{hook['id']}", headers=board.owner.headers)).json()
    assert failing["failing_since"] is not None

    assert await runner.run(when(second["next_attempt_at"])) == 1
    assert await runner.run(utcnow() + timedelta(days=3)) == 0  # nothing more to send
    await receiver.wait_for(3)
    assert [r.answered for r in receiver.requests] == [500, 503, 204]
    assert all(r.verified for r in receiver.requests)
    assert len({r.msg_id for r in receiver.requests}) == 1  # the receiver can de-duplicate
    [done] = await deliveries(client, board, hook)
    assert (done["status"], done["attempts"], done["response_status"]) == ("succeeded", 3, 204)
    healthy = (await client.get(f"{API}/webhooks/{hook['id']}", headers=board.owner.headers)).json()
    assert healthy["failing_since"] is None


async def test_every_attempt_failing_ends_dead_and_redelivery_sends_it_again(
    client: httpx.AsyncClient, database: Database, settings: Settings, receiver: WebhookReceiver
) -> None:
    board = await new_board(client)
    hook = await subscribe(client, board, receiver)
    receiver.script(*[fail(502) for _ in range(8)])
    await new_task(client, board)
    runner = Runner(database, settings)
    gaps = []
    assert await runner.run() == 1
    for _ in SCHEDULE:
        [delivery] = await deliveries(client, board, hook)
        assert delivery["status"] == "failed"
        gaps.append(when(delivery["next_attempt_at"]) - when(delivery["last_attempt_at"]))
        assert await runner.run(when(delivery["next_attempt_at"])) == 1
    assert gaps == SCHEDULE
    assert sum(gaps, timedelta()) >= timedelta(hours=24)
    [dead] = await deliveries(client, board, hook)
    assert (dead["status"], dead["attempts"], dead["next_attempt_at"]) == ("dead", 8, None)
    assert await runner.run(utcnow() + timedelta(days=30)) == 0
    assert len(receiver.requests) == 8

    redelivered = await client.post(
        f"{API}/webhooks/{hook['id']}/deliveries/{dead['id']}/redeliver",
        headers=board.owner.headers,
    )
    assert redelivered.status_code == 202, redelivered.text
    assert redelivered.json()["status"] == "pending"
    assert await runner.run() == 1
    await receiver.wait_for(9)
    assert receiver.requests[-1].answered == 204
    assert receiver.requests[-1].verified
    assert receiver.requests[-1].msg_id == receiver.requests[0].msg_id
    [again] = await deliveries(client, board, hook)
    assert (again["status"], again["attempts"]) == ("succeeded", 9)

    # a succeeded delivery can be sent once more too; another webhook's id is not found
    again_response = await client.post(
        f"{API}/webhooks/{hook['id']}/deliveries/{again['id']}/redeliver",
        headers=board.owner.headers,
    )
    assert again_response.status_code == 202
    assert await runner.run() == 1
    assert len(receiver.requests) == 10
    other = await subscribe(client, board, receiver)
    assert_problem(
        await client.post(
            f"{API}/webhooks/{other['id']}/deliveries/{again['id']}/redeliver",
            headers=board.owner.headers,
        ),
        404,
    )


async def test_a_redelivery_while_a_retry_waits_replaces_the_old_schedule(
    client: httpx.AsyncClient, database: Database, settings: Settings, receiver: WebhookReceiver
) -> None:
    board = await new_board(client)
    hook = await subscribe(client, board, receiver)
    receiver.script(fail(500))
    await new_task(client, board)
    runner = Runner(database, settings)
    assert await runner.run() == 1
    [failed] = await deliveries(client, board, hook)
    response = await client.post(
        f"{API}/webhooks/{hook['id']}/deliveries/{failed['id']}/redeliver",
        headers=board.owner.headers,
    )
    assert response.status_code == 202
    assert await runner.run() == 1
    assert await runner.run(when(failed["next_attempt_at"]) + timedelta(hours=1)) == 1  # stale
    await receiver.wait_for(2)
    assert len(receiver.requests) == 2  # the old retry found the delivery settled
    [done] = await deliveries(client, board, hook)
    assert (done["status"], done["attempts"]) == ("succeeded", 2)


async def test_huge_and_slow_answers_are_bounded_and_redirects_not_followed(
    client: httpx.AsyncClient, database: Database, settings: Settings, receiver: WebhookReceiver
) -> None:
    board = await new_board(client)
    hook = await subscribe(client, board, receiver)
    runner = Runner(database, settings, webhook_timeout_seconds=1.0)

    receiver.script(huge(64 * 1024 * 1024))
    await new_task(client, board, title="huge")
    assert await runner.run() == 1
    [big] = await deliveries(client, board, hook)
    assert (big["status"], big["response_status"]) == ("succeeded", 200)
    assert 0 < len(big["response_excerpt"]) <= 500

    receiver.script(hang(120))
    await new_task(client, board, title="slow")
    assert await runner.run() == 1
    slow = (await deliveries(client, board, hook))[0]
    assert (slow["status"], slow["response_status"]) == ("failed", None)
    assert "No answer within 1 second" in slow["error"]
    receiver.release()

    other = WebhookReceiver().start()
    try:
        receiver.script(redirect(other.url("/elsewhere")))
        await new_task(client, board, title="moved")
        assert await runner.run() == 1
        moved = (await deliveries(client, board, hook))[0]
        assert (moved["status"], moved["response_status"]) == ("failed", 307)
        assert other.arrivals == 0
    finally:
        other.stop()


async def test_a_private_address_is_refused_at_delivery_once_the_setting_is_off(
    client: httpx.AsyncClient, database: Database, settings: Settings, receiver: WebhookReceiver
) -> None:
    board = await new_board(client)
    hook = await subscribe(client, board, receiver)
    await new_task(client, board)
    assert await Runner(database, settings, webhook_allow_private=False).run() == 1
    assert receiver.arrivals == 0
    [refused] = await deliveries(client, board, hook)
    assert refused["status"] == "failed"
    assert "127.0.0.1" in refused["error"]
    assert "loopback" in refused["error"]


async def test_sustained_failure_disables_the_webhook_and_publishes_an_event(
    client: httpx.AsyncClient, database: Database, settings: Settings, receiver: WebhookReceiver
) -> None:
    board = await new_board(client)
    hook = await subscribe(client, board, receiver)
    receiver.default = fail(500)
    runner = Runner(database, settings)
    await new_task(client, board, title="one")
    assert await runner.run() == 1
    # The first failure was a day ago (the clock of this failure state is the real one).
    async with database.session() as session:
        await session.execute(
            update(Webhook).values(failing_since=utcnow() - timedelta(hours=24, minutes=1))
        )
        await session.commit()
    await new_task(client, board, title="two")
    assert await runner.run() == 1  # the second delivery's first attempt fails too
    read = (await client.get(f"{API}/webhooks/{hook['id']}", headers=board.owner.headers)).json()
    assert read["enabled"] is False
    assert "failed" in read["disabled_reason"]
    async with database.session(writes=False) as session:
        events = list(await session.scalars(select(Event).where(Event.type == "webhook.disabled")))
    [event] = events
    assert event.workspace_id == board.workspace_id
    assert event.data["webhook"] == {
        "id": hook["id"],
        "url": hook["url"],
        "reason": read["disabled_reason"],
    }
    statuses = {d["status"] for d in await deliveries(client, board, hook)}
    assert statuses == {"canceled"}  # the retries waiting were dropped
    assert await runner.run(utcnow() + timedelta(days=2)) == 2  # their stale jobs: no-ops
    assert len(receiver.requests) == 2
    await new_task(client, board, title="three")  # a disabled webhook gets no deliveries
    assert len(await deliveries(client, board, hook)) == 2
    first_id = (await deliveries(client, board, hook))[0]["id"]
    refused = await client.post(
        f"{API}/webhooks/{hook['id']}/deliveries/{first_id}/redeliver",
        headers=board.owner.headers,
    )
    assert_problem(refused, 409)

    enabled = await client.patch(
        f"{API}/webhooks/{hook['id']}", json={"enabled": True}, headers=board.owner.headers
    )
    body = enabled.json()
    assert (body["enabled"], body["disabled_reason"], body["failing_since"]) == (True, None, None)


async def test_a_rotated_secret_signs_beside_the_previous_one_for_a_day(
    client: httpx.AsyncClient, database: Database, settings: Settings, receiver: WebhookReceiver
) -> None:
    board = await new_board(client)
    hook = await subscribe(client, board, receiver)
    rotated = await client.post(
        f"{API}/webhooks/{hook['id']}/rotate-secret", headers=board.owner.headers
    )
    new_secret = rotated.json()["secret"]
    runner = Runner(database, settings)
    for secrets in ([new_secret], [hook["secret"]]):
        receiver.secrets = secrets  # a receiver that switched already, or not yet
        await new_task(client, board)
        assert await runner.run() == 1
        assert receiver.requests[-1].verified, secrets
        assert len(receiver.requests[-1].headers["webhook-signature"].split(" ")) == 2
    async with database.session() as session:
        await session.execute(
            update(Webhook).values(previous_secret_expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    receiver.secrets = [hook["secret"]]
    await new_task(client, board)
    assert await runner.run() == 1
    assert not receiver.requests[-1].verified  # the old secret no longer signs
    receiver.secrets = [new_secret]
    await new_task(client, board)
    assert await runner.run() == 1
    assert receiver.requests[-1].verified
    assert len(receiver.requests[-1].headers["webhook-signature"].split(" ")) == 1


async def test_only_subscribed_types_of_the_workspace_are_delivered(
    client: httpx.AsyncClient, database: Database, settings: Settings, receiver: WebhookReceiver
) -> None:
    board = await new_board(client)
    elsewhere = await new_board(client)
    hook = await subscribe(client, board, receiver, events=["task.updated"])
    await subscribe(client, elsewhere, receiver, events=["task.updated"])
    receiver.secrets = []  # set below
    task = await new_task(client, board)
    await new_task(client, elsewhere)  # another workspace: not this webhook's
    patched = await client.patch(
        f"{API}/tasks/{task['id']}", json={"status": "in_progress"}, headers=board.member.headers
    )
    assert patched.status_code == 200, patched.text
    [only] = await deliveries(client, board, hook)
    assert only["event_type"] == "task.updated"


async def test_deleting_a_webhook_or_its_workspace_stops_its_deliveries(
    client: httpx.AsyncClient, database: Database, settings: Settings, receiver: WebhookReceiver
) -> None:
    board = await new_board(client)
    hook = await subscribe(client, board, receiver)
    await new_task(client, board)
    deleted = await client.delete(f"{API}/webhooks/{hook['id']}", headers=board.owner.headers)
    assert deleted.status_code == 204
    runner = Runner(database, settings)
    assert await runner.run() == 1  # the job finds nothing to send
    assert receiver.arrivals == 0

    other = await new_board(client)
    await subscribe(client, other, receiver)
    await new_task(client, other)
    gone = await client.delete(
        f"{API}/workspaces/{other.workspace_id}", headers=other.owner.headers
    )
    assert gone.status_code == 204, gone.text
    async with database.session(writes=False) as session:
        left = await session.scalar(select(func.count()).select_from(WebhookDelivery))
        hooks = await session.scalar(select(func.count()).select_from(Webhook))
    assert (left, hooks) == (0, 0)
    assert await runner.run() == 1
    assert receiver.arrivals == 0
    async with database.session(writes=False) as session:
        states = set(await session.scalars(select(Job.state).where(Job.kind == DELIVER)))
    assert states == {"done"}


async def test_the_delivery_log_is_keyset_paginated_newest_first(
    client: httpx.AsyncClient, receiver: WebhookReceiver
) -> None:
    board = await new_board(client)
    hook = await subscribe(client, board, receiver)
    for n in range(5):
        await new_task(client, board, title=f"task {n}")
    url = f"{API}/webhooks/{hook['id']}/deliveries"
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(url, params=params, headers=board.owner.headers)).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 5
    assert len({d["id"] for d in seen}) == 5
    stamps = [(d["created_at"], d["id"]) for d in seen]
    assert stamps == sorted(stamps, reverse=True)
    assert_problem(await client.get(url, params={"limit": 0}, headers=board.owner.headers), 422)


async def test_a_name_is_sent_to_its_checked_address_with_the_name_as_host(
    client: httpx.AsyncClient, database: Database, settings: Settings, receiver: WebhookReceiver
) -> None:
    board = await new_board(client)
    response = await client.post(
        f"{API}/workspaces/{board.workspace_id}/webhooks",
        json={"url": f"http://localhost:{receiver.port}/named?x=1", "events": ["task.created"]},
        headers=board.owner.headers,
    )
    assert response.status_code == 201, response.text
    receiver.secrets = [response.json()["secret"]]
    await new_task(client, board)
    assert await Runner(database, settings).run() == 1
    await receiver.wait_for(1)
    [request] = receiver.requests
    assert request.verified
    assert request.headers["host"] == f"localhost:{receiver.port}"
    assert request.path == "/named?x=1"


async def test_a_credential_in_the_url_stays_out_of_the_logs(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    receiver: WebhookReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    board = await new_board(client)
    url = receiver.url("/services/T0/B0/tok-very-secret-4711")
    response = await client.post(
        f"{API}/workspaces/{board.workspace_id}/webhooks",
        json={"url": url, "events": ["task.created"]},
        headers=board.owner.headers,
    )
    assert response.status_code == 201, response.text
    receiver.secrets = [response.json()["secret"]]
    await new_task(client, board)
    caplog.set_level("INFO", logger="httpx")  # where a request's URL would be logged
    assert await Runner(database, settings, log_level="INFO").run() == 1
    await receiver.wait_for(1)
    assert receiver.requests[0].path == "/services/T0/B0/tok-very-secret-4711"
    assert "tok-very-secret-4711" not in caplog.text
    assert response.json()["secret"] not in caplog.text


async def test_the_daily_job_forgets_ended_deliveries_older_than_the_retention(
    client: httpx.AsyncClient, receiver: WebhookReceiver, database: Database, settings: Settings
) -> None:
    """Succeeded, dead and canceled deliveries older than the retention leave the log; one
    still waiting for an attempt stays, however old; 0 keeps every delivery."""
    board = await new_board(client)
    hook = await subscribe(client, board, receiver)
    for n in range(5):
        await new_task(client, board, title=f"task {n}")
    rows = sorted(await deliveries(client, board, hook), key=lambda d: (d["created_at"], d["id"]))
    ages = {  # delivery: (status, days old)
        rows[0]["id"]: ("succeeded", 40),
        rows[1]["id"]: ("dead", 31),
        rows[2]["id"]: ("canceled", 31),
        rows[3]["id"]: ("failed", 90),  # waiting for its next attempt
        rows[4]["id"]: ("succeeded", 29),
    }
    async with database.session() as session:
        for delivery_id, (status, days) in ages.items():
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id)
                .values(status=status, created_at=utcnow() - timedelta(days=days))
            )
        await session.commit()

    async def prune(days: int) -> set[str]:
        values = make_settings(settings.database_url, webhook_delivery_retention_days=days)
        async with database.session() as session:
            context = JobContext(session, database, values, job_id="probe", attempt=1)
            await webhook_jobs.prune_deliveries(context, {})
            await session.commit()
        return {d["id"] for d in await deliveries(client, board, hook)}

    assert await prune(0) == set(ages)
    assert await prune(30) == {rows[3]["id"], rows[4]["id"]}
    assert webhook_jobs.registry.periodic[webhook_jobs.PRUNE].every == timedelta(days=1)
