"""Fault-injection kit of the reliability tests: private PostgreSQL and Redis, live servers.

- `PrivatePostgres`: a throwaway cluster made with the machine's `initdb`/`pg_ctl` on a free
  port (run as the `postgres` OS user when the tests run as root), that can be crashed with
  `pg_ctl stop -m immediate` and started again.
- `PrivateRedis`: a `redis-server` subprocess on a free port, killed and restarted at will.
- `ServerProcess`: a real `smarttask serve` (or `smarttask worker`) with its own log file.
- `Profile`: the sizes of the runs; `SMARTTASK_RELIABILITY_PROFILE=full` selects the large
  one, the default (`ci`) keeps `make test` short.
- `report()`: prints a test's figures and writes them as JSON to
  `$SMARTTASK_RELIABILITY_REPORT_DIR/<name>.json` when that variable is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.support import free_port
from tests.support.figures import profile_name, save_figures

SMARTTASK = [sys.executable, "-m", "smarttask.entrypoints.cli"]
PASSWORD = "reliability-harbour-lantern-7"


@dataclass(frozen=True, slots=True)
class Profile:
    """How big each fault run is."""

    name: str
    crash_clients: int
    crash_cycles: int
    crash_warmup_seconds: float
    crash_outage_seconds: float
    crash_after_seconds: float
    crash_idempotency_lease_seconds: int
    rate_limit: int
    increments: int
    increment_addresses: int
    idempotency_keys: int
    jobs: int
    kills: int


PROFILES = {
    "ci": Profile(
        name="ci",
        crash_clients=8,
        crash_cycles=1,
        crash_warmup_seconds=1.5,
        crash_outage_seconds=3.0,
        crash_after_seconds=2.0,
        crash_idempotency_lease_seconds=8,
        rate_limit=20,
        increments=200,
        increment_addresses=10,
        idempotency_keys=8,
        jobs=24,
        kills=1,
    ),
    "full": Profile(
        name="full",
        crash_clients=32,
        crash_cycles=3,
        crash_warmup_seconds=3.0,
        crash_outage_seconds=10.0,
        crash_after_seconds=5.0,
        crash_idempotency_lease_seconds=15,
        rate_limit=100,
        increments=3000,
        increment_addresses=60,
        idempotency_keys=50,
        jobs=200,
        kills=3,
    ),
}


def profile() -> Profile:
    """The profile named by SMARTTASK_RELIABILITY_PROFILE (`ci` by default)."""
    return PROFILES[profile_name()]


def report(name: str, figures: dict[str, Any]) -> None:
    """Print a test's figures and, with SMARTTASK_RELIABILITY_REPORT_DIR set, save them."""
    payload = {"test": name, "profile": asdict(profile()), "figures": figures}
    text = json.dumps(payload, indent=2, sort_keys=True, default=str)
    print(f"\nreliability figures of {name}:\n{text}")
    save_figures(f"{name}.json", text + "\n")


async def wait_until(condition: Any, what: str, limit: float = 60.0, every: float = 0.1) -> None:
    """Poll an async condition until it holds; AssertionError after `limit` seconds."""
    deadline = time.monotonic() + limit
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {limit:g}s waiting for {what}")
        await asyncio.sleep(every)


# -- PostgreSQL ------------------------------------------------------------------------------


def postgres_bin_dir() -> Path:
    """The folder holding initdb and pg_ctl (SMARTTASK_PG_BIN, else the newest installed)."""
    configured = os.environ.get("SMARTTASK_PG_BIN")
    candidates = [Path(configured)] if configured else []
    candidates += sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise RuntimeError(
        "The PostgreSQL server binaries (initdb, pg_ctl) were not found in "
        "/usr/lib/postgresql/*/bin nor on PATH. Install the PostgreSQL server package "
        "(e.g. apt-get install postgresql) or set SMARTTASK_PG_BIN to their folder."
    )


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port, owned by this test run."""

    def __init__(self) -> None:
        self.bin = postgres_bin_dir()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="smarttask-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        os.chmod(self.root, 0o700)

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=self.root
        )
        if result.returncode != 0:
            log = self.log.read_text()[-3000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}\n{log}"
            )

    def init(self) -> None:
        """Create the cluster (trust authentication on 127.0.0.1 only)."""
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        """Start the server and wait until it accepts connections (after crash recovery)."""
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c shared_buffers=32MB"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def crash(self) -> None:
        """`pg_ctl stop -m immediate`: every backend killed, no checkpoint, recovery on start."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        """A fast, clean stop (the end of the test)."""
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def remove(self) -> None:
        """Stop and delete the cluster."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def dsn(self, database: str = "postgres") -> str:
        """A libpq URL of a database of this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def url(self, database: str = "smarttask") -> str:
        """The SQLAlchemy URL of a database of this cluster."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    async def create_database(self, name: str = "smarttask") -> str:
        """Create a database; its SQLAlchemy URL."""
        admin = await asyncpg.connect(self.dsn(), timeout=10)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        return self.url(name)


