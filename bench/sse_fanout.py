"""Live event fan-out: S concurrent SSE subscribers on one server worker, PostgreSQL.

On a PostgreSQL database created afresh, one `smarttask serve` process (uvicorn, one worker,
no in-process job runner) serves U users of one workspace. S subscribers (raw HTTP/1.1
connections, S/U per user, opened in waves of 100) open
`GET /api/v1/workspaces/{id}/events/stream`; then a writer
changes a task's title through the API at a steady rate R for D seconds. Each delivered
event's delay is the subscriber's receive time minus the event's `created_at` (stamped
just before its commit, on the same machine's clock). Printed: deliveries (expected and
received, duplicates, gaps), delay p50/p90/p99/max, the writes' own latency, and the
worker's resident memory before and after the subscribers connected.

    .venv/bin/python bench/sse_fanout.py [--subscribers 1000] [--users 40] [--rate 10] \
        [--seconds 20]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from procinfo import status_kib  # noqa: E402

ADMIN_DSN = os.environ.get(
    "SMARTTASK_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "bench-harbour-lantern-2026"


async def create_database() -> tuple[str, str]:
    """A fresh database; its SQLAlchemy URL and its name."""
    name = f"smarttask_bench_sse_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    return dsn.replace("postgresql://", "postgresql+asyncpg://", 1), name


async def drop_database(name: str) -> None:
    """Drop the benchmark's database."""
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def free_port() -> int:
    """An unused local port."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_server(url: str, port: int, directory: str) -> subprocess.Popen[bytes]:
    """One `smarttask serve` worker process, ready."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTASK_")}
    env.update(
        {
            "SMARTTASK_DATABASE_URL": url,
            "SMARTTASK_SECRET_KEY": "bench-" + "k" * 40,
            "SMARTTASK_DATA_DIR": directory,
            "SMARTTASK_LOG_LEVEL": "WARNING",
            "SMARTTASK_RATE_LIMIT_ENABLED": "false",
            "SMARTTASK_WORKER_IN_PROCESS": "false",
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "smarttask.entrypoints.cli", "serve", "--port", str(port),
         "--workers", "1"],
        cwd=directory, env=env,
    )  # fmt: skip
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                if (await http.get(f"http://127.0.0.1:{port}/health/live")).status_code == 200:
                    return process
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start")


async def setup(base: str, users: int) -> tuple[str, str, list[str]]:
    """A workspace with `users` members and one task; its id, the task's, the tokens."""
    tokens = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for number in range(users):
            email = f"sub{number}-{uuid.uuid4().hex[:6]}@example.com"
            await http.post(
                "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "S"}
            )
            login = await http.post(
                "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
            )
            tokens.append(login.json()["access_token"])
        owner = {"Authorization": f"Bearer {tokens[0]}"}
        workspace = (
            await http.post("/api/v1/workspaces", json={"name": "Bench"}, headers=owner)
        ).json()
        me = await http.get("/api/v1/users/me", headers=owner)
        del me
        for token in tokens[1:]:
            who = (
                await http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
            ).json()
            await http.post(
                f"/api/v1/workspaces/{workspace['id']}/members",
                json={"email": who["email"], "role": "viewer"},
                headers=owner,
            )
        project = (
            await http.post(
                f"/api/v1/workspaces/{workspace['id']}/projects",
                json={"name": "Bench", "key": "BEN"},
                headers=owner,
            )
        ).json()
        task = (
            await http.post(
                f"/api/v1/projects/{project['id']}/tasks", json={"title": "t"}, headers=owner
            )
        ).json()
    return workspace["id"], task["id"], tokens


