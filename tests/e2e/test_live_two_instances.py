"""Two `smarttask serve` processes on one PostgreSQL database: a client subscribed to instance
A receives, in order and exactly once, the events of writes made through instance B (the
hub's LISTEN on `smarttask_events`), and after a disconnect resumes with Last-Event-ID
without missing any."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from smarttask.db.migrate import upgrade
from tests.support import (
    TEST_SECRET_KEY,
    create_postgres_database,
    drop_postgres_database,
    free_port,
)
from tests.support.sse import open_stream
from tests.support.tasks import new_board, new_task

pytestmark = pytest.mark.postgres_only

API = "/api/v1"


async def _ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):  # up to a minute
            if process.poll() is not None:
                raise RuntimeError(f"smarttask serve exited:\n{log.read_text()[-4000:]}")
            try:
                if (await http.get(f"{base_url}/health/live", timeout=2)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"smarttask serve did not start:\n{log.read_text()[-4000:]}")


@asynccontextmanager
async def instance(database_url: str, directory: Path) -> AsyncIterator[str]:
    """One `smarttask serve` process on the shared database; its base URL."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTASK_")}
    env.update(
        {
            "SMARTTASK_DATABASE_URL": database_url,
            "SMARTTASK_SECRET_KEY": TEST_SECRET_KEY,
            "SMARTTASK_DATA_DIR": str(directory),
            "SMARTTASK_LOG_LEVEL": "WARNING",
            "SMARTTASK_RATE_LIMIT_ENABLED": "false",
            "SMARTTASK_WORKER_IN_PROCESS": "false",
            "SMARTTASK_DB_POOL_SIZE": "4",
            "SMARTTASK_DB_MAX_OVERFLOW": "4",
            "SMARTTASK_EVENT_HEARTBEAT_SECONDS": "1",
        }
    )
    log = directory / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "smarttask.entrypoints.cli", "serve", "--port", str(port)],
            cwd=directory,
            env=env,
            stdout=out,
            stderr=out,
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        await _ready(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, 20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
async def two_instances(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """Instances A and B of one fresh PostgreSQL database."""
    url, name = await create_postgres_database()
    try:
        await asyncio.to_thread(upgrade, url)
        async with instance(url, tmp_path / "a") as a, instance(url, tmp_path / "b") as b:
            yield a, b
    finally:
        await drop_postgres_database(name)


async def test_a_subscriber_of_one_instance_gets_the_other_instances_writes(
    two_instances: tuple[str, str],
) -> None:
    a_url, b_url = two_instances
    async with (
        httpx.AsyncClient(base_url=a_url, timeout=30) as a,
        httpx.AsyncClient(base_url=b_url, timeout=30) as b,
    ):
        board = await new_board(b)
        task = await new_task(b, board, title="Start")
        url = f"{API}/workspaces/{board.workspace_id}/events/stream"
        async with open_stream(a, url, board.viewer.headers, after=0) as stream:
            first = await stream.next()
            assert (first.id, first.event) == ("1", "task.created")
            # Writes through B, some of them concurrent.
            for number in range(5):
                response = await b.patch(
                    f"{API}/tasks/{task['id']}",
                    json={"title": f"From B {number}"},
                    headers=board.member.headers,
                )
                assert response.status_code == 200, response.text
            others = [await new_task(b, board, title=f"Other {n}") for n in range(3)]
            results = await asyncio.gather(
                *(
                    b.patch(
                        f"{API}/tasks/{other['id']}",
                        json={"status": "in_progress"},
                        headers=board.owner.headers,
                    )
                    for other in others
                )
            )
            assert all(result.status_code == 200 for result in results)
            frames = await stream.take(11)
            assert [int(frame.id or 0) for frame in frames] == list(range(2, 13))
            titles = [frame.json["data"]["task"]["title"] for frame in frames[:5]]
            assert titles == [f"From B {n}" for n in range(5)]
            assert await stream.quiet(0.5) == []
            last = frames[-1].id

        # Disconnected: B keeps writing; A's reconnect with Last-Event-ID misses nothing.
        for number in range(4):
            response = await b.patch(
                f"{API}/tasks/{task['id']}",
                json={"title": f"While away {number}"},
                headers=board.member.headers,
            )
            assert response.status_code == 200, response.text
        headers = {**board.viewer.headers, "Last-Event-ID": str(last)}
        async with open_stream(a, url, headers) as stream:
            missed = await stream.take(4)
            assert [int(frame.id or 0) for frame in missed] == [13, 14, 15, 16]
            response = await b.patch(
                f"{API}/tasks/{task['id']}", json={"title": "Live"}, headers=board.member.headers
            )
            assert response.status_code == 200
            live = await stream.next()
            assert (live.id, live.json["data"]["task"]["title"]) == ("17", "Live")
            assert await stream.quiet(0.5) == []
        # And the other way round: B's subscriber hears A's writes.
        async with open_stream(b, url, board.owner.headers) as stream:
            response = await a.patch(
                f"{API}/tasks/{task['id']}", json={"title": "From A"}, headers=board.member.headers
            )
            assert response.status_code == 200
            frame = await stream.next()
            assert (frame.id, frame.json["data"]["task"]["title"]) == ("18", "From A")
