"""The floor of smarttask's stack: what a handler or a worker holds before any of its own code.

Issue 20 asks for a Lambda handler's peak memory after 1,000 events at most 60 MiB and a
server worker's after 10,000 requests at most 80 MiB. This measures the same figures for
the smallest application that could serve those requests on the same libraries: FastAPI
routes at smarttask's paths with pydantic bodies, answering every request with a constant;
behind them only imports and an engine (SQLAlchemy Core, or its ORM too, and the database
driver with its dialect). No statement runs, no setting is read, none of smarttask's modules
is imported. Whatever smarttask does, it does on top of this, so each figure is a lower bound
of smarttask's own.

- handler: Mangum over that app, in a fresh interpreter that imports only json, sys and time
  first (as bench/lambda_cold_start.py's children do), answering a first task read and then
  --events events of the same mix as bench/lambda_cold_start.py (health, counter increment and
  read, task read, create and update in turn); its CPU time to the first answer over
  `import fastapi`'s, and its VmHWM.
- worker: uvicorn with --workers 2 serving that app; wrk sends the four task writes of
  bench/writes_load.py (with bodies) in turn until the workers answered --requests; the VmHWM
  of each worker.

    .venv/bin/python bench/memory_floor.py [--repeat 5] [--events 1000] [--requests 10000]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lambda_cold_start import _FASTAPI_CHILD, HANDLER_TEMPLATE, _run_child, http_event
from loadgen import run_wrk_script
from procinfo import machine_line, mib, status_kib, uvicorn_workers

HANDLER_TARGET_MIB = 60
WORKER_TARGET_MIB = 80

# What each kind of floor imports and builds besides FastAPI and its adapter.
STACKS = {
    "FastAPI alone": "",
    "+ SQLAlchemy Core, aiosqlite": (
        "import sqlalchemy\nsqlalchemy.create_engine('sqlite+aiosqlite:///floor.db')\n"
    ),
    "+ SQLAlchemy Core, asyncpg": (
        "import sqlalchemy\n"
        "sqlalchemy.create_engine('postgresql+asyncpg://floor@127.0.0.1/floor')\n"
    ),
    "+ SQLAlchemy ORM, asyncpg": (
        "import sqlalchemy, sqlalchemy.orm, sqlalchemy.ext.asyncio\n"
        "sqlalchemy.ext.asyncio.create_async_engine('postgresql+asyncpg://floor@127.0.0.1/floor')\n"
    ),
}

# The routes smarttask's benchmarks call, each answering a constant.
_APP = """
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
TASK = {"id": "t", "key": "WEB-1", "title": "Floor", "status": "todo", "version": 1}


class TaskCreate(BaseModel):
    title: str
    description: str | None = None


class TaskChange(BaseModel):
    title: str | None = None
    priority: str | None = None
    status: str | None = None


class CommentCreate(BaseModel):
    body: str


@app.get("/health/live")
async def live():
    return {"status": "ok"}


@app.post("/api/v1/counters/{name}/increment")
async def increment(name: str):
    return {"name": name, "value": 1}


@app.get("/api/v1/counters/{name}")
async def counter(name: str):
    return {"name": name, "value": 1}


@app.get("/api/v1/tasks/{task_id}")
async def read(task_id: str):
    return TASK


@app.post("/api/v1/projects/{project_id}/tasks", status_code=201)
async def create(project_id: str, body: TaskCreate):
    return TASK | {"title": body.title}


@app.patch("/api/v1/tasks/{task_id}")
async def change(task_id: str, body: TaskChange):
    return TASK | body.model_dump(exclude_none=True)


@app.post("/api/v1/tasks/{task_id}/comments", status_code=201)
async def comment(task_id: str, body: CommentCreate):
    return {"id": "c", "task_id": task_id, "body": body.body}
