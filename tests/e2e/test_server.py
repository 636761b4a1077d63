"""The real command line and server: first start on SQLite, logs, version, migrate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import free_port

SMARTTASK = [sys.executable, "-m", "smarttask.entrypoints.cli"]


def test_version() -> None:
    result = subprocess.run([*SMARTTASK, "--version"], capture_output=True, text=True, check=True)
    from smarttask import __version__

    assert result.stdout.strip() == f"smarttask {__version__}"


def test_migrate_creates_the_schema(tmp_path: Path) -> None:
    env = {**os.environ, "SMARTTASK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/m.db"}
    result = subprocess.run(
        [*SMARTTASK, "migrate"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    import sqlite3

    tables = {
        r[0] for r in sqlite3.connect(tmp_path / "m.db").execute("SELECT name FROM sqlite_master")
    }
    assert {"counter", "counter_quota", "idempotency_key", "alembic_version"} <= tables


def test_production_without_secret_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SMARTTASK_SECRET_KEY"}
    env["SMARTTASK_ENV"] = "production"
    result = subprocess.run(
        [*SMARTTASK, "migrate"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "SMARTTASK_SECRET_KEY" in result.stderr


def test_serve_refuses_a_public_address_with_a_generated_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTASK_")}
    result = subprocess.run(
        [*SMARTTASK, "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "refusing to listen on 0.0.0.0" in result.stderr
    assert "SMARTTASK_SECRET_KEY" in result.stderr


def test_serve_first_start_on_empty_sqlite(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "SMARTTASK_PORT": str(port), "SMARTTASK_LOG_LEVEL": "INFO"}
    for name in ("SMARTTASK_DATABASE_URL", "SMARTTASK_SECRET_KEY", "SMARTTASK_DATA_DIR"):
        env.pop(name, None)
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [*SMARTTASK, "serve"], cwd=tmp_path, env=env, stderr=log, stdout=log
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        assert health.status_code == 200
        assert health.json()["database"] == "connected"
        assert (tmp_path / "data" / "smarttask.db").exists()
        key_file = tmp_path / "data" / "secret_key"
        assert key_file.stat().st_mode & 0o777 == 0o600  # generated, owner-only
        counted = httpx.post(
            f"{base}/api/v1/counters/e2e/increment", headers={"X-Request-ID": "e2e-1"}
        )
        assert counted.json()["value"] == 1
        missing = httpx.get(f"{base}/api/v1/nope")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
    finally:
        server.terminate()
        server.wait(timeout=15)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "smarttask.access"]
    traced = [line for line in access if line.get("request_id") == "e2e-1"]
    assert traced
    assert traced[0]["path"] == "/api/v1/counters/e2e/increment"
    assert traced[0]["status"] == 200
    assert traced[0]["client_ip"] == "127.0.0.1"
    warned = [line for line in lines if "generated signing key" in line.get("msg", "")]
    assert warned, "serving with a generated key must say so"
    assert warned[0]["level"] == "WARNING"
