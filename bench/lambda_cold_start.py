"""Lambda cold start and memory of the HTTP handler, each measured in fresh processes.

(a) the time to `import fastapi` alone; (b) the time to import
`smarttask.entrypoints.lambda_http` and answer a first API Gateway HTTP API (2.0) event.
Prints the medians over --repeat fresh processes and the ratio b/a (target: at most 2.0),
then the peak RSS (VmHWM) of one handler process after --events events. The database is
a migrated SQLite file in a temporary directory (with --postgres, a database of that server,
as a Lambda deployment has). smarttask's own modules are compiled to
.pyc first, as `pip install` does for the Lambda package (this environment may set
PYTHONDONTWRITEBYTECODE, which would otherwise make each child compile them from source).

    .venv/bin/python bench/lambda_cold_start.py [--repeat 5] [--events 1000] [--importtime]
        [--postgres postgresql://postgres@127.0.0.1:5432 --database smarttask_bench_lambda]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from auth_load import recreate_database, sqlalchemy_url
from procinfo import machine_line, mib

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "aws-events" / "api-gateway-http-v2.json"
TARGET_RATIO = 2.0

# The children import nothing before the clock starts but what both kinds need (json, sys,
# time), so neither gets a head start from modules the other loaded first.
_PRELUDE = """
import json, sys, time

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

class Context:
    aws_request_id = "bench-cold-start"
    function_name = "smarttask-http"
    function_version = "$LATEST"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:smarttask-http"

    def get_remaining_time_in_millis(self):
        return 29000

# One event a line, read as they are answered: the memory figure is the handler's, not the
# event list's (a thousand events held at once take about 3 MiB).
events = map(json.loads, open(sys.argv[1]))
"""
_FASTAPI_CHILD = (
    _PRELUDE
    + """
started, cpu = time.perf_counter(), time.process_time()
import fastapi
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "cpu": time.process_time() - cpu, "hwm_kib": hwm()}))
"""
)
# A child that gets a `handler` on the clock (IMPORT: an import, or code that builds one),
# answers its first event, then the others; its figures as one JSON line.
HANDLER_TEMPLATE = (
    _PRELUDE
    + """
event = next(events)
started, cpu = time.perf_counter(), time.process_time()
IMPORT
imported = time.perf_counter()
first = handler(event, Context())
seconds = time.perf_counter() - started
cpu = time.process_time() - cpu
after_first = hwm()
statuses = {str(first["statusCode"]): 1}
for event in events:
    status = str(handler(event, Context())["statusCode"])
    statuses[status] = statuses.get(status, 0) + 1
print(json.dumps({
    "seconds": seconds, "cpu": cpu, "import_seconds": imported - started,
    "hwm_first_kib": after_first,
    "hwm_kib": hwm(), "statuses": statuses,
}))
"""
)
_HANDLER_CHILD = HANDLER_TEMPLATE.replace(
    "IMPORT", "from smarttask.entrypoints.lambda_http import handler"
)


# Seeds one user with an API token, a workspace, a project and a task; prints their ids.
_SEED_CHILD = (
    _PRELUDE
    + """
from smarttask.entrypoints.lambda_http import handler

events = list(events)

def call(event):
    response = handler(event, Context())
    assert response["statusCode"] < 300, response
    return json.loads(response["body"])

account = {"email": "bench@example.com", "password": "a bench of cold starts", "name": "B"}
call(events[0] | {"body": json.dumps(account)})
login = call(events[1] | {"body": json.dumps({k: account[k] for k in ("email", "password")})})
bearer = {"authorization": "Bearer " + login["access_token"]}

def authed(event, body):
    return call(event | {"headers": event["headers"] | bearer, "body": json.dumps(body)})

token = authed(events[2], {"name": "bench", "current_password": account["password"]})["token"]
workspace = authed(events[3], {"name": "Bench"})["id"]

