"""A workspace's history replayed as training samples, with features as they were at the time.

Each finished task (done with a due date, or open past its due date) gives samples at a few
moments of its life (`SNAPSHOTS`: fractions of the way from creation to completion), labelled
1 when it ended late. Dependencies and the assignee's load and late rate are reconstructed as
of each moment from timestamps, so no sample sees the future (except `reschedules`, whose
timing is not stored: its final count is used, and `in_progress`, whose timing is unknown:
it is 0 in training).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from smarttask.risk.features import TaskFacts, vector

SNAPSHOTS = (0.0, 0.35, 0.7)
OPEN = ("todo", "in_progress")


@dataclass(frozen=True, slots=True)
class HistoryTask:
    """What a task's row tells about its life."""

    id: str
    assignee_id: str | None
    status: str
    priority: int
    estimate_minutes: int | None
    description_length: int
    has_checklist: bool
    reschedules: int
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    updated_at: datetime

    @property
    def closed_at(self) -> datetime | None:
        """When it stopped being open: completion, or the last update of a cancelled task."""
        if self.status == "done":
            return self.completed_at or self.updated_at
        return self.updated_at if self.status == "cancelled" else None


@dataclass(frozen=True, slots=True)
class History:
    """A workspace's tasks and dependency edges (task_id, depends_on_id, created_at)."""

    tasks: list[HistoryTask]
    edges: list[tuple[str, str, datetime]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Sample:
    """One task at one moment, with its features and whether it ended late."""

    task_id: str
    due_at: datetime
    x: list[float]
    late: int


def outcome(task: HistoryTask, now: datetime) -> int | None:
    """1 late, 0 on time, None when not known yet (or cancelled, or no due date)."""
    if task.due_at is None:
        return None
    if task.status == "done":
        return int((task.completed_at or task.updated_at) > task.due_at)
    if task.status in OPEN and task.due_at < now:
        return 1
    return None


class _Assignee:
    """Sorted timelines of one assignee, for point-in-time counts by bisection."""

    def __init__(self, tasks: list[HistoryTask], now: datetime) -> None:
        self.created = sorted(t.created_at for t in tasks)
        self.closed = sorted(c for t in tasks if (c := t.closed_at) is not None)
        events = []
        for t in tasks:
            late = outcome(t, now)
            if late is None or t.due_at is None:
                continue
            known = t.due_at if late else (t.completed_at or t.updated_at)
            events.append((known, late))
        events.sort()
        self.known = [e[0] for e in events]
        self.late_prefix = [0]
        for _, late in events:
            self.late_prefix.append(self.late_prefix[-1] + late)

    def at(self, moment: datetime) -> tuple[int, int, int]:
        """(open, late, finished) at a moment, the task being scored included."""
        opened = bisect.bisect_right(self.created, moment)
        closed = bisect.bisect_right(self.closed, moment)
        known = bisect.bisect_right(self.known, moment)
        return opened - closed, self.late_prefix[known], known


def samples(history: History, now: datetime) -> list[Sample]:
    """Training samples of every finished task, as of the moments in SNAPSHOTS."""
    by_id = {t.id: t for t in history.tasks}
    edges: dict[str, list[tuple[HistoryTask, datetime]]] = defaultdict(list)
    for task_id, depends_on_id, created_at in history.edges:
        if depends_on_id in by_id:
            edges[task_id].append((by_id[depends_on_id], created_at))
    grouped: dict[str, list[HistoryTask]] = defaultdict(list)
    for t in history.tasks:
        if t.assignee_id is not None:
            grouped[t.assignee_id].append(t)
    timelines = {a: _Assignee(tasks, now) for a, tasks in grouped.items()}
    found: list[Sample] = []
    for task in history.tasks:
        late = outcome(task, now)
        if late is None or task.due_at is None:
            continue
        end = task.completed_at if task.status == "done" and task.completed_at else now
        for fraction in SNAPSHOTS:
            moment = task.created_at + (end - task.created_at) * fraction
            found.append(
                Sample(
                    task.id,
                    task.due_at,
                    vector(_facts(task, moment, edges, timelines), moment),
                    late,
                )
            )
    return found


def _facts(
    task: HistoryTask,
    moment: datetime,
    edges: dict[str, list[tuple[HistoryTask, datetime]]],
    timelines: dict[str, _Assignee],
) -> TaskFacts:
    assert task.due_at is not None
    open_deps = overdue_deps = 0
    for blocker, linked_at in edges.get(task.id, []):
        closed = blocker.closed_at
        if linked_at <= moment and (closed is None or closed > moment):
            open_deps += 1
            if blocker.due_at is not None and blocker.due_at < moment:
                overdue_deps += 1
    stats = (0, 0, 0)
    if task.assignee_id is not None:
        opened, late, finished = timelines[task.assignee_id].at(moment)
        own_late = task.due_at <= moment  # its own lateness is known once it is overdue
        stats = (max(opened - 1, 0), late - int(own_late), finished - int(own_late))
    return TaskFacts(
        due_at=task.due_at,
        created_at=task.created_at,
        status="todo",
        priority=task.priority,
        estimate_minutes=task.estimate_minutes,
        description_length=task.description_length,
        has_checklist=task.has_checklist,
        reschedules=task.reschedules,
        assigned=task.assignee_id is not None,
        open_dependencies=open_deps,
        overdue_dependencies=overdue_deps,
        assignee_open=stats[0],
        assignee_late=max(stats[1], 0),
        assignee_finished=max(stats[2], 0),
    )
