"""`smarttask analytics rebuild` through the real command line, on the demo data."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

SMARTTASK = [sys.executable, "-m", "smarttask.entrypoints.cli"]
TABLES = ("analytics_day", "analytics_now", "analytics_completion")


def _run(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMARTTASK_DATABASE_URL": database_url}
    return subprocess.run(
        [*SMARTTASK, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def _aggregates(path: Path) -> list[list[tuple[object, ...]]]:
    with sqlite3.connect(path) as connection:
        return [
            sorted(row for row in connection.execute(f"SELECT * FROM {table}") if any(row[-6:]))
            for table in TABLES
        ]


def test_rebuild_recounts_the_same_aggregates_with_a_progress_bar(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    url = f"sqlite+aiosqlite:///{path}"
    assert _run(["demo", "--tasks", "300"], url, tmp_path).returncode == 0
    before = _aggregates(path)
    assert before[0]  # the demo's tasks were given a history
    with sqlite3.connect(path) as connection:  # drift planted by hand: the rebuild repairs it
        connection.execute("UPDATE analytics_now SET tasks = tasks + 5")
        connection.execute("DELETE FROM analytics_completion")
    rebuilt = _run(["analytics", "rebuild"], url, tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert re.search(
        r"rebuilt the aggregates of 1 workspaces from the facts of 300 tasks", rebuilt.stdout
    )
    assert re.search(r"workspace 1/1 \[#+\] 300/300", rebuilt.stderr), rebuilt.stderr
    assert _aggregates(path) == before
    missing = _run(["analytics", "rebuild", "--workspace", "nope"], url, tmp_path)
    assert missing.returncode == 1
    assert "no such workspace" in missing.stderr
