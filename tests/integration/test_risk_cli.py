"""`smarttask ai backtest` and `smarttask ai rescore` through the real command line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SMARTTASK = [sys.executable, "-m", "smarttask.entrypoints.cli"]


def _run(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMARTTASK_DATABASE_URL": database_url}
    return subprocess.run(
        [*SMARTTASK, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def _auc(output: str, which: str) -> float:
    found = re.search(rf"{which}\s+AUC (\d\.\d+)\s+Brier (\d\.\d+)", output)
    assert found, output
    return float(found.group(1))


def test_backtest_and_rescore_run_on_the_demo_data(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/demo.db"
    assert _run(["demo", "--tasks", "200"], url, tmp_path).returncode == 0
    backtest = _run(["ai", "backtest"], url, tmp_path)
    assert backtest.returncode == 0, backtest.stderr
    assert "Acme Inc." in backtest.stdout
    assert 0.5 <= _auc(backtest.stdout, "default") <= 1
    assert 0 <= _auc(backtest.stdout, "trained") <= 1
    assert "SMARTTASK_RISK_MIN_TRAINING_TASKS" in backtest.stdout  # 200 tasks are too few
    rescore = _run(["ai", "rescore"], url, tmp_path)
    assert rescore.returncode == 0, rescore.stderr
    # The demo scored its tasks when it loaded them: nothing changes at the same moment... almost
    # (time moved on a little), and the progress bar ran to its end.
    assert re.search(r"rescored (\d+) tasks", rescore.stdout)
    assert re.search(r"tasks \[#+\] (\d+)/\1", rescore.stderr), rescore.stderr
    missing = _run(["ai", "backtest", "--workspace", "nope"], url, tmp_path)
    assert missing.returncode == 1
    assert "no such workspace" in missing.stderr


def test_backtest_on_a_synthetic_history_shows_the_trained_model_winning(tmp_path: Path) -> None:
    result = _run(
        ["ai", "backtest", "--synthetic", "2000"], "sqlite+aiosqlite:///unused.db", tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert _auc(result.stdout, "trained") > _auc(result.stdout, "default")
    assert "beats the default" in result.stdout
