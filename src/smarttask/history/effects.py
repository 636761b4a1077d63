"""What one tracked change does to the aggregates: a pure function, replayable from facts.

A task's facts, replayed in order, add up to everything the task contributes: the flow of
its buckets (project, assignee, status) day by day, its creation, and its standing
completion. The write path applies one step per change; `smarttask analytics rebuild`
replays every fact; deleting a task subtracts its whole replay, so a deleted task leaves
every figure, past days included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from smarttask.history.models import UNASSIGNED

DONE = "done"
BASELINE = "baseline"  # the fact retention keeps of a task's purged history
# The counters of an `analytics_day` row, in this order.
DAY_COLUMNS = (
    "tasks",
    "created",
    "completed",
    "completed_due",
    "completed_on_time",
    "cycle_seconds",
)
_TASKS, _CREATED, _COMPLETED, _DUE, _ON_TIME, _CYCLE = range(len(DAY_COLUMNS))

Bucket = tuple[str, str, str]  # project id, assignee key, status
DayKey = tuple[date, str, str, str]  # day, then the bucket


@dataclass(frozen=True, slots=True)
class State:
    """The tracked fields of a task after a change (what a fact records)."""

    project_id: str
    assignee_id: str | None
    status: str
    priority: int
    due_at: datetime | None
    estimate_minutes: int | None
    created_at: datetime

    @property
    def bucket(self) -> Bucket:
        """The aggregates' bucket of a task in this state."""
        return (self.project_id, self.assignee_id or UNASSIGNED, self.status)


@dataclass(frozen=True, slots=True)
class Completion:
    """A completion that stands: where and on which day it was counted."""

    project_id: str
    assignee_key: str
    completed_at: datetime
    day: date
    cycle_seconds: int
    due: bool
    on_time: bool


@dataclass(slots=True)
class Effects:
    """Changes to the aggregates, merged by key."""

    days: dict[DayKey, list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0] * len(DAY_COLUMNS))
    )
    now: dict[Bucket, int] = field(default_factory=lambda: defaultdict(int))

    def negated(self) -> Effects:
        """The opposite changes (subtracting what was added)."""
        out = Effects()
        for key, values in self.days.items():
            out.days[key] = [-v for v in values]
        for bucket, count in self.now.items():
            out.now[bucket] = -count
        return out

    def day_rows(self) -> list[tuple[DayKey, list[int]]]:
        """The non-zero day changes in key order (a stable lock order for concurrent upserts)."""
        return sorted((k, v) for k, v in self.days.items() if any(v))

    def now_rows(self) -> list[tuple[Bucket, int]]:
        """The non-zero bucket changes in key order."""
        return sorted((k, v) for k, v in self.now.items() if v)


def local_day(at: datetime, zone: tzinfo) -> date:
    """The calendar day of an instant in a time zone."""
    return at.astimezone(zone).date()


def _move(effects: Effects, day: date, bucket: Bucket, by: int) -> None:
    effects.days[(day, *bucket)][_TASKS] += by
    effects.now[bucket] += by


def _count_completion(effects: Effects, done: Completion, sign: int) -> None:
    row = effects.days[(done.day, done.project_id, done.assignee_key, DONE)]
    row[_COMPLETED] += sign
    row[_DUE] += sign * done.due
    row[_ON_TIME] += sign * done.on_time
    row[_CYCLE] += sign * done.cycle_seconds


def step(
    effects: Effects,
    before: State | None,
    after: State,
    at: datetime,
    zone: tzinfo,
    standing: Completion | None,
    *,
    baseline: bool = False,
) -> Completion | None:
    """Add one change (`before` None: the creation) to `effects`; the standing completion after.

    A `baseline` is what retention leaves of a task's purged history: the task as it was
    when the kept days begin, entering its bucket then, neither created nor completed.
    """
    day = local_day(at, zone)
    if baseline:
        _move(effects, day, after.bucket, 1)
        return None
    if before is None:
        _move(effects, day, after.bucket, 1)
        effects.days[(day, *after.bucket)][_CREATED] += 1
    elif before.bucket != after.bucket:
        _move(effects, day, before.bucket, -1)
        _move(effects, day, after.bucket, 1)
    was_done = before is not None and before.status == DONE
    if after.status == DONE and not was_done:
        completion = Completion(
            project_id=after.project_id,
            assignee_key=after.assignee_id or UNASSIGNED,
            completed_at=at,
            day=day,
            cycle_seconds=max(0, int((at - after.created_at).total_seconds())),
            due=after.due_at is not None,
            on_time=after.due_at is not None and at <= after.due_at,
        )
        _count_completion(effects, completion, 1)
        return completion
    if was_done and after.status != DONE:
        if standing is not None:
            _count_completion(effects, standing, -1)
        return None
    return standing


def replay(
    effects: Effects, facts: Iterable[tuple[datetime, str, State]], zone: tzinfo
) -> Completion | None:
    """Add a task's whole history (its facts in order: at, kind, state) to `effects`."""
    before: State | None = None
    standing: Completion | None = None
    for at, kind, state in facts:
        standing = step(effects, before, state, at, zone, standing, baseline=kind == BASELINE)
        before = state
    return standing
