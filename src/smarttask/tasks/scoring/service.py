"""Scoring rules: score a task on its writes, rescore its dependents, rescore in keyset batches.

Services never commit: the request's unit of work or the job runner does. Scores are derived
data, written without bumping a task's `version` (except when the task's own write bumps it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from smarttask.db.types import utcnow
from smarttask.risk.features import TaskFacts, has_checklist
from smarttask.risk.model import DEFAULT, RiskScore, applies, score_facts
from smarttask.tasks.models import Task
from smarttask.tasks.scoring import counts, repository
from smarttask.tasks.scoring.params import cached_params, params_of

RESCORE_BATCH = 500
MIN_SCORE_CHANGE = 0.005
RESCORE_ASSIGNEE = "risk.rescore_assignee"
ASSIGNEE_RESCORE_DELAY = 10
_RISK_FIELDS = ("risk_score", "risk_level", "risk_factors", "risk_scored_at")


def _set(task: Task, result: RiskScore | None, now: datetime, *, committed: bool) -> None:
    values: tuple[Any, ...] = (
        (result.score, result.level, result.factors, now) if result else (None,) * 4
    )
    for field, value in zip(_RISK_FIELDS, values, strict=True):
        if committed:
            set_committed_value(task, field, value)
        elif getattr(task, field) != value:
            setattr(task, field, value)


async def score_task(
    session: AsyncSession, task: Task, *, dependencies: bool = True, now: datetime | None = None
) -> None:
    """Score a task being created or changed, in at most three queries; the caller flushes.

    Queries: the task's open dependencies, its assignee's counts, and the workspace's model
    (cached for a minute).

    `dependencies=False` skips the dependency query (a new task has none).
    """
    now = now or utcnow()
    if task.due_at is None or not applies(task.status, task.due_at):
        _set(task, None, now, committed=False)
        return
    with session.no_autoflush:  # the task's pending change must flush once, with its score
        deps = await counts.dependency_counts(session, task.id, now) if dependencies else (0, 0)
        stats = (0, 0, 0)
        if task.assignee_id is not None:
            stats = await counts.assignee_counts(
                session, task.workspace_id, task.assignee_id, task.id, now
            )
        params = await cached_params(session, task.workspace_id)
    facts = TaskFacts(
        due_at=task.due_at,
        created_at=task.created_at,
        status=task.status,
        priority=task.priority,
        estimate_minutes=task.estimate_minutes,
        description_length=len(task.description or ""),
        has_checklist=has_checklist(task.description or ""),
        reschedules=task.reschedule_count or 0,
        assigned=task.assignee_id is not None,
        open_dependencies=deps[0],
        overdue_dependencies=deps[1],
        assignee_open=stats[0],
        assignee_late=stats[1],
        assignee_finished=stats[2],
    )
    _set(task, score_facts(params, facts, now), now, committed=False)


def _facts_of_row(
    row: Row[Any], deps: tuple[int, int], stats: tuple[int, int, int], now: datetime
) -> TaskFacts:
    """Facts of a stored open task; its own row is taken out of its assignee's counts."""
    open_, late, finished = stats
    if row.assignee_id is not None:
        open_ = max(open_ - 1, 0)
        if row.due_at < now:
            late, finished = max(late - 1, 0), max(finished - 1, 0)
    return TaskFacts(
        due_at=row.due_at,
        created_at=row.created_at,
        status=row.status,
        priority=row.priority,
        estimate_minutes=row.estimate_minutes,
        description_length=int(row.description_length or 0),
        has_checklist=bool(row.has_checklist),
        reschedules=int(row.reschedule_count or 0),
        assigned=row.assignee_id is not None,
        open_dependencies=deps[0],
        overdue_dependencies=deps[1],
        assignee_open=open_,
        assignee_late=late,
        assignee_finished=finished,
    )


async def _score_rows(
    session: AsyncSession, rows: Sequence[Row[Any]], now: datetime
) -> list[dict[str, Any]]:
    """New scores of stored tasks (four queries for any number), only those that changed."""
    scorable = [r for r in rows if applies(r.status, r.due_at)]
    workspace_ids = sorted({r.workspace_id for r in scorable})
    assignees = sorted({r.assignee_id for r in scorable if r.assignee_id is not None})
    deps = await counts.dependency_state(session, [r.id for r in scorable], now)
    stats = await counts.assignee_stats(session, workspace_ids, assignees, now)
    models = (
        {
            m.workspace_id: params_of(m)
            for m in await repository.active_models(session, workspace_ids)
        }
        if workspace_ids
        else {}
    )
    changes: list[dict[str, Any]] = []
    for row in rows:
        result: RiskScore | None = None
        if applies(row.status, row.due_at):
            facts = _facts_of_row(
                row,
                deps.get(row.id, (0, 0)),
                stats.get((row.workspace_id, row.assignee_id), (0, 0, 0)),
                now,
            )
            result = score_facts(models.get(row.workspace_id, DEFAULT), facts, now)
        if _unchanged(row, result):
            continue
        changes.append(
            {
                "task_id": row.id,
                "score": result.score if result else None,
                "level": result.level if result else None,
                "factors": result.factors if result else None,
                "scored_at": now if result else None,
            }
        )
    return changes


