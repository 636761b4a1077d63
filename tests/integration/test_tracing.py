"""OpenTelemetry traces through the real exporter to an OTLP/HTTP collector stand-in.

A real server process (and a Lambda container, in a process of its own) exports to the
collector over HTTP/protobuf; a request that enqueues an AI analysis must give one trace with
the route's server span (named by its template), its SQL spans and the job's span below it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from smarttask.db.engine import Database
from smarttask.jobs.models import Job
from tests.support import free_port, make_settings
from tests.support.lambda_tracing_process import REQUEST_ID as LAMBDA_REQUEST_ID
from tests.support.otlp_collector import Collector, Span, ancestors, running_collector, trace_of

ANALYSIS_ROUTE = "POST /api/v1/tasks/{task_id}/analysis"
JOB_SPAN = "job analysis.run"
REQUEST_ID = "trace-me-0001"
SQL_SYSTEMS = {"sqlite", "postgresql"}
QUERY_SECRET = "sekrit-in-the-query"


@pytest.fixture
def collector() -> Iterator[Collector]:
    with running_collector() as running:
        yield running


def _tracing_env(
    database_url: str, collector: Collector, tmp_path: Path, **more: str
) -> dict[str, str]:
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMARTTASK_", "OTEL_"))}
    env.update(
        SMARTTASK_DATABASE_URL=database_url,
        SMARTTASK_ENV="development",
        SMARTTASK_SECRET_KEY="tracing-tests-signing-key-0123456789-abcdef",
        SMARTTASK_DATA_DIR=str(tmp_path / "data"),
        SMARTTASK_MAIL_FILES_PATH=str(tmp_path / "mail"),
        SMARTTASK_RATE_LIMIT_ENABLED="false",
        SMARTTASK_AUTO_MIGRATE="false",
        SMARTTASK_PERIODIC_JOBS_ENABLED="false",
        SMARTTASK_JOB_POLL_INTERVAL_SECONDS="0.1",
        SMARTTASK_LOG_LEVEL="INFO",
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint,
        PYTHONPATH=os.pathsep.join((str(root / "src"), str(root))),
    )
    env.update(more)
    return env


def _request_trace(spans: list[Span]) -> tuple[Span, Span] | None:
    """The analysis request's server span and the job span in its trace, once both arrived."""
    for server in spans:
        if server.name == ANALYSIS_ROUTE and server.kind == 2:  # SPAN_KIND_SERVER
            jobs = [s for s in trace_of(spans, server.trace_id) if s.name == JOB_SPAN]
            if jobs:
                return server, jobs[0]
    return None


def _statement(span: Span) -> str:
    return str(span.attributes.get("db.statement") or span.attributes.get("db.query.text") or "")


def _check_one_trace(spans: list[Span], server: Span, job: Span, task_id: str, system: str) -> None:
    """The route, its SQL and the job form one trace, the job below the request."""
    trace = trace_of(spans, server.trace_id)
    assert [s for s in trace if s.kind == 2] == [server], "one server span per request"
    assert server.attributes["http.route"] == "/api/v1/tasks/{task_id}/analysis"
    assert server.resource["service.name"] == "smarttask"
    assert all(task_id not in span.name for span in spans), "a raw id in a span name"
    assert server in ancestors(job, trace), "the job's span is not below the request's"
    assert job.attributes["smarttask.job.kind"] == "analysis.run"
    assert job.attributes["smarttask.job.outcome"] == "done"
    sql = [s for s in trace if s.attributes.get("db.system") in SQL_SYSTEMS]
    assert {s.attributes["db.system"] for s in sql} == {system}
    request_sql = [
        s for s in sql if server in ancestors(s, trace) and job not in ancestors(s, trace)
    ]
    job_sql = [s for s in sql if job in ancestors(s, trace)]
    assert request_sql, "no SQL span below the request"
    assert job_sql, "no SQL span below the job"
    assert all(_statement(s) for s in sql if s.name != "connect")  # a pool's new connection
    assert any("analysis" in _statement(s) for s in job_sql)


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)


def _board(client: httpx.Client) -> tuple[dict[str, str], str]:
    """A fresh account with a workspace, a project and a task: its headers and the task id."""
    email = f"tracer{time.monotonic_ns()}@example.com"
    password = "a long and unusual passphrase 42"
    registered = client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "name": "Tracer"}
    )
    assert registered.status_code == 201, registered.text
    login = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    workspace = client.post("/api/v1/workspaces", json={"name": "Traced"}, headers=headers)
    assert workspace.status_code == 201, workspace.text
    project = client.post(
        f"/api/v1/workspaces/{workspace.json()['id']}/projects",
        json={"name": "Traced", "key": "TRC"},
        headers=headers,
    )
    assert project.status_code == 201, project.text
    task = client.post(
        f"/api/v1/projects/{project.json()['id']}/tasks",
        json={"title": "Ship the tracing", "description": "Spans from the request to the job."},
        headers=headers,
    )
    assert task.status_code == 201, task.text
    return headers, str(task.json()["id"])