# -- Redis -----------------------------------------------------------------------------------


class PrivateRedis:
    """A `redis-server` of this test run on a free port, without persistence."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server was not found on PATH (apt-get install redis-server)")
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """What SMARTTASK_REDIS_URL must be."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and wait until it answers PING."""
        self.process = subprocess.Popen(
            [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)

    def freeze(self) -> None:
        """SIGSTOP: connections stay open, nothing answers (a hung or partitioned Redis)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT: answers again."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: every count it held is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(10)
        self.process = None


# -- live processes --------------------------------------------------------------------------


def base_env(**values: str) -> dict[str, str]:
    """The environment of a smarttask process: this one's, minus stray SMARTTASK_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTASK_")}
    env.update(
        {
            "SMARTTASK_ENV": "development",
            "SMARTTASK_LOG_JSON": "true",
            "SMARTTASK_LOG_LEVEL": "INFO",
            "SMARTTASK_AUTO_MIGRATE": "false",
            "SMARTTASK_SECRET_KEY": "reliability-tests-shared-secret-0123456789abcdef",
            # Several servers share one PostgreSQL (max_connections 100 by default) with the
            # rest of the suite: 15 connections per process at most, requests queue beyond.
            "SMARTTASK_DB_POOL_SIZE": "10",
            "SMARTTASK_DB_MAX_OVERFLOW": "5",
        }
    )
    env.update(values)
    return env


def migrate(database_url: str, cwd: Path) -> None:
    """`smarttask migrate` on a database, as an operator runs it."""
    result = subprocess.run(
        [*SMARTTASK, "migrate"],
        env=base_env(SMARTTASK_DATABASE_URL=database_url),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if result.returncode != 0:
        raise RuntimeError(f"smarttask migrate failed:\n{result.stderr[-3000:]}")


class ServerProcess:
    """A `smarttask` command running in the background, logging to a file."""

    def __init__(
        self, args: list[str], env: dict[str, str], log: Path, cwd: Path, port: int = 0
    ) -> None:
        self.args = args
        self.port = port
        self.env = env
        self.log_path = log
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def serve(
        cls, port: int, env: dict[str, str], log: Path, cwd: Path, workers: int = 1
    ) -> ServerProcess:
        """`smarttask serve` on 127.0.0.1:port."""
        args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        return cls(args, env, log, cwd, port)

    @property
    def base_url(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Launch the process."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*SMARTTASK, *self.args], env=self.env, cwd=self.cwd, stdout=log, stderr=log
            )

    @property
    def pid(self) -> int:
        """The process id."""
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process is not None and self.process.poll() is None

    def children(self) -> set[int]:
        """The ids of its child processes (uvicorn's workers)."""
        found: set[int] = set()
        for path in glob.glob(f"/proc/{self.pid}/task/*/children"):
            with contextlib.suppress(OSError):
                found.update(int(p) for p in Path(path).read_text().split())
        return found

    async def wait_healthy(self, limit: float = 60.0) -> None:
        """Wait until /health answers 200."""

        async def healthy() -> bool:
            if not self.alive():
                raise AssertionError(f"{self.args} exited:\n{self.log_tail()}")
            try:
                async with httpx.AsyncClient(timeout=3) as http:
                    return (await http.get(f"{self.base_url}/health")).status_code == 200
            except httpx.TransportError:
                return False

        await wait_until(healthy, f"{self.base_url}/health to answer 200", limit, 0.2)

    def kill(self) -> None:
        """SIGKILL, no cleanup."""
        if self.alive():
            assert self.process is not None
            self.process.kill()
            self.process.wait(30)

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM and wait (SIGKILL after `timeout`); the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        return self.process.returncode

    def log_lines(self) -> list[dict[str, Any]]:
        """Its JSON log lines."""
        lines = []
        for raw in self.log_path.read_text(errors="replace").splitlines():
            if raw.startswith("{"):
                with contextlib.suppress(ValueError):
                    lines.append(json.loads(raw))
        return lines

    def log_tail(self, chars: int = 4000) -> str:
        """The end of its log."""
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


# -- API seeding -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seeded:
    """A signed-in owner, a workspace and a project, made through the API."""

    headers: dict[str, str]
    workspace_id: str
    project_id: str


async def seed(http: httpx.AsyncClient, key: str = "REL") -> Seeded:
    """Register and sign in a user, create a workspace and a project (via the API)."""
    email = f"reliability-{uuid.uuid4().hex[:10]}@example.com"
    registered = await http.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Rel"}
    )
    assert registered.status_code == 201, registered.text
    login = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    workspace = await http.post("/api/v1/workspaces", json={"name": "Faults"}, headers=headers)
    assert workspace.status_code == 201, workspace.text
    workspace_id = str(workspace.json()["id"])
    project = await http.post(
        f"/api/v1/workspaces/{workspace_id}/projects",
        json={"name": "Reliability", "key": key},
        headers=headers,
    )
    assert project.status_code == 201, project.text
    return Seeded(headers, workspace_id, str(project.json()["id"]))
