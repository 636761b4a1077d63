"""Helpers of the job tests: a settable clock, settings, and reading jobs back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from smarttask.counters.models import Counter
from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.jobs.models import Job
from smarttask.jobs.queue import enqueue
from smarttask.settings import Settings
from tests.support import make_settings


@dataclass
class FakeClock:
    """A clock the test moves by hand; workers read `now` through it."""

    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance_to(self, moment: datetime) -> None:
        """Move to `moment` (never backwards)."""
        self.now = max(self.now, moment)

    def advance(self, seconds: float) -> None:
        """Move forward by `seconds`."""
        self.now += timedelta(seconds=seconds)


def job_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for job tests: quiet, no periodic jobs unless asked."""
    values: dict[str, Any] = {
        "periodic_jobs_enabled": False,
        "job_poll_interval_seconds": 0.05,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return make_settings(database_url, **values)


async def add_jobs(database: Database, kind: str, payloads: list[dict[str, Any]]) -> list[str]:
    """Enqueue and commit one job per payload; their ids."""
    async with database.session() as session:
        ids = [await enqueue(session, kind, payload) for payload in payloads]
        await session.commit()
    return ids


async def job(database: Database, job_id: str) -> Job:
    """One job as stored now."""
    async with database.session(writes=False) as session:
        return (await session.execute(select(Job).where(Job.id == job_id))).scalar_one()


async def all_jobs(database: Database) -> list[Job]:
    """Every stored job."""
    async with database.session(writes=False) as session:
        return list((await session.scalars(select(Job))).all())


async def counter_value(database: Database, name: str) -> int | None:
    """A counter's value (None when it was never incremented)."""
    async with database.session(writes=False) as session:
        row = await session.scalar(select(Counter.value).where(Counter.name == name))
        return None if row is None else int(row)