def at(event, id_):
    path = event["rawPath"].replace("{id}", id_)
    context = event["requestContext"]
    return event | {
        "rawPath": path, "requestContext": context | {"http": context["http"] | {"path": path}}
    }

project = authed(at(events[4], workspace), {"name": "Web", "key": "WEB"})["id"]
task = authed(at(events[5], project), {"title": "Cold start"})["id"]
print(json.dumps({"token": token, "project": project, "task": task}))
"""
)


def http_event(
    method: str,
    path: str,
    source_ip: str = "192.168.0.1",
    headers: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event from the AWS sample, for one request."""
    event: dict[str, Any] = copy.deepcopy(json.loads(FIXTURE.read_text()))
    event.update(
        rawPath=path,
        rawQueryString="",
        body=None if body is None else json.dumps(body),
        isBase64Encoded=False,
        headers={
            "host": "id.execute-api.us-east-1.amazonaws.com",
            "user-agent": "bench",
            **({} if body is None else {"content-type": "application/json"}),
            **(headers or {}),
        },
    )
    for key in ("cookies", "queryStringParameters", "pathParameters"):
        event.pop(key, None)
    event["requestContext"]["http"].update(method=method, path=path, sourceIp=source_ip)
    return event


def _run_child(
    code: str,
    events: list[dict[str, Any]],
    env: dict[str, str],
    tmp: Path,
    extra: tuple[str, ...] = (),
) -> tuple[dict[str, Any], float, str]:
    """Run a child in a fresh interpreter; its JSON line, its whole wall time and its stderr."""
    path = tmp / "events.json"
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, *extra, "-c", code, str(path)],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    return json.loads(completed.stdout.strip().splitlines()[-1]), wall, completed.stderr