def _unchanged(row: Row[Any], result: RiskScore | None) -> bool:
    if result is None:
        return row.risk_level is None
    # Time passing moves every score a little: rewrite a row only when it moved visibly.
    return (
        row.risk_level == result.level
        and row.risk_score is not None
        and abs(row.risk_score - result.score) < MIN_SCORE_CHANGE
    )


async def rescore_tasks(
    session: AsyncSession, task_ids: Sequence[str], now: datetime | None = None
) -> int:
    """Rescore some stored tasks in place; how many scores changed."""
    if not task_ids:
        return 0
    now = now or utcnow()
    changes = await _score_rows(session, await repository.facts_of(session, task_ids), now)
    await repository.write_scores(session, changes)
    return len(changes)


async def rescore_task(session: AsyncSession, task: Task) -> None:
    """Rescore a loaded task after a change that does not bump its version (a dependency)."""
    now = utcnow()
    changes = await _score_rows(session, await repository.facts_of(session, [task.id]), now)
    await repository.write_scores(session, changes)
    for change in changes:
        factors = change["factors"]
        result = (
            RiskScore(change["score"], change["level"], factors) if factors is not None else None
        )
        _set(task, result, now, committed=True)


async def dependents(session: AsyncSession, task_ids: Sequence[str]) -> list[str]:
    """Open tasks with a due date that depend directly on these, other than themselves."""
    found = set(await repository.open_dependents(session, task_ids))
    return sorted(found - set(task_ids))


async def rescore_dependents(session: AsyncSession, task_ids: Sequence[str]) -> int:
    """Rescore the open tasks that depend directly on these (done, reopened, moved, deleted)."""
    return await rescore_tasks(session, await dependents(session, task_ids))


@dataclass(frozen=True, slots=True)
class RescoreSummary:
    """What a full rescore did."""

    scanned: int
    changed: int


async def rescore_all(
    session: AsyncSession,
    *,
    workspace_id: str | None = None,
    batch: int = RESCORE_BATCH,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    after_batch: Callable[[], Any] | None = None,
) -> RescoreSummary:
    """Rescore every open task with a due date (and clear stale scores), in keyset batches.

    Idempotent: a second run at the same `now` changes nothing. `after_batch` may commit
    (the command line does; a job leaves that to its runner).
    """
    now = now or utcnow()
    scanned = changed = 0
    after: str | None = None
    while True:
        rows = await repository.next_batch(session, workspace_id, after, batch)
        if not rows:
            break
        changes = await _score_rows(session, rows, now)
        await repository.write_scores(session, changes)
        scanned, changed, after = scanned + len(rows), changed + len(changes), rows[-1].id
        if after_batch is not None:
            result = after_batch()
            if hasattr(result, "__await__"):
                await result
        if progress is not None:
            progress(scanned)
    return RescoreSummary(scanned, changed)


async def assignees_changed(
    session: AsyncSession, workspace_id: str, assignee_ids: Sequence[str | None]
) -> None:
    """Queue a rescore of these assignees' open tasks (their load and late rate moved).

    One queued job per assignee at a time (a dedupe key), run a few seconds later so that a
    burst of writes costs one rescore; the periodic rescore catches anything missed.
    """
    from smarttask.jobs.queue import enqueue

    run_at = utcnow() + timedelta(seconds=ASSIGNEE_RESCORE_DELAY)
    for assignee_id in sorted({a for a in assignee_ids if a is not None}):
        await enqueue(
            session,
            RESCORE_ASSIGNEE,
            {"workspace_id": workspace_id, "assignee_id": assignee_id},
            run_at=run_at,
            dedupe_key=f"{RESCORE_ASSIGNEE}:{workspace_id}:{assignee_id}",
        )


async def rescore_assignee(session: AsyncSession, workspace_id: str, assignee_id: str) -> int:
    """Rescore one assignee's open tasks in a workspace; how many scores changed."""
    return await rescore_tasks(
        session, await repository.assignee_open_tasks(session, workspace_id, assignee_id)
    )
