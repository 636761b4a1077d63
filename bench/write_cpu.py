"""CPU time per task write in process: the four writes of bench/writes_load.py, no network.

On a fresh PostgreSQL database (migrated), one app (httpx's ASGI transport: the client's
CPU is counted too, the same for every tree), one account, a workspace, a project, a task;
then, per write, 100 writes of warm-up and `--writes` measured ones:

- task update: `PATCH /api/v1/tasks/{id}` with a new title and `If-Match`;
- status change: `PATCH` with `todo` and `in_progress` in turn and `If-Match`;
- task create: `POST /api/v1/projects/{id}/tasks` with a title, a priority and a new
  `Idempotency-Key`;
- comment create: `POST /api/v1/tasks/{id}/comments` with a new `Idempotency-Key`.

Prints the process's CPU time and the wall time per write. To compare two trees, run it
with each on `PYTHONPATH`, in turn, several times (the machine's drift weighs on both):

    .venv/bin/python bench/write_cpu.py [--writes 600] [--only update,status,create,comment]
    git archive <commit> src | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before/src .venv/bin/python bench/write_cpu.py

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable

import httpx

from write_cost import create_postgres, drop_postgres, seed

WRITES = ("update", "status", "create", "comment")


async def _writer(http: httpx.AsyncClient, kind: str) -> Callable[[int], Awaitable[None]]:
    """A function that sends the i-th write of this kind (its own account and task)."""
    headers, project, task = await seed(http)
    version = task["version"]

    async def write(i: int) -> None:
        nonlocal version
        keyed = headers | {"Idempotency-Key": uuid.uuid4().hex}
        current = headers | {"If-Match": f'"{version}"'}
        if kind == "update":
            body = {"title": f"t{i}"}
            answer = await http.patch(f"/api/v1/tasks/{task['id']}", json=body, headers=current)
            version = answer.json()["version"]
        elif kind == "status":
            body = {"status": ("todo", "in_progress")[i % 2]}
            answer = await http.patch(f"/api/v1/tasks/{task['id']}", json=body, headers=current)
            version = answer.json()["version"]
        elif kind == "create":
            body = {"title": f"c{i}", "priority": "high"}
            url = f"/api/v1/projects/{project['id']}/tasks"
            answer = await http.post(url, json=body, headers=keyed)
        else:
            url = f"/api/v1/tasks/{task['id']}/comments"
            answer = await http.post(url, json={"body": f"c{i}"}, headers=keyed)
        assert answer.status_code < 300, answer.text

    return write


async def main_async(args: argparse.Namespace) -> None:
    """Set up, then measure each write in turn."""
    url, name = await create_postgres()
    try:
        from smarttask.app import create_app
        from smarttask.db.migrate import upgrade
        from smarttask.settings import Settings

        await asyncio.to_thread(upgrade, url)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=url,
            secret_key="bench-" + "k" * 40,
            data_dir=tempfile.mkdtemp(prefix="smarttask-wcpu-"),
            rate_limit_enabled=False,
            log_level="WARNING",
            worker_in_process=False,
        )
        app = create_app(settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            for kind in args.only.split(","):
                write = await _writer(http, kind)
                for i in range(100):
                    await write(i)
                started, cpu = time.perf_counter(), time.process_time()
                for i in range(100, 100 + args.writes):
                    await write(i)
                cpu = (time.process_time() - cpu) / args.writes * 1e6
                wall = (time.perf_counter() - started) / args.writes * 1e6
                print(f"{kind:8s} {cpu:7.0f} µs CPU per write  {wall:7.0f} µs wall", flush=True)
        await app.state.database.dispose()
    finally:
        await drop_postgres(name)


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=600)
    parser.add_argument("--only", default=",".join(WRITES))
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
