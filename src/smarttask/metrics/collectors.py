"""What a scrape reads at its own time: the pool's use and the job table's backlog."""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import mark_process_dead

from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.jobs import repository
from smarttask.jobs.models import DEAD, QUEUED, RUNNING
from smarttask.kit.metrics import Instruments

POOL_USES = ("size", "checked_out", "overflow", "waiting")
JOB_STATES = (QUEUED, RUNNING, DEAD)
OTHER_KIND = "other"
_LIVE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db$")


def record_pool(instruments: Instruments, database: Database) -> None:
    """Set this process's pool gauges (a scrape, or after a request in multi-process mode)."""
    for use, value in database.pool_use().items():
        instruments.pool.labels(use).set(value)


def forget_dead_workers(directory: str) -> None:
    """Drop the live gauges of worker processes that are gone (a restarted worker's pool)."""
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        found = _LIVE_FILE.search(os.path.basename(path))
        if found is not None and not _alive(int(found.group(1))):
            mark_process_dead(int(found.group(1)), directory)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def job_families(database: Database, kinds: Iterable[str]) -> list[Metric]:
    """The job table's backlog by state and kind, and how late the oldest due job is.

    One grouped query on the state index; kinds outside `kinds` (the registered ones) are
    summed under "other", and every registered kind is reported, 0 when it has no job.
    """
    async with database.session(writes=False) as session:
        rows = await repository.backlog(session)
    known = set(kinds)
    counts: dict[tuple[str, str], int] = {(s, k): 0 for s in JOB_STATES for k in known}
    ages: dict[str, float] = dict.fromkeys(known, 0.0)
    now = utcnow()
    for state, kind, count, earliest in rows:
        label = kind if kind in known else OTHER_KIND
        counts[(state, label)] = counts.get((state, label), 0) + count
        if state == QUEUED and earliest is not None:
            late = max(0.0, (now - earliest).total_seconds())
            ages[label] = max(ages.get(label, 0.0), late)
    jobs = GaugeMetricFamily(
        "smarttask_jobs",
        "Background jobs in the job table by state (queued, running, dead) and kind.",
        labels=("state", "kind"),
    )
    for (state, kind), count in sorted(counts.items()):
        jobs.add_metric((state, kind), count)
    age = GaugeMetricFamily(
        "smarttask_job_queue_oldest_age_seconds",
        "How long the oldest due queued job of each kind has waited past its run time.",
        labels=("kind",),
    )
    for kind, seconds in sorted(ages.items()):
        age.add_metric((kind,), seconds)
    return [jobs, age]


class Joined:
    """A collector of several sources' families, for one scrape's exposition."""

    def __init__(self, source: Any, extra: list[Metric]) -> None:
        self.source = source
        self.extra = extra

    def collect(self) -> Iterator[Metric]:
        """The source's families, then the scrape-time ones."""
        yield from self.source.collect()
        yield from self.extra