def test_a_request_and_the_job_it_enqueued_make_one_trace_on_a_server(
    backend: str, database_url: str, clean_database: None, collector: Collector, tmp_path: Path
) -> None:
    port = free_port()
    env = _tracing_env(
        database_url, collector, tmp_path, SMARTTASK_PORT=str(port), OTEL_BSP_SCHEDULE_DELAY="100"
    )
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "smarttask.entrypoints.cli", "serve"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=log,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/health", server, log_path)
        with httpx.Client(base_url=base, timeout=30) as client:
            headers, task_id = _board(client)
            requested = client.post(
                f"/api/v1/tasks/{task_id}/analysis",
                params={"signature": QUERY_SECRET},  # ignored by the route; never recorded
                headers={**headers, "X-Request-ID": REQUEST_ID},
            )
            assert requested.status_code == 202, requested.text
            server_span, job_span = collector.wait_for(_request_trace)
            done = client.get(f"/api/v1/tasks/{task_id}/analysis", headers=headers)
            assert done.json()["status"] == "done", done.text
    finally:
        server.terminate()
        server.wait(timeout=30)
    _check_one_trace(collector.snapshot(), server_span, job_span, task_id, backend)
    assert server_span.attributes["http.url"].endswith(f"/api/v1/tasks/{task_id}/analysis")
    recorded = json.dumps([s.attributes for s in collector.snapshot()])
    assert QUERY_SECRET not in recorded
    assert "Bearer" not in recorded
    lines = [json.loads(x) for x in log_path.read_text().splitlines() if x.startswith("{")]
    access = [x for x in lines if x.get("logger") == "smarttask.access"]
    request_lines = [x for x in access if x.get("request_id") == REQUEST_ID]
    assert request_lines, "no access line for the request"
    assert request_lines[0]["trace_id"] == server_span.trace_id
    assert request_lines[0]["span_id"] == server_span.span_id
    job_lines = [
        x for x in lines if x.get("msg") == "job done" and x.get("job_kind") == "analysis.run"
    ]
    assert job_lines
    assert job_lines[0]["request_id"] == REQUEST_ID
    assert job_lines[0]["trace_id"] == server_span.trace_id
    assert job_lines[0]["span_id"] == job_span.span_id


async def _analysis_job(database_url: str) -> tuple[str, str | None]:
    """The id and the stored trace context of the one analysis job."""
    database = Database(make_settings(database_url).database)
    try:
        async with database.session(writes=False) as session:
            row = (
                await session.execute(
                    select(Job.id, Job.traceparent).where(Job.kind == "analysis.run")
                )
            ).one()
    finally:
        await database.dispose()
    return row.id, row.traceparent


async def test_a_lambda_request_and_its_sqs_job_make_one_trace(
    backend: str, database_url: str, clean_database: None, collector: Collector, tmp_path: Path
) -> None:
    # Ten minutes between the batch's exports: only the flush at the end of each invocation
    # can have sent the spans while the container waits.
    env = _tracing_env(database_url, collector, tmp_path, OTEL_BSP_SCHEDULE_DELAY="600000")
    log_path = tmp_path / "lambda.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.lambda_tracing_process"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    assert process.stdin is not None
    assert process.stdout is not None
    watchdog = threading.Timer(180, process.kill)
    watchdog.start()
    try:
        line = await asyncio.to_thread(process.stdout.readline)
        assert line, log_path.read_text()[-3000:]
        task_id = json.loads(line)["task_id"]
        server_span = collector.wait_for(
            lambda spans: next((s for s in spans if s.name == ANALYSIS_ROUTE), None), limit=10
        )
        job_id, traceparent = await _analysis_job(database_url)
        assert traceparent is not None
        assert traceparent.startswith(f"00-{server_span.trace_id}-")
        process.stdin.write(f"{job_id}\n")
        process.stdin.flush()
        line = await asyncio.to_thread(process.stdout.readline)
        assert line, log_path.read_text()[-3000:]
        assert json.loads(line)["result"] == {"batchItemFailures": []}
        _, job_span = collector.wait_for(_request_trace, limit=10)
        process.stdin.write("exit\n")
        process.stdin.flush()
        assert await asyncio.to_thread(process.wait, 60) == 0, log_path.read_text()[-3000:]
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    _check_one_trace(collector.snapshot(), server_span, job_span, task_id, backend)
    lines = [json.loads(x) for x in log_path.read_text().splitlines() if x.startswith("{")]
    access = [x for x in lines if x.get("logger") == "smarttask.access"]
    request_lines = [x for x in access if x.get("request_id") == LAMBDA_REQUEST_ID]
    assert request_lines, "no access line for the request"
    assert request_lines[0]["trace_id"] == server_span.trace_id


def test_an_outgoing_request_s_span_records_only_its_origin(collector: Collector) -> None:
    """A webhook's URL may hold a secret after its host: the httpx span keeps the origin."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from smarttask.kit.tracing import redact_client_span

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    origin = collector.endpoint.replace("http://", "http://hook-user:hook-pass@")
    with httpx.Client() as client:
        HTTPXClientInstrumentor.instrument_client(
            client, tracer_provider=provider, request_hook=redact_client_span
        )
        # The stand-in answers 404 off /v1/traces: a real round trip all the same.
        answer = client.post(f"{origin}/services/T0/B0/{QUERY_SECRET}?token={QUERY_SECRET}")
    assert answer.status_code == 404
    (span,) = exporter.get_finished_spans()
    recorded = json.dumps(dict(span.attributes or {}))
    assert QUERY_SECRET not in recorded
    assert "hook-pass" not in recorded
    assert span.attributes is not None
    assert span.attributes["http.url"] == f"{collector.endpoint}/"
    assert span.attributes["http.status_code"] == 404
