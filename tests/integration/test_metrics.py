"""GET /metrics (docs/operations.md): a known sequence of requests, jobs, an analysis, mails to a
real SMTP server and a webhook delivery to a real receiver, read back through the Prometheus
client's own parser; 404 unless enabled, 401 without the token; the alert rules and the
dashboard name only metrics a real scrape exports."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from smarttask.adapters.mail.base import Message
from smarttask.app import create_app
from smarttask.db.types import utcnow
from smarttask.jobs.models import Job
from smarttask.jobs.queue import enqueue
from smarttask.mailing.service import send_later
from tests.support import free_port, make_settings
from tests.support.analysis import drain, request_analysis
from tests.support.log_scan import register_secret
from tests.support.mail import REFUSED_DOMAIN, Inbox
from tests.support.tasks import new_board, new_task
from tests.support.webhook_receiver import WebhookReceiver
from tests.support.workspaces import signup

API = "/api/v1"
TOKEN = "metrics-test-token-0123456789abcdef"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that refuses one domain."""
    inbox = Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), server_hostname="localhost"
    )
    controller.start()
    inbox.port = controller.port  # type: ignore[attr-defined]
    yield inbox
    controller.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A real HTTP receiver on 127.0.0.1."""
    server = WebhookReceiver().start()
    yield server
    server.stop()


def samples(text: str) -> Samples:
    """Every sample of an exposition, by name and sorted labels."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def delta(after: Samples, before: Samples, name: str, **labels: str) -> float:
    """How much one sample grew between two scrapes (absent counts as 0)."""
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def scrape(client: httpx.AsyncClient, **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(response.text)


async def queue_mail(app: Any, to: str) -> None:
    async with app.state.database.session() as session:
        await send_later(session, Message(to=(to,), subject="Metrics", text="Hello."))
        await session.commit()


async def test_a_known_sequence_is_counted_exactly(
    client_with: Any, smtp: Inbox, receiver: WebhookReceiver
) -> None:
    port = smtp.port  # type: ignore[attr-defined]
    client = await client_with(
        metrics_enabled=True,
        webhook_allow_private=True,
        periodic_jobs_enabled=False,
        mail_url=f"smtp://127.0.0.1:{port}",
    )
    app = client._transport.app  # type: ignore[attr-defined]
    while not hasattr(app, "state"):  # the middleware stack around the FastAPI app
        app = app.app
    board = await new_board(client)
    hook = await client.post(
        f"{API}/workspaces/{board.workspace_id}/webhooks",
        json={"url": receiver.url(), "events": ["task.created"]},
        headers=board.owner.headers,
    )
    assert hook.status_code == 201, hook.text
    receiver.secrets = [hook.json()["secret"]]
    task = await new_task(client, board, title="Measured")
    await drain(app)  # the set-up's own jobs (sign-up mails, the first delivery) run first
    mails_before, deliveries_before = len(smtp.received), len(receiver.requests)
    before = await scrape(client)

    for _ in range(3):
        read = await client.get(f"{API}/tasks/{task['id']}", headers=board.member.headers)
        assert read.status_code == 200
    missing_id = str(uuid.uuid4())
    missing = await client.get(f"{API}/tasks/{missing_id}", headers=board.member.headers)
    assert missing.status_code == 404
    unknown_path = f"/no/such/{uuid.uuid4()}"
    assert (await client.get(unknown_path)).status_code == 404
    created = await new_task(client, board, title="Delivered")  # a webhook delivery
    queued = await request_analysis(client, created["id"], board.member.headers)
    assert queued.status_code == 202, queued.text
    await queue_mail(app, "someone@example.com")
    await queue_mail(app, f"nobody@{REFUSED_DOMAIN}")  # refused at RCPT: the job dies
    await drain(app)
    after = await scrape(client)

    task_route = {"method": "GET", "route": "/api/v1/tasks/{task_id}"}
    requests = "smarttask_http_requests_total"
    assert delta(after, before, requests, **task_route, status="200") == 3
    assert delta(after, before, requests, **task_route, status="404") == 1
    assert delta(after, before, requests, method="GET", route="unmatched", status="404") == 1
    create_route = {"method": "POST", "route": "/api/v1/projects/{project_id}/tasks"}
    assert delta(after, before, requests, **create_route, status="201") == 1
    analysis_route = {"method": "POST", "route": "/api/v1/tasks/{task_id}/analysis"}
    assert delta(after, before, requests, **analysis_route, status="202") == 1
    latency = "smarttask_http_request_duration_seconds_count"
    assert delta(after, before, latency, **task_route, status_class="2xx") == 3
    assert delta(after, before, latency, **task_route, status_class="4xx") == 1
    bucket = "smarttask_http_request_duration_seconds_bucket"
    assert delta(after, before, bucket, **task_route, status_class="2xx", le="+Inf") == 3

    runs = "smarttask_job_runs_total"
    assert delta(after, before, runs, kind="mail.send", outcome="done") == 1
    assert delta(after, before, runs, kind="mail.send", outcome="dead") == 1
    assert delta(after, before, runs, kind="analysis.run", outcome="done") == 1
    assert delta(after, before, runs, kind="webhooks.deliver", outcome="done") == 1
    assert delta(after, before, "smarttask_mails_total", outcome="sent") == 1
    assert delta(after, before, "smarttask_mails_total", outcome="failed") == 1
    assert delta(after, before, "smarttask_analyses_total", provider="local", outcome="done") == 1
    webhooks = "smarttask_webhook_deliveries_total"
    assert delta(after, before, webhooks, outcome="succeeded") == 1
    assert delta(after, before, webhooks, outcome="failed") == 0
    assert len(smtp.received) - mails_before == 1
    assert len(receiver.requests) - deliveries_before == 1

    jobs = "smarttask_jobs"
    assert after[(jobs, (("kind", "mail.send"), ("state", "dead")))] >= 1
    assert after[(jobs, (("kind", "analysis.run"), ("state", "queued")))] == 0
    assert after[("smarttask_db_pool", (("use", "size"),))] == app.state.settings.db_pool_size

    # Route templates only: no id, no raw path in any label of any sample.
    raw = {task["id"], created["id"], missing_id, unknown_path, board.workspace_id}
    for _, labels in after:
        for _, value in labels:
            assert not any(secret in value for secret in raw), value
            assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", value), value


async def test_the_queue_depth_and_the_oldest_jobs_age_come_from_the_job_table(
    client_with: Any,
) -> None:
    client = await client_with(metrics_enabled=True, periodic_jobs_enabled=False)
    app = client._transport.app  # type: ignore[attr-defined]
    while not hasattr(app, "state"):
        app = app.app
    await queue_mail(app, "a@example.com")
    await queue_mail(app, "b@example.com")
    late = utcnow() - timedelta(minutes=10)
    async with app.state.database.session() as session:
        await session.execute(update(Job).where(Job.kind == "mail.send").values(run_at=late))
        await enqueue(session, "jobs.noop", {}, run_at=utcnow() + timedelta(hours=1))
        await session.commit()
    found = await scrape(client)
    assert found[("smarttask_jobs", (("kind", "mail.send"), ("state", "queued")))] == 2
    assert found[("smarttask_jobs", (("kind", "mail.send"), ("state", "dead")))] == 0
    assert found[("smarttask_jobs", (("kind", "jobs.noop"), ("state", "queued")))] == 1
    age = found[("smarttask_job_queue_oldest_age_seconds", (("kind", "mail.send"),))]
    assert 600 <= age < 900
    # Queued for later is not late.
    assert found[("smarttask_job_queue_oldest_age_seconds", (("kind", "jobs.noop"),))] == 0


async def test_metrics_are_a_404_unless_enabled(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_token_is_required_when_set(client_with: Any) -> None:
    register_secret(TOKEN)  # the suite fails if it ever reaches a log line
    client = await client_with(metrics_enabled=True, metrics_token=TOKEN)
    before = await scrape(client, Authorization=f"Bearer {TOKEN}")
    user = await signup(client, "curious")
    wrong = "Bearer wrong-token-0123456789"
    for headers in ({}, {"Authorization": wrong}, {"Authorization": TOKEN}, user.headers):
        refused = await client.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert refused.headers["content-type"] == "application/problem+json"
        assert TOKEN not in refused.text
    after = await scrape(client, Authorization=f"Bearer {TOKEN}")
    assert ("smarttask_db_pool", (("use", "size"),)) in after
    # The refusals were counted under the route's template like any other answer.
    metrics_route = {"method": "GET", "route": "/metrics"}
    requests = "smarttask_http_requests_total"
    assert delta(after, before, requests, **metrics_route, status="401") == 4
    assert delta(after, before, requests, **metrics_route, status="200") == 1


def test_a_short_token_is_refused_at_start(database_url: str) -> None:
    from pydantic import ValidationError

    from tests.support import make_settings

    with pytest.raises(ValidationError, match="at least 16 characters") as raised:
        make_settings(database_url, metrics_enabled=True, metrics_token="short")
    assert "short" not in str(raised.value)


def _names_in_expressions(text: str) -> set[str]:
    return set(re.findall(r"\bsmarttask_[a-z_]+", text))


async def test_alerts_and_dashboard_use_only_exported_metrics(
    client_with: Any, repo_root: Path
) -> None:
    client = await client_with(metrics_enabled=True)
    assert (await client.get("/health")).status_code == 200
    exported = {name for name, _ in await scrape(client)}
    rules = yaml.safe_load((repo_root / "docs/operations/alerts.yml").read_text())
    expressions = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert {"SmarttaskHighErrorRate", "SmarttaskSlowRequests", "SmarttaskJobQueueLate"} <= alerts
    assert {"SmarttaskDeadJobs", "SmarttaskWebhookFailures"} <= alerts
    dashboard = json.loads((repo_root / "docs/operations/grafana-dashboard.json").read_text())
    targets = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    assert targets
    used = set().union(*map(_names_in_expressions, expressions + targets))
    # Counters appear with _total, histograms with _bucket/_count/_sum: all are sample names.
    missing = used - exported
    assert not missing, missing


async def test_a_database_outage_is_counted_as_5xx_and_metrics_still_answer(
    backend: str, tmp_path: Path
) -> None:
    if backend == "sqlite":  # a database file that cannot be opened (it is a folder)
        (tmp_path / "gone.db").mkdir()
        url = f"sqlite+aiosqlite:///{tmp_path / 'gone.db'}"
    else:  # a PostgreSQL address nothing listens on: every connection is refused
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gone"
    app = create_app(make_settings(url, metrics_enabled=True, db_connect_timeout=1.0))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        before = await scrape(client)
        for _ in range(2):
            down = await client.get(f"{API}/counters/outage")
            assert down.status_code == 503
        after = await scrape(client)
    await app.state.database.dispose()
    route = {"method": "GET", "route": "/api/v1/counters/{name}"}
    assert delta(after, before, "smarttask_http_requests_total", **route, status="503") == 2
    latency = "smarttask_http_request_duration_seconds_count"
    assert delta(after, before, latency, **route, status_class="5xx") == 2
    assert not any(name == "smarttask_jobs" for name, _ in after)  # the table is unreachable