def _compile_smarttask(env: dict[str, str], tmp: Path) -> None:
    """Compile the .pyc of the smarttask package the children import (the one on their path)."""
    where = subprocess.run(
        [sys.executable, "-c", "import smarttask, os; print(os.path.dirname(smarttask.__file__))"],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", where],
        env={k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"},
        check=True,
        capture_output=True,
    )
    print(f"compiled the .pyc files of {where}")


def _seed(env: dict[str, str], tmp: Path) -> dict[str, Any]:
    """A user, an API token, a project and a task in it, for the first task read and writes."""
    events = [
        http_event("POST", "/api/v1/auth/register", headers={"content-type": "application/json"}),
        http_event("POST", "/api/v1/auth/login", headers={"content-type": "application/json"}),
        http_event("POST", "/api/v1/users/me/tokens", headers={"content-type": "application/json"}),
        http_event("POST", "/api/v1/workspaces", headers={"content-type": "application/json"}),
        http_event(
            "POST", "/api/v1/workspaces/{id}/projects", headers={"content-type": "application/json"}
        ),
        http_event(
            "POST", "/api/v1/projects/{id}/tasks", headers={"content-type": "application/json"}
        ),
    ]
    result, _, _ = _run_child(_SEED_CHILD, events, env, tmp)
    return result


def _importtime(stderr: str, top: int = 15) -> None:
    """Print what dominates an `-X importtime` report: top-level packages and slowest modules."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        rows.append((int(self_us), int(cumulative_us), name.rstrip()))
    # A module imported at the outermost level has exactly one space before its name.
    outer = [r for r in rows if not r[2].startswith("  ")]
    total = sum(r[1] for r in outer)
    print(f"\n-X importtime: {total / 1000:.0f} ms of imports in all; outermost, by cumulative:")
    for _, cumulative, name in sorted(outer, key=lambda r: -r[1])[:top]:
        print(f"  {cumulative / 1000:8.1f} ms  {name.strip()}")
    by_package: dict[str, int] = {}
    for self_us, _, name in rows:
        package = name.strip().split(".")[0]
        by_package[package] = by_package.get(package, 0) + self_us
    print("self time summed per top-level package:")
    for package, self_us in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {self_us / 1000:8.1f} ms  {package}")


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per measurement")
    parser.add_argument("--events", type=int, default=1000, help="events for the memory figure")
    parser.add_argument(
        "--only", default="", help="measure only the first events whose name contains this"
    )
    parser.add_argument(
        "--postgres",
        default="",
        help="a PostgreSQL server (postgresql://user@host:port) to run on instead of SQLite, "
        "as a Lambda deployment does; its database --database is dropped and made anew",
    )
    parser.add_argument("--database", default="smarttask_bench_lambda")
    parser.add_argument(
        "--importtime",
        action="store_true",
        help="always print the -X importtime summary (it is printed anyway above the target)",
    )
    return parser.parse_args()


def main() -> int:
    """Measure and print."""
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="smarttask-lambda-") as directory:
        tmp = Path(directory)
        url = f"sqlite+aiosqlite:///{tmp / 'smarttask.db'}"
        if args.postgres:
            asyncio.run(recreate_database(args.postgres, args.database))
            url = sqlalchemy_url(args.postgres, args.database)
        env = {
            **os.environ,
            "SMARTTASK_DATABASE_URL": url,
            # As on Lambda, a configured key (no key file is read or written).
            "SMARTTASK_SECRET_KEY": secrets.token_urlsafe(48),
        }
        env.pop("SMARTTASK_LOG_LEVEL", None)
        subprocess.run(
            [str(Path(sys.executable).parent / "smarttask"), "migrate"],
            env=env,
            cwd=tmp,
            check=True,
            capture_output=True,
        )
        _compile_smarttask(env, tmp)
        created, _, _ = _run_child(
            _HANDLER_CHILD, [http_event("POST", "/api/v1/counters/x/increment")], env, tmp
        )
        where = "PostgreSQL" if args.postgres else "SQLite"
        print(f"{where} database migrated; counter x created ({created['statuses']})")
        seeded = _seed(env, tmp)
        print("a user with an API token, a workspace, a project and a task created")

        api_token = {"authorization": f"Bearer {seeded['token']}"}
        task_read = http_event("GET", f"/api/v1/tasks/{seeded['task']}", headers=api_token)
        task_create = http_event(
            "POST",
            f"/api/v1/projects/{seeded['project']}/tasks",
            headers=api_token,
            body={"title": "A first write", "description": "From a cold container."},
        )

        def task_update(n: int) -> dict[str, Any]:
            # A new title each time: an update that changes nothing writes nothing.
            return http_event(
                "PATCH",
                f"/api/v1/tasks/{seeded['task']}",
                headers=api_token,
                body={"title": f"Cold start, edit {n}", "priority": ("high", "low")[n % 2]},
            )

        firsts = {
            "GET /health/live": http_event("GET", "/health/live"),
            "GET /health": http_event("GET", "/health"),
            "GET /api/v1/counters/x": http_event("GET", "/api/v1/counters/x"),
            "GET /api/v1/tasks/{id}": task_read,
            "POST /api/v1/projects/{id}/tasks": task_create,
            "PATCH /api/v1/tasks/{id}": task_update(0),
        }
        if args.only:
            firsts = {name: event for name, event in firsts.items() if args.only in name}
        fastapi_runs: list[tuple[dict[str, Any], float]] = []
        handler_runs: dict[str, list[tuple[dict[str, Any], float]]] = {k: [] for k in firsts}
        load_before = os.getloadavg()[0]
        for repeat in range(args.repeat):  # interleaved, so that drift affects every kind alike
            result, wall, _ = _run_child(_FASTAPI_CHILD, [], env, tmp)
            fastapi_runs.append((result, wall))
            for name, event in firsts.items():
                if name.startswith("PATCH"):
                    event = task_update(repeat + 1)
                result, wall, _ = _run_child(_HANDLER_CHILD, [event], env, tmp)
                handler_runs[name].append((result, wall))

        base = statistics.median(r["seconds"] for r, _ in fastapi_runs)
        base_cpu = statistics.median(r["cpu"] for r, _ in fastapi_runs)
        base_wall = statistics.median(w for _, w in fastapi_runs)
        print(
            f"\nmedian of {args.repeat} fresh processes (load average {load_before:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after)"
        )
        print(f"  {'':<44} in-process       CPU  whole process  ratio b/a  CPU ratio")
        print(
            f"  {'(a) import fastapi':<44} {base * 1000:7.1f} ms "
            f"{base_cpu * 1000:6.1f} ms {base_wall * 1000:10.1f} ms"
        )
        worst = 0.0
        for name, runs in handler_runs.items():
            seconds = statistics.median(r["seconds"] for r, _ in runs)
            cpu = statistics.median(r["cpu"] for r, _ in runs)
            imported = statistics.median(r["import_seconds"] for r, _ in runs)
            wall = statistics.median(w for _, w in runs)
            statuses = sorted({s for r, _ in runs for s in r["statuses"]})
            ratio = seconds / base
            worst = max(worst, cpu / base_cpu)
            print(
                f"  {'(b) + ' + name:<44} {seconds * 1000:7.1f} ms "
                f"{cpu * 1000:6.1f} ms {wall * 1000:10.1f} ms {ratio:10.2f} "
                f"{cpu / base_cpu:10.2f}   (import alone {imported * 1000:.1f} ms; "
                f"status {','.join(statuses)})"
            )
        print(
            f"  worst CPU ratio {worst:.2f}; target <= {TARGET_RATIO}: "
            f"{'met' if worst <= TARGET_RATIO else 'NOT met'} (CPU time of the process, which "
            "moves less than wall time on a busy machine; the whole-process column adds the "
            "interpreter's own start-up to both)"
        )

        ips = [f"10.0.0.{i}" for i in range(1, 17)]  # stays under the per-IP counter limit
        mix = [
            http_event("GET", "/health/live"),
            http_event("POST", "/api/v1/counters/x/increment"),
            http_event("GET", "/api/v1/counters/x"),
            task_read,
            task_create,
            task_update(0),
        ]
        events = []
        for i in range(args.events):
            event = copy.deepcopy(mix[i % len(mix)])
            if event["requestContext"]["http"]["method"] == "PATCH":
                event = task_update(args.repeat + 1 + i)
            event["requestContext"]["http"]["sourceIp"] = ips[i % len(ips)]
            events.append(event)
        # A third of the events are writes by one user: over the default per-user write limit
        # (120 a minute), which would answer most of them with a cheaper 429.
        unlimited = {**env, "SMARTTASK_USER_WRITE_RATE_LIMIT": "1000000/minute"}
        memory, wall, _ = _run_child(_HANDLER_CHILD, events, unlimited, tmp)
        baseline = statistics.median(r["hwm_kib"] for r, _ in fastapi_runs)
        print(
            f"\npeak RSS (VmHWM) of one handler process, {args.events} events (health/live, "
            "counter increment, counter read, task read, task create, task update in turn):"
        )
        print(
            f"  after the first event {mib(memory['hwm_first_kib'])}; after {args.events} "
            f"events {mib(memory['hwm_kib'])}; statuses {memory['statuses']}; "
            f"{wall:.1f} s in all"
        )
        print(
            f"  (a process that only imported fastapi: {mib(baseline)}; "
            "the 2-core machine's Python, not Lambda's)"
        )

        if worst > TARGET_RATIO or args.importtime:
            name = max(
                handler_runs, key=lambda n: statistics.median(r["cpu"] for r, _ in handler_runs[n])
            )
            print(f"\n-X importtime of a first {name} (the costliest in CPU time):")
            event = task_update(10**6) if name.startswith("PATCH") else firsts[name]
            _, _, stderr = _run_child(_HANDLER_CHILD, [event], env, tmp, extra=("-X", "importtime"))
            _importtime(stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
