"""`smarttask jobs list` and `smarttask jobs retry`, on a database with dead and done jobs."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smarttask.db.engine import Database
from smarttask.entrypoints.cli import main
from smarttask.jobs.registry import JobContext, JobSet, PermanentFailure
from smarttask.jobs.worker import Worker
from smarttask.settings import get_settings
from tests.support import job_registry
from tests.support.jobs import add_jobs, all_jobs, job_settings

registry = JobSet()


@registry.handler("test.cli.doomed")
async def doomed(_context: JobContext, _payload: dict[str, Any]) -> None:
    raise PermanentFailure("cannot work")


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, clean_database: None
) -> Iterator[None]:
    """The command line configured by environment, as an operator runs it."""
    for name in list(os.environ):
        if name.startswith("SMARTTASK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMARTTASK_DATABASE_URL", database_url)
    monkeypatch.setenv("SMARTTASK_AUTO_MIGRATE", "false")
    monkeypatch.setenv("SMARTTASK_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def prepare(database_url: str) -> tuple[list[str], list[str]]:
    """Two dead jobs and one done job; (dead ids, done ids)."""

    async def run() -> tuple[list[str], list[str]]:
        settings = job_settings(database_url)
        database = Database(settings.database, jobs=settings.jobs)
        try:
            dead = await add_jobs(database, "test.cli.doomed", [{}, {}])
            done = await add_jobs(database, "jobs.noop", [{}])
            await Worker(database, settings, job_registry(registry)).drain()
            return dead, done
        finally:
            await database.dispose()

    return asyncio.run(run())


def states(database_url: str) -> dict[str, tuple[str, int]]:
    """(state, attempts) of every job."""

    async def run() -> dict[str, tuple[str, int]]:
        database = Database(job_settings(database_url).database)
        try:
            return {j.id: (j.state, j.attempts) for j in await all_jobs(database)}
        finally:
            await database.dispose()

    return asyncio.run(run())


def test_jobs_list_shows_jobs_and_filters_by_state(
    cli_env: None, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dead, done = prepare(database_url)
    assert main(["jobs", "list"]) == 0
    everything = capsys.readouterr().out
    assert all(job_id in everything for job_id in dead + done)
    assert main(["jobs", "list", "--state", "dead"]) == 0
    listed = capsys.readouterr().out
    assert all(job_id in listed for job_id in dead)
    assert done[0] not in listed
    assert "PermanentFailure: cannot work" in listed
    assert "1/5" in listed


def test_jobs_retry_requeues_dead_jobs_with_attempts_reset(
    cli_env: None, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dead, done = prepare(database_url)
    assert main(["jobs", "retry", dead[0]]) == 0
    assert capsys.readouterr().out.split() == [dead[0]]
    after = states(database_url)
    assert after[dead[0]] == ("queued", 0)
    assert after[dead[1]] == ("dead", 1)

    assert main(["jobs", "retry", done[0]]) == 1  # not dead: refused, nothing changes
    assert "not dead" in capsys.readouterr().err
    assert states(database_url)[done[0]] == ("done", 1)

    assert main(["jobs", "retry", "--all-dead"]) == 0
    assert capsys.readouterr().out.split() == [dead[1]]
    assert states(database_url)[dead[1]] == ("queued", 0)
    assert main(["jobs", "retry"]) == 2  # neither ids nor --all-dead
