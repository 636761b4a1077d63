"""CPU per request of the hot routes, with the ASGI apps driven in-process (no server, no load).

Drives smarttask's app and the bare reference (bench/reference_app.py) directly through
ASGI, one request at a time, and prints the process CPU time per request of each route;
the median of several rounds. With --profile ROUTE it runs cProfile on that route instead;
with --calls it prints each route's Python function calls per request (cProfile's count,
which does not depend on the machine's load: a coroutine resumed counts as one more call).

    .venv/bin/python bench/inprocess.py [--requests 3000] [--rounds 5] [--profile counter-get]
    .venv/bin/python bench/inprocess.py --calls --requests 500

It needs PostgreSQL (the database is created and migrated if missing). It prints figures;
it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import orjson

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="smarttask_bench_inprocess")
    parser.add_argument("--profile", default=None, help="cProfile one route by its label")
    parser.add_argument("--only", default=None, help="comma-separated route labels")
    parser.add_argument(
        "--calls", action="store_true", help="function calls per request of each route"
    )
    return parser.parse_args()


async def call(
    app: Asgi, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> tuple[int, bytes]:
    """One request through the ASGI app, with the scope uvicorn builds; status and body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": method,
        "root_path": "",
        "path": path.partition("?")[0],
        "raw_path": path.partition("?")[0].encode(),
        "query_string": path.partition("?")[2].encode(),
        "headers": [(b"host", b"127.0.0.1:8000"), *headers],
        "state": {},
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _ensure_database(server: str, name: str) -> None:
    connection = await asyncpg.connect(f"{server}/postgres")
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


JSON = (b"content-type", b"application/json")


async def _credentials(app: Asgi) -> tuple[str, str]:
    """An access token and an API token of a fresh user."""
    email = f"bench-{time.time_ns()}@example.com"
    password = "Tr0ub4dor-bench-staple-42"
    body = orjson.dumps({"email": email, "password": password, "name": "Bench"})
    status, answer = await call(app, "POST", "/api/v1/auth/register", [JSON], body)
    assert status == 201, answer
    body = orjson.dumps({"email": email, "password": password})
    status, answer = await call(app, "POST", "/api/v1/auth/login", [JSON], body)
    assert status == 200, answer
    access = orjson.loads(answer)["access_token"]
    auth = (b"authorization", f"Bearer {access}".encode())
    body = orjson.dumps({"name": "bench", "current_password": password})
    status, answer = await call(app, "POST", "/api/v1/users/me/tokens", [JSON, auth], body)
    assert status == 201, answer
    return access, orjson.loads(answer)["token"]


async def _tasks(app: Asgi, access: str) -> tuple[str, str]:
    """A project with 45 tasks (labels, dependencies, a quarter of each status); ids of the
    project and of one task with a label and a dependency."""
    auth = (b"authorization", f"Bearer {access}".encode())

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = await call(app, "POST", path, [JSON, auth], orjson.dumps(body))
        assert status == 201, answer
        result: dict[str, Any] = orjson.loads(answer)
        return result

    workspace = await post("/api/v1/workspaces", {"name": "bench"})
    project = await post(
        f"/api/v1/workspaces/{workspace['id']}/projects", {"name": "Bench", "key": "BENCH"}
    )
    statuses = ("todo", "in_progress", "done", "cancelled")
    previous: dict[str, Any] = {}
    for number in range(45):
        body: dict[str, Any] = {"title": f"Task {number}", "status": statuses[number % 4]}
        if number % 5 == 0:
            body["labels"] = ["bench"]
        task = await post(f"/api/v1/projects/{project['id']}/tasks", body)
        if number % 10 == 0 and previous:
            await post(
                f"/api/v1/tasks/{task['id']}/dependencies", {"depends_on_id": previous["id"]}
            )
        if number == 40:  # todo, with a label and a dependency
            chosen = task["id"]
        previous = task
    return project["id"], chosen


async def _measure(app: Asgi, request: tuple[str, str, list[Any]], count: int) -> float:
    """CPU µs per request over `count` requests."""
    method, path, headers = request
    started = time.process_time()
    for _ in range(count):
        status, body = await call(app, method, path, headers)
        if status != 200:
            raise RuntimeError(f"{method} {path}: {status} {body[:300]!r}")
    return (time.process_time() - started) / count * 1e6


async def main() -> None:
    """Set up, then measure each route of each app."""
    args = parse_args()
    await _ensure_database(args.postgres, args.database)
    import reference_app
    from smarttask.app import create_app
    from smarttask.db.migrate import upgrade
    from smarttask.settings import Settings

    url = f"{args.postgres}/{args.database}".replace("postgresql://", "postgresql+asyncpg://")
    await asyncio.to_thread(upgrade, url)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, rate_limit_enabled=False, log_level="WARNING"
    )
    app = create_app(settings)
    status, _ = await call(app, "POST", "/api/v1/counters/bench/increment", [])
    assert status == 200
    access, api_token = await _credentials(app)
    project_id, task_id = await _tasks(app, access)
    bearer_header = [(b"authorization", f"Bearer {access}".encode())]
    task_get = ("GET", f"/api/v1/tasks/{task_id}", bearer_header)
    task_list = ("GET", f"/api/v1/projects/{project_id}/tasks?status=todo&limit=20", bearer_header)

    os.environ[reference_app.DSN_ENV] = f"{args.postgres}/{args.database}"
    routes: dict[str, tuple[Asgi, tuple[str, str, list[Any]]]] = {
        "live": (app, ("GET", "/health/live", [])),
        "counter-get": (app, ("GET", "/api/v1/counters/bench", [])),
        "counter-post": (app, ("POST", "/api/v1/counters/bench/increment", [])),
        "me-access": (
            app,
            ("GET", "/api/v1/users/me", [(b"authorization", f"Bearer {access}".encode())]),
        ),
        "me-apitoken": (
            app,
            ("GET", "/api/v1/users/me", [(b"authorization", f"Bearer {api_token}".encode())]),
        ),
        "task-get": (app, task_get),
        "task-list": (app, task_list),
        "ref-task-get": (reference_app.app, task_get),
        "ref-task-list": (reference_app.app, task_list),
        "ref-get": (reference_app.app, ("GET", "/api/v1/counters/bench", [])),
        "ref-post": (reference_app.app, ("POST", "/api/v1/counters/bench/increment", [])),
    }
    if args.only:
        wanted = args.only.split(",")
        routes = {k: v for k, v in routes.items() if k in wanted}
    async with reference_app.lifespan(reference_app.app):
        for target, request in routes.values():
            await _measure(target, request, 200)  # warm-up
        if args.calls:
            for label, (target, request) in routes.items():
                profiler = cProfile.Profile()
                profiler.enable()
                await _measure(target, request, args.requests)
                profiler.disable()
                counted = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
                calls = sum(entry[1] for entry in counted.values())
                print(f"{label:12} {calls / args.requests:7.1f} function calls/request")
        elif args.profile:
            target, request = routes[args.profile]
            profiler = cProfile.Profile(time.process_time)  # CPU time, not wall time
            profiler.enable()
            await _measure(target, request, args.requests)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(45)
            print(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
            print(out.getvalue())
        else:
            figures: dict[str, list[float]] = {label: [] for label in routes}
            for _ in range(args.rounds):
                for label, (target, request) in routes.items():
                    figures[label].append(await _measure(target, request, args.requests))
            for label, values in figures.items():
                rounded = ", ".join(f"{v:.0f}" for v in values)
                print(f"{label:12} {statistics.median(values):7.0f} µs CPU/request  ({rounded})")
    await app.state.database.dispose()


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