class Subscriber:
    """One raw HTTP/1.1 SSE connection, recording (event number, delay) as events arrive."""

    def __init__(self) -> None:
        self.received: list[tuple[int, float]] = []
        self.ready = asyncio.Event()

    async def run(self, port: int, path: str, token: str, stop: asyncio.Event) -> None:
        """Connect, then read events until told to stop."""
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                f"Authorization: Bearer {token}\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"subscribe failed: {status!r}")
        number = None
        try:
            while not stop.is_set():
                line = await reader.readline()
                if not line:
                    break
                if line.startswith(b":"):  # the "connected" comment: the stream is on
                    self.ready.set()
                elif line.startswith(b"id:"):
                    number = int(line[3:].strip())
                elif line.startswith(b"data:") and number is not None:
                    now = time.time()
                    created = json.loads(line[5:])["created_at"]
                    stamp = datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp()
                    self.received.append((number, now - stamp))
        finally:
            writer.close()


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values are."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def bench(args: argparse.Namespace) -> None:
    """Run the benchmark and print its figures."""
    url, name = await create_database()
    directory = tempfile.mkdtemp(prefix="smarttask-sse-")
    process = None
    try:
        from smarttask.db.migrate import upgrade

        await asyncio.to_thread(upgrade, url)
        port = free_port()
        process = await start_server(url, port, directory)
        base = f"http://127.0.0.1:{port}"
        workspace_id, task_id, tokens = await setup(base, args.users)
        rss_before = status_kib(process.pid, "VmRSS")
        stop = asyncio.Event()
        path = f"/api/v1/workspaces/{workspace_id}/events/stream"
        subscribers = [Subscriber() for _ in range(args.subscribers)]
        started = time.perf_counter()
        tasks = []
        # In waves of 100 (each subscribe reads the caller and the membership on a pooled
        # connection before the stream gives it back; 1,000 at once would queue on the pool).
        for wave in range(0, len(subscribers), 100):
            batch = list(enumerate(subscribers))[wave : wave + 100]
            tasks += [
                asyncio.create_task(sub.run(port, path, tokens[n % len(tokens)], stop))
                for n, sub in batch
            ]
            await asyncio.wait_for(asyncio.gather(*(sub.ready.wait() for _, sub in batch)), 120)
        connect_seconds = time.perf_counter() - started
        await asyncio.sleep(2)  # let the worker settle before measuring
        rss_after = status_kib(process.pid, "VmRSS")

        writes = int(args.rate * args.seconds)
        latencies = []
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            headers = {"Authorization": f"Bearer {tokens[0]}"}
            begin = time.perf_counter()
            for number in range(writes):
                due = begin + number / args.rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                sent = time.perf_counter()
                response = await http.patch(
                    f"/api/v1/tasks/{task_id}", json={"title": f"w{number}"}, headers=headers
                )
                latencies.append(time.perf_counter() - sent)
                assert response.status_code == 200, response.text
        expected = writes * len(subscribers)
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            if sum(len(sub.received) for sub in subscribers) >= expected:
                break
            await asyncio.sleep(0.1)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

        delays = [delay for sub in subscribers for _, delay in sub.received]
        duplicates = sum(
            len(sub.received) - len({n for n, _ in sub.received}) for sub in subscribers
        )
        out_of_order = sum(
            any(a[0] >= b[0] for a, b in zip(sub.received, sub.received[1:], strict=False))
            for sub in subscribers
        )
        print(f"subscribers: {len(subscribers)} on one worker ({args.users} users), "
              f"connected in {connect_seconds:.2f} s")  # fmt: skip
        print(f"writes: {writes} at {args.rate}/s through the API; write latency "
              f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
              f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms")  # fmt: skip
        print(f"deliveries: {len(delays)} of {expected} expected; duplicates {duplicates}; "
              f"subscribers out of order {out_of_order}")  # fmt: skip
        if delays:
            print(
                "commit-to-delivery delay: "
                f"p50 {percentile(delays, 0.5) * 1000:.1f} ms, "
                f"p90 {percentile(delays, 0.9) * 1000:.1f} ms, "
                f"p99 {percentile(delays, 0.99) * 1000:.1f} ms, "
                f"max {max(delays) * 1000:.1f} ms, mean {statistics.fmean(delays) * 1000:.1f} ms"
            )
        print(f"worker RSS: {rss_before / 1024:.1f} MiB before subscribing, "
              f"{rss_after / 1024:.1f} MiB with {len(subscribers)} subscribers "
              f"(+{(rss_after - rss_before) / len(subscribers):.1f} KiB each)")  # fmt: skip
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        await drop_database(name)


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--rate", type=float, default=10.0, help="writes per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
