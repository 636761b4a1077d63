"""Tracing is off unless the standard variables ask for it: nothing of OpenTelemetry loads."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from smarttask.kit import logging as json_logs
from smarttask.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter serves one request through the server's app (with its in-process worker
# started) and one first Lambda event; then lists the opentelemetry modules it holds beyond
# those `import fastapi` loads by itself (FastAPI 0.16x imports the OpenTelemetry API for
# its own, unconfigured, telemetry).
_SERVE = """
import asyncio, json, sys
{prelude}
import fastapi

baseline = set(sys.modules)
import httpx

from smarttask.entrypoints import lambda_http
from tests.support.lambda_events import LambdaContext, http_v2


async def serve():
    from smarttask.entrypoints.asgi import app

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return (await client.get("/api/v1/workspaces")).status_code


server = asyncio.run(serve())
first = lambda_http.handler(http_v2("GET", "/api/v1/workspaces"), LambdaContext())
print(json.dumps({{
    "server": server,
    "lambda": first["statusCode"],
    "otel": sorted(
        name for name, module in sys.modules.items()
        if name.startswith("opentelemetry") and name not in baseline and module is not None
    ),
    "otel_packages": sorted(
        name for name, module in sys.modules.items()
        if name.startswith(("opentelemetry.sdk", "opentelemetry.exporter",
                            "opentelemetry.instrumentation", "opentelemetry.proto"))
        and module is not None
    ),
}}))
"""
# What an install without the `tracing` extra lacks (the API alone may come with other
# packages): importing any of these fails.
_WITHOUT_EXTRA = """
for name in ("opentelemetry.sdk", "opentelemetry.exporter", "opentelemetry.instrumentation"):
    sys.modules[name] = None
"""


def _run(tmp_path: Path, prelude: str = "", **env: str) -> tuple[dict[str, object], str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SMARTTASK_", "OTEL_"))}
    clean.update(
        SMARTTASK_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/t.db",
        SMARTTASK_DATA_DIR=str(tmp_path / "data"),
        SMARTTASK_PERIODIC_JOBS_ENABLED="false",
        SMARTTASK_LOG_LEVEL="INFO",
        PYTHONPATH=os.pathsep.join((str(ROOT / "src"), str(ROOT))),
        **env,
    )
    from smarttask.db.migrate import upgrade

    upgrade(clean["SMARTTASK_DATABASE_URL"])
    completed = subprocess.run(
        [sys.executable, "-c", _SERVE.format(prelude=prelude)],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.splitlines()[-1]), completed.stderr


def test_without_the_variables_nothing_of_opentelemetry_is_imported(tmp_path: Path) -> None:
    result, _ = _run(tmp_path)
    assert result["server"] == 401  # served: the route asks for a signed-in caller
    assert result["lambda"] == 401
    assert result["otel"] == []
    assert result["otel_packages"] == []  # the SDK, the exporter, the instrumentations


def test_with_the_variable_but_without_the_extra_one_line_says_so(tmp_path: Path) -> None:
    result, stderr = _run(
        tmp_path, _WITHOUT_EXTRA, OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9"
    )
    assert result["server"] == 401
    assert result["lambda"] == 401
    said = [line for line in stderr.splitlines() if "smarttask[tracing]" in line]
    assert len(said) == 1, stderr[-3000:]
    assert json.loads(said[0])["level"] == "WARNING"
    assert result["otel_packages"] == []


def _settings(**values: object) -> Settings:
    values = {"secret_key": "unit-tests-signing-key-0123456789-abcdef", **values}
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("env", "enabled"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "  "}, False),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"},
            False,
        ),
    ],
)
def test_the_standard_variables_turn_tracing_on(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], enabled: bool
) -> None:
    for name in list(os.environ):
        if name.startswith("OTEL_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _settings().tracing_enabled is enabled


def test_log_lines_carry_the_span_ids_only_once_tracing_gives_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = logging.makeLogRecord({"name": "smarttask.test", "msg": "hello", "levelname": "INFO"})
    formatter = json_logs.JsonFormatter()
    monkeypatch.setattr(json_logs, "_trace_ids", [])
    assert "trace_id" not in json.loads(formatter.format(record))
    ids: list[tuple[str, str] | None] = [("ab" * 16, "cd" * 8)]
    json_logs.use_trace_ids(lambda: ids[0])
    line = json.loads(formatter.format(record))
    assert (line["trace_id"], line["span_id"]) == ("ab" * 16, "cd" * 8)
    ids[0] = None  # no span active (outside any request or job)
    assert "trace_id" not in json.loads(formatter.format(record))


def _span(**attributes: str) -> Any:
    """A recording span of the real SDK, on a provider of its own (not the process's)."""
    from opentelemetry.sdk.trace import TracerProvider

    return TracerProvider().get_tracer("tests").start_span("s", attributes=attributes)


def test_a_calendar_feed_s_token_and_a_query_string_stay_off_the_server_span() -> None:
    from smarttask.kit.tracing import redact_server_span

    span = _span(
        **{
            "http.url": "https://tasks.example.com/calendar/s3cr3t-token.ics?x=s3cr3t-query",
            "http.target": "/calendar/s3cr3t-token.ics",
        }
    )
    redact_server_span(span, {"type": "http", "path": "/calendar/s3cr3t-token.ics"})
    span.end()
    assert span.attributes["http.url"] == "https://tasks.example.com/calendar/***"
    assert span.attributes["http.target"] == "/calendar/***"
    assert "s3cr3t" not in json.dumps(dict(span.attributes))


@pytest.mark.parametrize(
    ("outcome", "failed"), [("done", False), ("retry", True), ("dead", True), ("lost", False)]
)
def test_a_job_span_is_an_error_when_the_job_will_retry_or_is_dead(
    outcome: str, failed: bool
) -> None:
    from opentelemetry.trace import StatusCode

    from smarttask.kit.tracing import end_job_span

    span = _span()
    end_job_span(span, outcome, "TimeoutError: the vendor did not answer")
    span.end()
    assert span.attributes["smarttask.job.outcome"] == outcome
    assert (span.status.status_code == StatusCode.ERROR) is failed
