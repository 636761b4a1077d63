"""Seeded synthetic workspace histories with planted effects, to prove that training learns.

Planted (log-odds of finishing late, on top of noise):
- two chronically late people (+2.0), the rest slightly different from each other;
- each dependency still open when the task starts (+0.9);
- each reschedule (+0.8);
- a big estimate for the time planned (+1.2 per log unit of estimate / working time);
- rushed work: high and urgent tasks are later, not earlier (+0.35 per priority step);
- long descriptions are later (+0.4 per log unit above 200 characters).
Some of these the default model does not know or gets backwards, so a trained model must win.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.types import new_id
from smarttask.risk.history import History, HistoryTask
from smarttask.tasks.models import Task, TaskDependency
from smarttask.tasks.ranks import spread
from smarttask.workflow import repository as workflow

CHRONICALLY_LATE = 2


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def generate(
    *, tasks: int = 2000, people: int = 6, seed: int = 42, now: datetime, days: int = 365
) -> History:
    """A history of `tasks` tasks over `days` days before `now`, for `people` assignees."""
    rng = random.Random(seed)
    ids = [f"person-{i}" for i in range(people)]
    skill = {
        p: (2.0 if i < CHRONICALLY_LATE else rng.uniform(-0.4, 0.4)) for i, p in enumerate(ids)
    }
    made: list[HistoryTask] = []
    edges: list[tuple[str, str, datetime]] = []
    starts = sorted(now - timedelta(days=rng.uniform(3, days)) for _ in range(tasks))
    for created in starts:
        task_id = new_id()
        planned = rng.uniform(2, 30)
        due = created + timedelta(days=planned)
        assignee = rng.choice(ids) if rng.random() < 0.9 else None
        priority = rng.choices(range(5), [3, 3, 4, 2, 1])[0]
        estimate = rng.choice([None, 60, 240, 480, 960, 1920, 3840])
        length = int(rng.lognormvariate(5.3, 1.0))
        reschedules = rng.choices(range(4), [70, 18, 8, 4])[0]
        blockers = rng.sample(made[-40:], min(len(made[-40:]), rng.choice([0, 0, 0, 1, 2, 3])))
        open_blockers = sum(1 for b in blockers if b.closed_at is None or b.closed_at > created)
        for b in blockers:
            edges.append((task_id, b.id, created))
        ratio = (estimate or 0) / 60 / max(planned * 6.0, 1.0)
        z = (
            -1.6
            + (skill[assignee] if assignee else 0.5)
            + 0.9 * open_blockers
            + 0.8 * reschedules
            + 1.2 * math.log1p(ratio)
            + 0.35 * (priority - 1)
            + 0.4 * (math.log1p(length) - math.log1p(200))
            + rng.gauss(0, 0.5)
        )
        late = rng.random() < _sigmoid(z)
        completed: datetime | None = (
            due + timedelta(days=rng.uniform(0.2, 12))
            if late
            else created + (due - created) * rng.uniform(0.2, 0.98)
        )
        status = "done"
        if completed is not None and completed > now:
            status, completed = rng.choice(["todo", "in_progress"]), None
        elif rng.random() < 0.04:
            status, completed = "cancelled", None
        made.append(
            HistoryTask(
                id=task_id,
                assignee_id=assignee,
                status=status,
                priority=priority,
                estimate_minutes=estimate,
                description_length=length,
                has_checklist=rng.random() < 0.3,
                reschedules=reschedules,
                created_at=created,
                due_at=due,
                completed_at=completed,
                updated_at=completed or created + timedelta(days=1),
            )
        )
    return History(tasks=made, edges=edges)


async def insert_history(
    session: AsyncSession,
    history: History,
    *,
    workspace_id: str,
    project_id: str,
    people: dict[str, str],
    first_number: int = 1,
) -> int:
    """Write a synthetic history as tasks of a project (person ids mapped to user ids).

    Each task is in its project's first workflow state of its status, ranked in number order.
    """
    first_state: dict[str, str] = {}
    for state in await workflow.of_project(session, project_id):  # in board order
        first_state.setdefault(state.category, state.id)
    ranks = spread(len(history.tasks))
    rows: list[dict[str, Any]] = [
        {
            "id": t.id,
            "workspace_id": workspace_id,
            "project_id": project_id,
            "number": first_number + i,
            "title": f"Synthetic task {first_number + i}",
            "description": "x" * t.description_length,
            "status": t.status,
            "priority": t.priority,
            "assignee_id": people.get(t.assignee_id) if t.assignee_id else None,
            "reporter_id": None,
            "parent_id": None,
            "due_at": t.due_at,
            "estimate_minutes": t.estimate_minutes,
            "created_at": t.created_at,
            "updated_at": t.updated_at,
            "completed_at": t.completed_at,
            "version": 1,
            "reschedule_count": t.reschedules,
            "state_id": first_state[t.status],
            "rank": ranks[i],
        }
        for i, t in enumerate(history.tasks)
    ]
    for start in range(0, len(rows), 1000):
        await session.execute(insert(Task), rows[start : start + 1000])
    links = [{"task_id": a, "depends_on_id": b, "created_at": c} for a, b, c in history.edges]
    for start in range(0, len(links), 1000):
        await session.execute(insert(TaskDependency), links[start : start + 1000])
    return len(rows)
