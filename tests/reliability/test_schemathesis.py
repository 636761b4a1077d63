"""Schemathesis against a live server's OpenAPI: no server error, no answer outside the document.

A real `smarttask serve` on SQLite or PostgreSQL, an administrator signed in, a workspace
with a project, tasks, a dependency, a comment, an attachment, an analysis and an API token,
so that ids exist. The Schemathesis command line then runs its four phases (examples,
coverage, fuzzing, stateful) over every operation with a fixed seed, authenticated with the
administrator's access token, and every check but one (see CHECKS). Real ids of the seeded
resources are mixed into generated path parameters (half of the cases), so that operations
are exercised past their 404s.

Profiles (SMARTTASK_RELIABILITY_PROFILE): `ci` (default) keeps `make test` short, `full` is
the documented long run:

    SMARTTASK_RELIABILITY_PROFILE=full make test \
        PYTEST_ARGS="tests/reliability/test_schemathesis.py"

SMARTTASK_SCHEMATHESIS_SEED changes the seed; SMARTTASK_RELIABILITY_REPORT_DIR keeps the
figures (JSON) and Schemathesis' own reports there. See docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import (
    create_postgres_database,
    drop_postgres_database,
    free_port,
    sqlite_url,
)
from tests.support.figures import profile_name, save_figures

SMARTTASK = [sys.executable, "-m", "smarttask.entrypoints.cli"]
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]
SEED = int(os.environ.get("SMARTTASK_SCHEMATHESIS_SEED", "20261130"))
ADMIN = ("fuzz-admin@example.com", "reliability-harbour-lantern-7")
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# Every check Schemathesis has but two:
# - `positive_data_acceptance` expects any schema-valid request to succeed, while the
#   API answers 422 to requests that are well-formed but refused by a rule only the
#   server can check (a cursor it did not issue, a TOTP code, an expiry in the past, a common
#   password, a dependency cycle, an Idempotency-Key reused with another body) and 412 to a
#   stale If-Match. The rules a schema can express were moved into the schema instead
#   (password lengths, media types, RFC 3339 timestamps).
# - `ensure_resource_availability` expects what a scenario created to be readable for the
#   rest of it, but a stateful scenario also deletes parents: a task's analysis is gone once
#   its project is (the full profile's run did exactly that: POST analysis, DELETE project,
#   GET analysis 404), which is the documented behaviour, not a lost write.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "ignored_auth",
    "use_after_free",
)


@dataclass(frozen=True, slots=True)
class Profile:
    """How much Schemathesis generates."""

    name: str
    max_examples: int  # fuzzing cases per operation
    stateful_max_steps: int
    workers: int


PROFILES = {
    "ci": Profile("ci", max_examples=8, stateful_max_steps=10, workers=1),
    "full": Profile("full", max_examples=200, stateful_max_steps=60, workers=2),
}


def profile() -> Profile:
    """The profile named by SMARTTASK_RELIABILITY_PROFILE (`ci` by default)."""
    return PROFILES[profile_name()]


def server_env(database_url: str, storage: Path) -> dict[str, str]:
    """The environment of the server under test (no stray SMARTTASK_ settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTASK_")}
    env.update(
        {
            "SMARTTASK_ENV": "development",
            "SMARTTASK_DATABASE_URL": database_url,
            "SMARTTASK_LOG_JSON": "true",
            "SMARTTASK_LOG_LEVEL": "WARNING",
            "SMARTTASK_AUTO_MIGRATE": "false",
            "SMARTTASK_STORAGE_PATH": str(storage),
            # The token must outlive the full profile's run.
            "SMARTTASK_ACCESS_TOKEN_TTL_SECONDS": str(6 * 3600),
            # Thousands of requests from one address in minutes: the limits stay on (their
            # code runs on every request) but high enough that the fuzzer reaches the routes.
            # 429s are declared and tested by tests/integration/test_rate_limits.py.
            "SMARTTASK_AUTH_IP_RATE_LIMIT": "1000000/minute",
            "SMARTTASK_COUNTER_RATE_LIMIT": "1000000/minute",
            # An event stream stays open until the client leaves: Schemathesis would wait for
            # its request timeout on every case of the two stream calls. Half a second
            # lets each answer end, events and heartbeats included.
            "SMARTTASK_EVENT_STREAM_MAX_SECONDS": "0.5",
        }
    )
    return env


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> None:
    """A `smarttask` command that must succeed."""
    result = subprocess.run(
        [*SMARTTASK, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


class Server:
    """`smarttask serve` in the background, logging to a file."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.log = cwd / "server.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*SMARTTASK, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                cwd=cwd,
                stdout=log,
                stderr=log,
            )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, limit: float = 60.0) -> None:
        """Wait until /health answers 200."""
        deadline = time.monotonic() + limit
        while True:
            assert self.process.poll() is None, self.log.read_text()[-4000:]
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, self.log.read_text()[-4000:]
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not end."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def errors_logged(self) -> list[str]:
        """The log lines at ERROR or above (a 500, an unhandled error, a failed job)."""
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    level = json.loads(line).get("level", "")
                except ValueError:
                    continue
                if str(level).upper() in ("ERROR", "CRITICAL"):
                    found.append(line[:2000])
            elif line.startswith("Traceback"):
                found.append(line)
        return found


def _ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, (response.request.url, response.text)
    body: dict[str, Any] = response.json() if response.content else {}
    return body


def _resources(http: httpx.Client, auth: dict[str, str], name: str, key: str) -> dict[str, Any]:
    """A workspace with a project, two dependent tasks, a comment and an attachment."""
    workspace = _ok(http.post("/workspaces", json={"name": name}, headers=auth))
    project = _ok(
        http.post(
            f"/workspaces/{workspace['id']}/projects", json={"name": name, "key": key}, headers=auth
        )
    )
    first = _ok(
        http.post(
            f"/projects/{project['id']}/tasks",
            json={"title": "First", "due_at": "2031-01-01T00:00:00Z", "priority": "high"},
            headers=auth,
        )
    )
    second = _ok(
        http.post(f"/projects/{project['id']}/tasks", json={"title": "Second"}, headers=auth)
    )
    _ok(
        http.post(
            f"/tasks/{second['id']}/dependencies", json={"depends_on_id": first["id"]}, headers=auth
        )
    )
    comment = _ok(http.post(f"/tasks/{first['id']}/comments", json={"body": "hi"}, headers=auth))
    attachment = _ok(
        http.post(
            f"/tasks/{first['id']}/attachments",
            json={"filename": "notes.txt", "content_type": "text/plain", "size": 5},
            headers=auth,
        )
    )
    return {
        "workspace": workspace["id"],
        "project": project["id"],
        "tasks": [first["id"], second["id"]],
        "key": first["key"],
        "comment": comment["id"],
        "attachment": attachment["id"],
    }


def seed(base_url: str) -> dict[str, Any]:
    """Sign the administrator in and create what the operations' ids can point to."""
    with httpx.Client(base_url=f"{base_url}/api/v1", timeout=30) as http:
        login = _ok(http.post("/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]}), 200)
        auth = {"Authorization": f"Bearer {login['access_token']}"}
        member = _ok(
            http.post(
                "/auth/register",
                json={"email": "fuzz-member@example.com", "password": ADMIN[1], "name": "M"},
            )
        )
        kept = _resources(http, auth, "Fuzzed", "FZ")
        doomed = _resources(http, auth, "Deleted", "DL")  # what DELETE operations point to
        _ok(
            http.post(
                f"/workspaces/{kept['workspace']}/members",
                json={"email": "fuzz-member@example.com", "role": "member"},
                headers=auth,
            )
        )
        _ok(http.post(f"/tasks/{kept['tasks'][0]}/analysis", headers=auth), 202)
        api_token = _ok(
            http.post(
                "/users/me/tokens",
                json={"name": "fuzz", "current_password": ADMIN[1]},
                headers=auth,
            )
        )
        # Its own user for DELETE /users/me, signed in with an API token.
        _ok(
            http.post(
                "/auth/register",
                json={"email": "fuzz-erased@example.com", "password": ADMIN[1], "name": "E"},
            )
        )
        erased_login = _ok(
            http.post(
                "/auth/login", json={"email": "fuzz-erased@example.com", "password": ADMIN[1]}
            ),
            200,
        )
        erased_token = _ok(
            http.post(
                "/users/me/tokens",
                json={"name": "erasure", "current_password": ADMIN[1]},
                headers={"Authorization": f"Bearer {erased_login['access_token']}"},
            )
        )
    return {
        "access_token": login["access_token"],
        "member": member["id"],
        "kept": kept,
        "doomed": doomed,
        "api_token_id": api_token["id"],
        "erased_api_token": erased_token["token"],
        "erased_access_token": erased_login["access_token"],
    }


def _toml(value: Any) -> str:
    return json.dumps(value)  # a JSON string or list of strings is valid TOML


def config(ids: dict[str, Any], token: str, chosen: Profile, exclude_erasure: bool) -> str:
    """The schemathesis.toml of a run."""
    kept, doomed = ids["kept"], ids["doomed"]

    def bindings(suffix: str) -> str:
        names = {
            "workspace_id": "workspace",
            "project_id": "project",
            "task_id": "task",
            "depends_on_id": "task",
            "comment_id": "comment",
            "attachment_id": "attachment",
            "user_id": "user",
            "key": "key",
            "token_id": "token",
        }
        return "\n".join(
            f'"path.{param}" = {{ dictionary = "{kind}{suffix}", probability = 0.5 }}'
            for param, kind in names.items()
        )

    def dictionaries(resources: dict[str, Any], suffix: str) -> str:
        values = {
            "workspace": [resources["workspace"]],
            "project": [resources["project"]],
            "task": resources["tasks"],
            "comment": [resources["comment"]],
            "attachment": [resources["attachment"]],
            "user": [ids["member"]],
            "key": [resources["key"]],
            "token": [ids["api_token_id"]],
        }
        return "\n".join(
            f"{kind}{suffix} = {{ values = {_toml(v)} }}" for kind, v in values.items()
        )

    erasure = (
        '[[operations]]\ninclude-name = "DELETE /api/v1/users/me"\nenabled = false\n'
        if exclude_erasure
        else ""
    )
    # An erased user stays readable by administrators as a tombstone (`deleted_at` set, 409
    # on re-enabling it): the documented erasure keeps the row that their tasks point to, so
    # `use_after_free` would flag the GET after DELETE /users/{id}. That DELETE is left out
    # of the stateful phase only (Schemathesis 4.32 applies per-operation checks settings
    # to the other phases, not to stateful transitions); the other phases still fuzz it.
    tombstones = (
        '[[operations]]\ninclude-name = "DELETE /api/v1/users/{user_id}"\n'
        "phases = { stateful = { enabled = false } }\n"
    )
    return f"""
seed = {SEED}
workers = {chosen.workers}
request-timeout = 30
wait-for-schema = 30

[auth.openapi.bearerAuth]
bearer = {_toml(token)}

[generation]
max-examples = {chosen.max_examples}
database = "none"

[phases.stateful]
max-steps = {chosen.stateful_max_steps}

[dictionaries]
{dictionaries(kept, "")}
{dictionaries(doomed, "_doomed")}

[parameters]
{bindings("")}

# DELETE operations point at the second workspace's resources: the first one stays for
# the other operations (a DELETE without If-Match succeeds, as docs/api.md says).
[[operations]]
include-method = "DELETE"
[operations.parameters]
{bindings("_doomed")}

{tombstones}
{erasure}"""


def schemathesis(
    base_url: str, workdir: Path, name: str, toml: str, extra: list[str]
) -> dict[str, Any]:
    """Run the Schemathesis command line; its JSON report, NDJSON events and output."""
    (workdir / f"{name}.toml").write_text(toml)
    reports = workdir / f"{name}-reports"
    command = [
        *SCHEMATHESIS,
        "--config-file",
        str(workdir / f"{name}.toml"),
        "run",
        f"{base_url}/openapi.json",
        "--phases",
        ",".join(PHASES),
        "--checks",
        ",".join(CHECKS),
        "--report",
        "json,ndjson,junit",
        "--report-dir",
        str(reports),
        "--no-color",
        *extra,
    ]
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=3 * 3600, check=False
    )
    elapsed = time.monotonic() - started
    (workdir / f"{name}.out").write_text(result.stdout + result.stderr)
    [report] = reports.glob("json-*.json")
    [events] = reports.glob("ndjson-*.ndjson")
    return {
        "exit_code": result.returncode,
        "output": result.stdout + result.stderr,
        "report": json.loads(report.read_text()),
        "per_phase": per_phase(events),
        "seconds": round(elapsed, 1),
    }


def per_phase(events: Path) -> dict[str, dict[str, int]]:
    """Test cases and requests of each phase, from Schemathesis' NDJSON events."""
    counts: dict[str, Counter[str]] = {}
    for line in events.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if finished is None:
            continue
        phase = counts.setdefault(finished["phase"], Counter())
        recorder = finished.get("recorder", {})
        phase["scenarios"] += 1
        phase["test_cases"] += len(recorder.get("cases", {}))
        phase["requests"] += len(recorder.get("interactions", {}))
    return {name: dict(counter) for name, counter in counts.items()}


def figures_of(run: dict[str, Any]) -> dict[str, Any]:
    """What a run did, for the report."""
    report = run["report"]
    return {
        "operations": report["operations"],
        "phases": report["phases"],
        "test_cases": report["test_cases"],
        "per_phase": run["per_phase"],
        "failures": report["failures"],
        "errors": report["errors"],
        "warnings": {k: v for k, v in report["warnings"].items() if v},
        "seconds": run["seconds"],
    }


def save(name: str, figures: dict[str, Any], workdir: Path) -> None:
    """Print the figures; keep them and the raw reports under SMARTTASK_RELIABILITY_REPORT_DIR."""
    text = json.dumps(figures, indent=2, sort_keys=True)
    print(f"\nschemathesis figures of {name}:\n{text}")
    if save_figures(f"{name}.json", text + "\n") is not None:
        for path in workdir.glob("*.out"):
            save_figures(f"{name}-{path.name}", path.read_text())


def assert_clean(run: dict[str, Any]) -> None:
    """Zero failures, zero errors, every phase run to completion."""
    report = run["report"]
    output = run["output"][-20000:]
    assert run["exit_code"] == 0, output
    assert report["failures"] == [], output
    assert report["errors"] == [], output
    assert report["complete"], output
    assert report["stop_reason"] == "completed", output
    assert report["test_cases"]["generated"] > 0


@pytest.fixture
async def database_url_of_run(backend: str, tmp_path: Path) -> Any:
    """A fresh database of the backend for this run only."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path)
        return
    url, name = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(name)


async def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(
    backend: str, database_url_of_run: str, tmp_path: Path
) -> None:
    """Four phases over every operation: no 5xx, every answer as the OpenAPI document says."""
    chosen = profile()
    env = server_env(database_url_of_run, tmp_path / "objects")
    await asyncio.to_thread(run_cli, ["migrate"], env, tmp_path)
    await asyncio.to_thread(
        run_cli,
        ["user", "create", "--email", ADMIN[0], "--password", ADMIN[1], "--name", "A", "--admin"],
        env,
        tmp_path,
    )
    server = Server(env, tmp_path)
    try:
        await asyncio.to_thread(server.wait_healthy)
        ids = await asyncio.to_thread(seed, server.url)
        main = await asyncio.to_thread(
            schemathesis,
            server.url,
            tmp_path,
            "all-operations",
            config(ids, ids["access_token"], chosen, exclude_erasure=True),
            [],
        )
        # DELETE /users/me disables the caller: run on a user of its own, signed in (an API
        # token is refused at once), after the main run. Generated bodies cannot know the
        # password, so every case is a declared 401 (no proof) or 429 (locked out).
        erasure = await asyncio.to_thread(
            schemathesis,
            server.url,
            tmp_path,
            "erasure",
            config(ids, ids["erased_access_token"], chosen, exclude_erasure=False),
            ["--include-name", "DELETE /api/v1/users/me"],
        )
        async with httpx.AsyncClient(base_url=server.url) as http:
            erased = await http.get(
                "/api/v1/users/me",
                headers={"Authorization": f"Bearer {ids['erased_access_token']}"},
            )
    finally:
        server.stop()
    figures = {
        "backend": backend,
        "seed": SEED,
        "profile": asdict(chosen),
        "all_operations": figures_of(main),
        "erasure": figures_of(erasure),
    }
    errors_logged = server.errors_logged()
    (tmp_path / "server-errors.out").write_text("\n".join(errors_logged))
    save(f"schemathesis-{backend}", figures, tmp_path)
    assert_clean(main)
    assert_clean(erasure)
    assert main["report"]["operations"]["tested"] == main["report"]["operations"]["total"] - 1
    assert set(main["report"]["phases"]) == set(PHASES)
    assert main["per_phase"]["stateful"]["test_cases"] > 0
    assert erased.status_code == 200  # no generated request erased its user without proof
    assert errors_logged == []
