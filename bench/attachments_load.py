"""Benchmark of attachments on the local store: a 100 MiB upload and download through a real
`smarttask serve`, with the server's memory sampled throughout (it must stay flat: the bytes
are streamed to and from disk, never buffered).

    .venv/bin/python bench/attachments_load.py [--mib 100] [--chunk-kib 1024]

A fresh SQLite database and object folder in a temporary directory; one uvicorn worker;
SMARTTASK_ATTACHMENT_MAX_BYTES raised to fit the file. Prints throughput, the server's
VmRSS and VmHWM (peak resident set) before and after, and the highest RSS sampled every
20 ms. It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from http_load import _stop, _wait_ready
from procinfo import machine, mib, status_kib

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BIN = Path(sys.executable).parent
PASSWORD = "blue-harbour-lantern-42"


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=100, help="size of the file in MiB")
    parser.add_argument("--chunk-kib", type=int, default=1024, help="client chunk size in KiB")
    return parser.parse_args()


def free_port() -> int:
    """A port the kernel just handed out (bound to 0, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RssSampler(threading.Thread):
    """Samples a process's VmRSS every 20 ms; remembers the highest value."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        """Sample until stopped."""
        while self.running:
            self.peak = max(self.peak, status_kib(self.pid, "VmRSS"))
            time.sleep(0.02)


def memory(pid: int) -> str:
    """VmRSS and VmHWM of the server, printable."""
    return f"VmRSS {mib(status_kib(pid, 'VmRSS'))}, VmHWM {mib(status_kib(pid, 'VmHWM'))}"


async def body(total: int, chunk: int) -> AsyncIterator[bytes]:
    """`total` bytes in chunks: one random block, each copy stamped with its index."""
    block = bytearray(os.urandom(chunk))
    sent = 0
    while sent < total:
        size = min(chunk, total - sent)
        block[:8] = sent.to_bytes(8, "big")
        yield bytes(block[:size])
        sent += size


async def prepare(base: str) -> tuple[dict[str, str], str]:
    """A user, workspace, project and task through the API; (auth headers, task id)."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        email = f"bench-{os.getpid()}@example.com"
        account = {"email": email, "password": PASSWORD, "name": "Bench"}
        (await client.post("/api/v1/auth/register", json=account)).raise_for_status()
        login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.raise_for_status().json()['access_token']}"}
        workspace = await client.post("/api/v1/workspaces", json={"name": "B"}, headers=headers)
        project = await client.post(
            f"/api/v1/workspaces/{workspace.json()['id']}/projects",
            json={"name": "Bench", "key": "BEN"},
            headers=headers,
        )
        task = await client.post(
            f"/api/v1/projects/{project.json()['id']}/tasks", json={"title": "big"}, headers=headers
        )
        return headers, str(task.raise_for_status().json()["id"])


async def run(base: str, pid: int, total: int, chunk: int) -> None:
    """Declare, upload, complete, download; print the figures."""
    headers, task_id = await prepare(base)
    print(f"server before:   {memory(pid)}")
    sampler = RssSampler(pid)
    sampler.start()
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        created = await client.post(
            f"/api/v1/tasks/{task_id}/attachments",
            json={"filename": "big.bin", "content_type": "application/octet-stream", "size": total},
            headers=headers,
        )
        upload = created.raise_for_status().json()["upload"]
        sent_hash = hashlib.sha256()

        async def hashed() -> AsyncIterator[bytes]:
            async for part in body(total, chunk):
                sent_hash.update(part)
                yield part

        started = time.perf_counter()
        answer = await client.request(
            upload["method"], upload["url"], content=hashed(), headers=upload["headers"]
        )
        upload_seconds = time.perf_counter() - started
        answer.raise_for_status()
        done = await client.post(
            f"/api/v1/attachments/{created.json()['id']}/complete", headers=headers
        )
        download_url = done.raise_for_status().json()["download_url"]
        print(f"server after up: {memory(pid)}")
        received, got_hash = 0, hashlib.sha256()
        started = time.perf_counter()
        async with client.stream("GET", download_url) as download:
            download.raise_for_status()
            async for part in download.aiter_bytes():
                received += len(part)
                got_hash.update(part)
        download_seconds = time.perf_counter() - started
    sampler.running = False
    sampler.join()
    size_mib = total / 2**20
    print(f"server after:    {memory(pid)}")
    print(f"peak sampled RSS during the transfers: {mib(sampler.peak)}")
    print(
        f"upload:   {size_mib:.0f} MiB in {upload_seconds:.2f} s = "
        f"{size_mib / upload_seconds:.0f} MiB/s"
    )
    print(
        f"download: {received / 2**20:.0f} MiB in {download_seconds:.2f} s = "
        f"{received / 2**20 / download_seconds:.0f} MiB/s"
    )
    print(f"bytes identical: {sent_hash.hexdigest() == got_hash.hexdigest()}")


def main() -> None:
    """Start the server, run the transfers, stop the server."""
    args = parse_args()
    total, chunk = args.mib * 2**20, args.chunk_kib * 1024
    info = machine()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    with tempfile.TemporaryDirectory(prefix="smarttask-attachments-") as workdir:
        port = free_port()
        env = os.environ | {
            "SMARTTASK_DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/bench.db",
            "SMARTTASK_STORAGE_PATH": f"{workdir}/objects",
            "SMARTTASK_ATTACHMENT_MAX_BYTES": str(total),
            "SMARTTASK_WORKSPACE_STORAGE_QUOTA_BYTES": str(total * 2),
            "SMARTTASK_RATE_LIMIT_ENABLED": "false",
            "SMARTTASK_LOG_LEVEL": "WARNING",
            "SMARTTASK_ENV": "development",
            "SMARTTASK_PUBLIC_URL": f"http://127.0.0.1:{port}",  # the transfer URLs' address
        }
        command = [str(BIN / "smarttask"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        with (Path(workdir) / "server.log").open("wb") as log:
            process = subprocess.Popen(
                command,
                env=env,
                cwd=workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_ready(f"http://127.0.0.1:{port}/health/live", process)
            asyncio.run(run(f"http://127.0.0.1:{port}", process.pid, total, chunk))
        finally:
            _stop(process)


if __name__ == "__main__":
    main()
