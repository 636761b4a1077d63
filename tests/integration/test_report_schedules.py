"""Scheduled reports: the scheduler, deliveries through a real SMTP server (aiosmtpd),
retries with backoff, stops, storage links; driven with a controlled clock.

The scheduler is called with the instant it runs at; the delivery jobs run through a Worker
whose clock the test moves, exactly as the job system retries them.
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import boto3  # type: ignore[import-untyped]
import httpx
import openpyxl
import pytest
from aiosmtpd.controller import Controller
from moto.server import ThreadedMotoServer
from sqlalchemy import text

from smarttask.db.engine import Database
from smarttask.jobs.queue import enqueue
from smarttask.jobs.worker import Worker
from smarttask.reports import jobs as report_jobs
from smarttask.reports.scheduler import DELIVER, Scheduled, schedule_due
from smarttask.settings import Settings
from tests.support import free_port, job_registry, make_settings
from tests.support.accounts import assert_problem
from tests.support.jobs import FakeClock, all_jobs
from tests.support.mail import REFUSED_DOMAIN, Inbox
from tests.support.tasks import Board, new_board, new_task

API = "/api/v1"
SENDER = "SmartTask Reports <reports@example.org>"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARIS = ZoneInfo("Europe/Paris")
EXPECTED = [["done", 1, 0], ["in_progress", 1, 1], ["todo", 2, 2]]
JOBS = job_registry()


@pytest.fixture
def inbox() -> Iterator[tuple[int, Inbox]]:
    """A real SMTP server on 127.0.0.1, in its own thread; its port and what it received."""
    handler = Inbox()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost"
    )
    controller.start()
    yield controller.port, handler
    controller.stop()


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    """The app stores files where the worker puts them (the download link is the app's)."""
    return {"storage_path": str(tmp_path / "objects")}


def worker_settings(settings: Settings, smtp_port: int, **overrides: Any) -> Settings:
    """The worker's settings: SMTP on `smtp_port`, three attempts, 10 s backoff base."""
    values: dict[str, Any] = {"storage_path": settings.storage_path} | overrides
    return make_settings(
        settings.database_url,
        mail_backend="smtp",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_timeout=5,
        mail_sender=SENDER,
        job_max_attempts=3,
        job_backoff_base_seconds=10,
        job_backoff_max_seconds=1000,
        periodic_jobs_enabled=False,
        log_level="WARNING",
        **values,
    )


@pytest.fixture
async def database(settings: Settings, app: Any) -> AsyncIterator[Database]:
    """The worker's handle on the app's database."""
    db = Database(settings.database, jobs=settings.jobs)
    yield db
    await db.dispose()


async def scheduled_report(
    client: httpx.AsyncClient, board: Board, **schedule: Any
) -> dict[str, Any]:
    """Four tasks and a weekly report by status, as the member."""
    await new_task(client, board, title="one")
    await new_task(client, board, title="two")
    await new_task(client, board, title="three", status="in_progress")
    await new_task(client, board, title="four", status="done")
    body = {
        "name": "Work by status",
        "definition": {"dimensions": ["status"], "metrics": ["created", "open"]},
        "visibility": "workspace",
        "schedule": {
            "frequency": "weekly",
            "time": "08:00",
            "timezone": "Europe/Paris",
            "format": "xlsx",
            "recipients": ["lead@example.com", "ops@example.org"],
        }
        | schedule,
    }
    response = await client.post(
        f"{API}/workspaces/{board.workspace_id}/reports", json=body, headers=board.member.headers
    )
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


async def run_scheduler(database: Database, now: datetime) -> Scheduled:
    """One scheduler run at `now`, committed."""
    async with database.session() as session:
        done = await schedule_due(session, now, max_attempts=3)
        await session.commit()
    return done


async def report_body(client: httpx.AsyncClient, board: Board, report_id: str) -> dict[str, Any]:
    response = await client.get(f"{API}/reports/{report_id}", headers=board.member.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def deliveries(
    client: httpx.AsyncClient, board: Board, report_id: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"{API}/reports/{report_id}/deliveries", headers=board.owner.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_a_weekly_report_is_mailed_with_its_workbook(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    inbox: tuple[int, Inbox],
) -> None:
    port, received = inbox
    board = await new_board(client)
    report = await scheduled_report(client, board)
    first = when(report["schedule"]["next_run_at"])
    assert (first.astimezone(PARIS).weekday(), first.astimezone(PARIS).strftime("%H:%M")) == (
        0,
        "08:00",
    )

    assert await run_scheduler(database, first - timedelta(seconds=1)) == Scheduled()
    assert await run_scheduler(database, first + timedelta(seconds=30)) == Scheduled(queued=1)
    assert await run_scheduler(database, first + timedelta(seconds=31)) == Scheduled()
    moved = await report_body(client, board, report["id"])
    assert when(moved["schedule"]["next_run_at"]) == first + timedelta(days=7) or (
        # a DST change in between moves the UTC instant by an hour, not the local time
        when(moved["schedule"]["next_run_at"]).astimezone(PARIS)
        == (first.astimezone(PARIS) + timedelta(days=7))
    )
    assert moved["version"] == report["version"] + 1
    [pending] = await deliveries(client, board, report["id"])
    assert pending["status"] == "pending"
    assert when(pending["scheduled_for"]) == first

    worker = Worker(database, worker_settings(settings, port), JOBS, clock=FakeClock())
    assert await worker.drain() == 1

    [(recipients, email)] = received.messages
    assert recipients == ["lead@example.com", "ops@example.org"]
    day = first.astimezone(UTC).date()  # the run's day in the workspace's zone (UTC)
    start = day - timedelta(days=29)
    assert email["Subject"] == f"Work by status \u2014 {start} to {day}"
    assert email["From"] == SENDER
    body = email.get_body(preferencelist=("plain",))
    assert body is not None
    text_body = body.get_content()
    assert "in_progress" in text_body
    assert "todo" in text_body
    assert "The highest created is" in text_body  # the executive summary
    page = email.get_body(preferencelist=("html",))
    assert page is not None  # the HTML part: the summary, the same SVG chart, the first rows
    markup = page.get_content()
    assert "<svg" in markup
    assert "The highest created is" in markup
    assert "<td>in_progress</td>" in markup
    [attachment] = list(email.iter_attachments())
    assert attachment.get_content_type() == XLSX
    assert attachment.get_filename() == f"work-by-status-{day}.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(attachment.get_content())).active
    assert sheet is not None
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["status", "created", "open"],
        *EXPECTED,
    ]

    [sent] = await deliveries(client, board, report["id"])
    assert (sent["status"], sent["attempts"], sent["error"]) == ("sent", 1, None)
    assert sent["sent_at"] is not None
    assert set(sent) == {"id", "scheduled_for", "status", "attempts", "error", "sent_at"}
    assert await worker.drain() == 0  # nothing is sent twice


async def test_two_schedulers_deliver_a_run_once(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    board = await new_board(client)
    report = await scheduled_report(client, board, frequency="daily")
    due = when(report["schedule"]["next_run_at"]) + timedelta(seconds=5)
    others = [Database(settings.database, jobs=settings.jobs) for _ in range(2)]
    try:
        results = await asyncio.gather(*(run_scheduler(db, due) for db in others))
    finally:
        for db in others:
            await db.dispose()
    assert sum(r.queued for r in results) == 1
    assert len(await deliveries(client, board, report["id"])) == 1
    assert len([j for j in await all_jobs(database) if j.kind == DELIVER]) == 1
    # Even if the report's next run were rewound, the same run gets no second delivery.
    async with database.session() as session:
        await session.execute(
            text("UPDATE saved_report SET next_run_at = :at WHERE id = :id"),
            {"at": when(report["schedule"]["next_run_at"]), "id": report["id"]},
        )
        await session.commit()
    assert await run_scheduler(database, due) == Scheduled()
    assert len(await deliveries(client, board, report["id"])) == 1


async def test_a_mail_server_that_is_down_is_retried_with_backoff_then_fails(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    board = await new_board(client)
    report = await scheduled_report(client, board)
    await run_scheduler(database, when(report["schedule"]["next_run_at"]))
    closed = free_port()
    clock = FakeClock()
    worker = Worker(database, worker_settings(settings, closed), JOBS, clock=clock)
    reason = f"SMTP server 127.0.0.1:{closed} refused the connection"

    gaps = []
    for attempt in (1, 2):
        assert await worker.drain() == 1
        [delivery] = await deliveries(client, board, report["id"])
        assert (delivery["status"], delivery["attempts"], delivery["error"]) == (
            "pending",
            attempt,
            reason,
        )
        [job] = [j for j in await all_jobs(database) if j.kind == DELIVER]
        assert (job.state, job.attempts) == ("queued", attempt)
        gaps.append((job.run_at - clock.now).total_seconds())
        assert await worker.drain() == 0  # not before its time
        clock.advance_to(job.run_at)
    assert 7.5 <= gaps[0] <= 10  # 10 s, jittered to 75-100 %
    assert 15 <= gaps[1] <= 20  # doubled

    assert await worker.drain() == 1
    [failed] = await deliveries(client, board, report["id"])
    assert (failed["status"], failed["attempts"], failed["error"]) == ("failed", 3, reason)
    assert failed["sent_at"] is None
    [job] = [j for j in await all_jobs(database) if j.kind == DELIVER]
    assert (job.state, job.attempts) == ("dead", 3)
    clock.advance(3600)
    assert await worker.drain() == 0
    # A failed run does not stop the schedule: the next one is due as planned.
    assert (await report_body(client, board, report["id"]))["schedule"]["stopped_reason"] is None


async def test_a_refused_recipient_fails_at_once(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    inbox: tuple[int, Inbox],
) -> None:
    port, received = inbox
    board = await new_board(client)
    report = await scheduled_report(client, board, recipients=[f"nobody@{REFUSED_DOMAIN}"])
    await run_scheduler(database, when(report["schedule"]["next_run_at"]))
    clock = FakeClock()
    worker = Worker(database, worker_settings(settings, port), JOBS, clock=clock)
    assert await worker.drain() == 1
    [failed] = await deliveries(client, board, report["id"])
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert failed["error"] == "recipient refused: 550 5.1.1 mailbox unavailable"
    clock.advance(10_000)
    assert await worker.drain() == 0
    assert received.messages == []


async def test_a_report_whose_owner_left_stops(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    inbox: tuple[int, Inbox],
) -> None:
    port, received = inbox
    board = await new_board(client)
    early = await scheduled_report(client, board, frequency="daily")
    late = await scheduled_report(client, board, frequency="daily")
    first = when(early["schedule"]["next_run_at"])
    # The second report's run is scheduled while its owner is still a member.
    assert await run_scheduler(database, first) == Scheduled(queued=2)
    left = await client.delete(
        f"{API}/workspaces/{board.workspace_id}/members/{board.member.id}",
        headers=board.owner.headers,
    )
    assert left.status_code == 204

    worker = Worker(database, worker_settings(settings, port), JOBS, clock=FakeClock())
    assert await worker.drain() == 2
    assert received.messages == []
    reason = "The report's owner left the workspace."
    for report in (early, late):
        [delivery] = await deliveries(client, board, report["id"])
        assert (delivery["status"], delivery["error"]) == ("failed", reason)
        body = (
            await client.get(f"{API}/reports/{report['id']}", headers=board.owner.headers)
        ).json()
        assert body["schedule"]["stopped_reason"] == reason
        assert body["schedule"]["next_run_at"] is None

    # No more runs, however late it gets.
    assert await run_scheduler(database, first + timedelta(days=60)) == Scheduled()
    # Rescheduling cannot restart it while its owner is gone.
    restarted = await client.patch(
        f"{API}/reports/{early['id']}",
        json={"schedule": early["schedule"] | {"time": "09:00"}},
        headers=board.owner.headers,
    )
    assert restarted.status_code == 422  # next_run_at / stopped_reason are not inputs
    schedule = {k: early["schedule"][k] for k in ("frequency", "timezone", "format", "recipients")}
    restarted = await client.patch(
        f"{API}/reports/{early['id']}",
        json={"schedule": schedule | {"time": "09:00"}},
        headers=board.owner.headers,
    )
    assert restarted.status_code == 200, restarted.text
    assert restarted.json()["schedule"]["stopped_reason"] == reason
    assert restarted.json()["schedule"]["next_run_at"] is None


async def test_the_scheduler_finds_a_report_that_left_before_its_run(
    client: httpx.AsyncClient, database: Database
) -> None:
    board = await new_board(client)
    report = await scheduled_report(client, board)
    await client.delete(
        f"{API}/workspaces/{board.workspace_id}/members/{board.member.id}",
        headers=board.owner.headers,
    )
    due = when(report["schedule"]["next_run_at"])
    assert await run_scheduler(database, due) == Scheduled(stopped=1)
    [delivery] = await deliveries(client, board, report["id"])
    assert delivery["status"] == "failed"
    assert delivery["error"] == "The report's owner left the workspace."
    assert [j for j in await all_jobs(database) if j.kind == DELIVER] == []
    trail = await client.get(
        f"{API}/workspaces/{board.workspace_id}/activity", headers=board.owner.headers
    )
    stopped = next(e for e in trail.json()["items"] if e["entity_id"] == report["id"])
    assert stopped["changes"]["stopped_reason"]["new"] == delivery["error"]


async def test_delivery_to_storage_mails_a_link_and_files_are_purged(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    inbox: tuple[int, Inbox],
) -> None:
    port, received = inbox
    board = await new_board(client)
    report = await scheduled_report(client, board, delivery="storage", format="csv")
    first = when(report["schedule"]["next_run_at"])
    assert await run_scheduler(database, first) == Scheduled(queued=1)
    then = when((await report_body(client, board, report["id"]))["schedule"]["next_run_at"])
    assert await run_scheduler(database, then) == Scheduled(queued=1)
    # The clock starts after the jobs were queued (they are due at once).
    clock = FakeClock()
    worker = Worker(database, worker_settings(settings, port), JOBS, clock=clock)
    assert await worker.drain() == 2

    assert len(received.messages) == 2
    second, first_run = await deliveries(client, board, report["id"])  # the latest first
    assert (second["status"], first_run["status"]) == ("sent", "sent")
    links = {}
    for recipients, email in received.messages:
        assert recipients == ["lead@example.com", "ops@example.org"]
        assert list(email.iter_attachments()) == []
        body = email.get_body(preferencelist=("plain",))
        assert body is not None
        link = next(line for line in body.get_content().splitlines() if line.startswith("http://"))
        prefix = f"{settings.public_url}/api/v1/storage/objects/reports/{board.workspace_id}/"
        assert link.startswith(prefix)
        links[urlsplit(link).path.rsplit("/", 1)[-1]] = urlsplit(link)
    assert set(links) == {second["id"], first_run["id"]}
    for parts in links.values():
        download = await client.get(f"{parts.path}?{parts.query}")  # signed: no bearer
        assert download.status_code == 200, download.text
        assert 'filename="work-by-status-' in download.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(download.text)))
        assert rows == [["status", "created", "open"]] + [[str(c) for c in r] for r in EXPECTED]

    folder = Path(settings.storage_path) / "reports" / board.workspace_id
    assert sorted(p.name for p in folder.iterdir()) == sorted(links)
    # The first run's file is purged once its link has expired.
    async with database.session() as session:
        await session.execute(
            text("UPDATE report_delivery SET created_at = :at WHERE id = :id"),
            {"at": datetime.now(UTC) - timedelta(days=9), "id": first_run["id"]},
        )
        await enqueue(session, report_jobs.PURGE_FILES, {})
        await session.commit()
    clock.advance_to(datetime.now(UTC))
    assert await worker.drain() == 1
    assert [p.name for p in folder.iterdir()] == [second["id"]]
    parts = links[first_run["id"]]
    assert_problem(await client.get(f"{parts.path}?{parts.query}"), 404)
    # Deleting the report deletes the other file too.
    deleted = await client.delete(f"{API}/reports/{report['id']}", headers=board.member.headers)
    assert deleted.status_code == 204
    assert list(folder.iterdir()) == []


async def test_the_periodic_job_schedules_and_delivers(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    inbox: tuple[int, Inbox],
) -> None:
    port, received = inbox
    board = await new_board(client)
    report = await scheduled_report(client, board, format="pdf")
    async with database.session() as session:  # due a minute ago
        await session.execute(
            text("UPDATE saved_report SET next_run_at = :at WHERE id = :id"),
            {"at": datetime.now(UTC) - timedelta(minutes=1), "id": report["id"]},
        )
        await session.commit()
    worker = Worker(database, worker_settings(settings, port), JOBS)
    assert report_jobs.SCHEDULE in JOBS.periodic
    async with database.session() as session:
        await enqueue(session, report_jobs.SCHEDULE, {})
        await session.commit()
    assert await worker.drain() == 2  # the scheduler, then the delivery it queued
    [(_, email)] = received.messages
    [attachment] = list(email.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    after = await report_body(client, board, report["id"])
    assert when(after["schedule"]["next_run_at"]) > datetime.now(UTC)


@pytest.fixture
def s3_bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """moto's S3 server on an ephemeral port with a fresh bucket; its endpoint and bucket."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    bucket = f"reports-{uuid.uuid4().hex[:12]}"
    boto3.session.Session().client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    yield endpoint, bucket
    server.stop()


async def test_delivery_to_s3_mails_a_presigned_link(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    inbox: tuple[int, Inbox],
    s3_bucket: tuple[str, str],
) -> None:
    port, received = inbox
    endpoint, bucket = s3_bucket
    board = await new_board(client)
    report = await scheduled_report(client, board, delivery="storage", format="xlsx")
    await run_scheduler(database, when(report["schedule"]["next_run_at"]))
    on_s3 = worker_settings(
        settings, port, storage="s3", s3_bucket=bucket, s3_endpoint_url=endpoint
    )
    assert await Worker(database, on_s3, JOBS, clock=FakeClock()).drain() == 1

    [delivery] = await deliveries(client, board, report["id"])
    assert delivery["status"] == "sent", delivery
    s3 = boto3.session.Session().client("s3", endpoint_url=endpoint)
    [stored] = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert stored["Key"] == f"reports/{board.workspace_id}/{delivery['id']}"
    [(_, email)] = received.messages
    body = email.get_body(preferencelist=("plain",))
    assert body is not None
    link = next(line for line in body.get_content().splitlines() if line.startswith(endpoint))
    async with httpx.AsyncClient() as outside:
        download = await outside.get(link)
    assert download.status_code == 200
    assert download.headers["content-type"] == XLSX
    assert "attachment" in download.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    assert sheet is not None
    assert [list(r) for r in sheet.iter_rows(values_only=True)][1:] == EXPECTED
