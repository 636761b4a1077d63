"""Exactness across processes: 8 processes x 500 increments end at exactly 4,000."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

PROCESSES = 8
INCREMENTS = 500


async def test_eight_processes_end_exactly_at_4000(
    database_url: str, clean_database: None, client_with: Any, repo_root: Path
) -> None:
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.support.increment_worker",
            database_url,
            "shared",
            str(INCREMENTS),
            "4",
            cwd=repo_root,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(PROCESSES)
    ]
    outputs = await asyncio.gather(*(p.communicate() for p in procs))
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()[-2000:]
        assert int(out.decode().strip().splitlines()[-1]) == INCREMENTS, err.decode()[-2000:]
    client = await client_with()
    response = await client.get("/api/v1/counters/shared")
    assert response.json()["value"] == PROCESSES * INCREMENTS
