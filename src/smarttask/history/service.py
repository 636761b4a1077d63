"""Keeping the history: a fact per tracked change and the aggregates, in the write's transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.history import repository
from smarttask.history.effects import DONE, Completion, Effects, State, replay, step
from smarttask.history.models import AnalyticsCompletion, AnalyticsDay, AnalyticsNow, TaskFact


@dataclass(frozen=True, slots=True)
class Change:
    """One tracked change of a task: its state before (None: created) and after."""

    task_id: str
    version: int
    at: datetime
    before: State | None
    after: State


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The time zone of an IANA name (cached)."""
    return ZoneInfo(name)


async def record(session: AsyncSession, workspace_id: str, changes: list[Change]) -> None:
    """Keep facts of `changes` and add them to the aggregates (same transaction)."""
    if not changes:
        return
    where = zone(await repository.zone_of(session, workspace_id))
    reopened = [
        c.task_id
        for c in changes
        if c.before is not None and c.before.status == DONE and c.after.status != DONE
    ]
    standing = await repository.standing(session, reopened)
    effects = Effects()
    completions: list[dict[str, Any]] = []
    for change in changes:
        was = standing.get(change.task_id)
        now = step(effects, change.before, change.after, change.at, where, was)
        if now is not None and now is not was:
            completions.append(repository.completion_row(change.task_id, workspace_id, now))
    await repository.add_facts(
        session,
        [
            repository.fact_row(
                c.task_id,
                c.version,
                workspace_id,
                c.at,
                "created" if c.before is None else "changed",
                c.after,
            )
            for c in changes
        ],
    )
    await repository.drop_completions(session, reopened)
    await repository.add_completions(session, completions)
    await repository.apply(session, workspace_id, effects)


async def forget(
    session: AsyncSession, workspace_id: str, task_ids: list[str], at: datetime
) -> None:
    """Take deleted tasks out of every figure, past days included; a fact records each deletion."""
    if not task_ids:
        return
    where = zone(await repository.zone_of(session, workspace_id))
    histories = await repository.facts_of(session, task_ids)
    effects = Effects()
    ends: list[dict[str, Any]] = []
    for task_id, facts in histories.items():
        live = [(fact_at, kind, state) for _, fact_at, kind, state in facts if kind != "deleted"]
        if len(live) < len(facts):
            continue  # already forgotten
        replay(effects, live, where)
        version, _, _, last = facts[-1]
        ends.append(repository.fact_row(task_id, version + 1, workspace_id, at, "deleted", last))
    await repository.add_facts(session, ends)
    await repository.drop_completions(session, task_ids)
    await repository.apply(session, workspace_id, effects.negated())


async def remember(session: AsyncSession, workspace_id: str, task_ids: list[str]) -> None:
    """Undo `forget` for restored tasks: their history counts again, as if never deleted."""
    if not task_ids:
        return
    where = zone(await repository.zone_of(session, workspace_id))
    effects = Effects()
    completions: list[dict[str, Any]] = []
    restored: list[str] = []
    for task_id, facts in (await repository.facts_of(session, task_ids)).items():
        if not facts or facts[-1][2] != "deleted":
            continue  # never forgotten
        live = [(fact_at, kind, state) for _, fact_at, kind, state in facts if kind != "deleted"]
        done = replay(effects, live, where)
        if done is not None:
            completions.append(repository.completion_row(task_id, workspace_id, done))
        restored.append(task_id)
    await repository.drop_deletions(session, restored)
    await repository.drop_completions(session, restored)
    await repository.add_completions(session, completions)
    await repository.apply(session, workspace_id, effects)


async def rebuild(
    session: AsyncSession, workspace_id: str, progress: Callable[[int], None] | None = None
) -> int:
    """Recompute a workspace's aggregates from its facts; the number of tasks replayed."""
    await repository.lock_aggregates(session)
    await repository.clear(session, workspace_id)
    where = zone(await repository.zone_of(session, workspace_id))
    effects = Effects()
    completions: list[dict[str, Any]] = []
    replayed = 0

    def finish(task_id: str | None, history: list[tuple[datetime, str, State]], gone: bool) -> None:
        nonlocal replayed
        if task_id is None or gone:
            return
        done: Completion | None = replay(effects, history, where)
        if done is not None:
            completions.append(repository.completion_row(task_id, workspace_id, done))
        replayed += 1
        if progress is not None and replayed % 1000 == 0:
            progress(replayed)

    current: str | None = None
    history: list[tuple[datetime, str, State]] = []
    gone = False
    async for batch in repository.stream_facts(session, workspace_id):
        for task_id, at, kind, state in batch:
            if task_id != current:
                finish(current, history, gone)
                current, history, gone = task_id, [], False
            if kind == "deleted":
                gone = True
            else:
                history.append((at, kind, state))
    finish(current, history, gone)
    days, now = repository.aggregate_rows(workspace_id, effects)
    await repository.insert_many(session, AnalyticsDay, days)
    await repository.insert_many(session, AnalyticsNow, now)
    await repository.insert_many(session, AnalyticsCompletion, completions)
    if progress is not None:
        progress(replayed)
    return replayed


async def adopt(session: AsyncSession, workspace_id: str) -> int:
    """Give tasks loaded in bulk (the demo) a history from what they hold, then rebuild.

    Each is created at `created_at` (to do, when it is done now) and, when done, completed
    at `completed_at`: the rule the upgrade to analytics applied to existing tasks.
    """
    facts: list[dict[str, Any]] = []
    for row in await repository.tasks_without_facts(session, workspace_id):
        created_at = row.created_at
        completed_at = row.completed_at
        assert created_at is not None
        final = State(
            project_id=row.project_id,
            assignee_id=row.assignee_id,
            status=row.status,
            priority=row.priority,
            due_at=row.due_at,
            estimate_minutes=row.estimate_minutes,
            created_at=created_at,
        )
        steps: list[tuple[datetime, State]] = [(created_at, final)]
        if row.status == DONE and completed_at is not None and completed_at > created_at:
            steps = [(created_at, replace(final, status="todo")), (completed_at, final)]
        first = row.version - len(steps) + 1
        for index, (at, state) in enumerate(steps):
            kind = "changed" if index else "created"
            facts.append(repository.fact_row(row.id, first + index, workspace_id, at, kind, state))
    await repository.insert_many(session, TaskFact, facts)
    await rebuild(session, workspace_id)
    return len(facts)