"""

_HANDLER_CHILD = HANDLER_TEMPLATE.replace(
    "IMPORT", 'STACK\nAPP\nfrom mangum import Mangum\nhandler = Mangum(app, lifespan="off")'
)

# The four writes of bench/writes_load.py in turn, with bodies and headers as a client sends.
_WRITES_LUA = """
local counter = 0
local writes = {
  {"POST", "/api/v1/projects/p/tasks", '{"title": "A task", "description": "From wrk."}'},
  {"PATCH", "/api/v1/tasks/t", '{"title": "Renamed"}'},
  {"POST", "/api/v1/tasks/t/comments", '{"body": "A comment."}'},
  {"PATCH", "/api/v1/tasks/t", '{"status": "done"}'},
}
request = function()
  counter = counter + 1
  local write = writes[(counter % #writes) + 1]
  local headers = {
    ["Authorization"] = "Bearer floor", ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "floor-" .. counter, ["If-Match"] = '"1"',
  }
  return wrk.format(write[1], write[2], headers, write[3])
end
"""


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per handler figure")
    parser.add_argument("--events", type=int, default=1000, help="events for the handler's peak")
    parser.add_argument("--requests", type=int, default=10000, help="requests for the workers'")
    parser.add_argument("--port", type=int, default=18151, help="port of the floor server")
    return parser.parse_args()


def handler_events(count: int) -> list[dict[str, Any]]:
    """A first task read, then `count` events of bench/lambda_cold_start.py's mix."""
    token = {"authorization": "Bearer floor"}
    mix = [
        http_event("GET", "/health/live"),
        http_event("POST", "/api/v1/counters/x/increment"),
        http_event("GET", "/api/v1/counters/x"),
        http_event("GET", "/api/v1/tasks/t", headers=token),
        http_event(
            "POST",
            "/api/v1/projects/p/tasks",
            headers=token,
            body={"title": "A first write", "description": "From a cold container."},
        ),
        http_event("PATCH", "/api/v1/tasks/t", headers=token, body={"title": "Edited"}),
    ]
    return [mix[3]] + [mix[i % len(mix)] for i in range(count)]


def measure_handlers(args: argparse.Namespace, tmp: Path) -> None:
    """Each stack's handler: CPU ratio of a first task read, VmHWM after the events."""
    events = handler_events(args.events)
    env = dict(os.environ)
    children = {
        name: _HANDLER_CHILD.replace("STACK", stack).replace("APP", _APP)
        for name, stack in STACKS.items()
    }
    base: list[float] = []
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in children}
    for _ in range(args.repeat):  # interleaved, so that drift affects every kind alike
        base.append(_run_child(_FASTAPI_CHILD, [], env, tmp)[0]["cpu"])
        for name, code in children.items():
            runs[name].append(_run_child(code, events, env, tmp)[0])
    base_cpu = statistics.median(base)
    print(
        f"\nhandler (Mangum), median of {args.repeat} fresh processes; `import fastapi` "
        f"{base_cpu * 1000:.1f} ms of CPU"
    )
    print(f"  {'floor':<32} first task read: CPU, ratio   VmHWM first / after {args.events}")
    for name, results in runs.items():
        cpu = statistics.median(r["cpu"] for r in results)
        first = statistics.median(r["hwm_first_kib"] for r in results)
        after = statistics.median(r["hwm_kib"] for r in results)
        print(
            f"  {name:<32} {cpu * 1000:8.1f} ms {cpu / base_cpu:6.2f}   "
            f"{mib(first):>10} / {mib(after):>10}   statuses {results[0]['statuses']}"
        )
    print(
        f"  (the targets: CPU ratio <= 2.0, VmHWM after 1,000 events <= {HANDLER_TARGET_MIB} MiB)"
    )


def measure_workers(args: argparse.Namespace, tmp: Path) -> None:
    """Each stack's uvicorn workers after `--requests` writes: their VmHWM."""
    print(
        f"\nserver (uvicorn, 2 workers), the four writes in turn, {args.requests} requests or more"
    )
    for name, stack in STACKS.items():
        module = tmp / "floor_server.py"
        module.write_text(stack + _APP)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "floor_server:app",
                "--workers",
                "2",
                "--port",
                str(args.port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=tmp,
            env={**os.environ, "PYTHONPATH": str(tmp)},
        )
        try:
            time.sleep(3)
            served = 0
            while served < args.requests:
                load = run_wrk_script(
                    f"http://127.0.0.1:{args.port}/",
                    _WRITES_LUA,
                    seconds=2,
                    connections=16,
                    threads=2,
                    lua=tmp / "floor.lua",
                )
                if load.non_2xx or load.errors:
                    raise SystemExit(f"{name}: {load.non_2xx} non-2xx, {load.errors} errors")
                served += load.requests
            peaks = [status_kib(pid, "VmHWM") for pid in uvicorn_workers(server.pid)]
            print(
                f"  {name:<32} {served:>7} requests   peak max {mib(max(peaks))}   "
                f"(workers: {', '.join(mib(p) for p in peaks)})"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"  (the target: a worker's VmHWM after 10,000 requests <= {WORKER_TARGET_MIB} MiB)")


def main() -> int:
    """Measure and print."""
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print(f"{machine_line()}; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="smarttask-floor-") as directory:
        tmp = Path(directory)
        measure_handlers(args, tmp)
        measure_workers(args, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
