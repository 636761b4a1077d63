"""Proxy headers are believed only from proxies the operator named: by default a client
(even one on the same host) cannot pick the address that per-IP limits count."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from smarttask.settings import Settings
from tests.support import free_port

SMARTTASK = [sys.executable, "-m", "smarttask.entrypoints.cli"]
PATH = "/api/v1/counters/spoofed/increment"


@contextmanager
def _serve(tmp_path: Path, **env: str) -> Iterator[str]:
    """`smarttask serve` on a fresh SQLite file, with only the given SMARTTASK_ settings."""
    port = free_port()
    values = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTASK_")}
    values.pop("FORWARDED_ALLOW_IPS", None)
    values |= {
        "SMARTTASK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/forwarded.db",
        "SMARTTASK_PORT": str(port),
        "SMARTTASK_LOG_LEVEL": "INFO",
        "SMARTTASK_LOG_JSON": "true",
        "SMARTTASK_COUNTER_RATE_LIMIT": "2/minute",
        **env,
    }
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [*SMARTTASK, "serve", "--host", "127.0.0.1"],
            cwd=tmp_path,
            env=values,
            stderr=log,
            stdout=log,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/health/live", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)


def _client_ips(tmp_path: Path) -> list[str]:
    lines = (tmp_path / "server.log").read_text().splitlines()
    access = [json.loads(line) for line in lines if line.startswith("{")]
    return [
        line["client_ip"]
        for line in access
        if line.get("logger") == "smarttask.access" and line.get("path") == PATH
    ]


def _forged_increments(base: str) -> list[int]:
    return [
        httpx.post(
            f"{base}{PATH}", headers={"X-Forwarded-For": forged, "X-Forwarded-Proto": "https"}
        ).status_code
        for forged in ("198.51.100.1", "198.51.100.2", "198.51.100.3")
    ]


def test_no_proxy_is_trusted_by_default() -> None:
    assert Settings(_env_file=None).forwarded_allow_ips == ""  # type: ignore[call-arg]


def test_a_local_client_cannot_escape_per_ip_limits_with_x_forwarded_for(
    tmp_path: Path,
) -> None:
    with _serve(tmp_path) as base:
        assert _forged_increments(base) == [200, 200, 429]
    assert _client_ips(tmp_path) == ["127.0.0.1"] * 3


def test_a_named_proxy_is_believed(tmp_path: Path) -> None:
    with _serve(tmp_path, SMARTTASK_FORWARDED_ALLOW_IPS="127.0.0.1") as base:
        assert _forged_increments(base) == [200, 200, 200]
    assert _client_ips(tmp_path) == ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
