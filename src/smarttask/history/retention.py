"""Retention: facts and daily aggregates older than the kept days are purged, exactly.

What is older than the first kept day (`cutoff`) is folded, not lost: each task keeps one
`baseline` fact, its state at the end of the day before (so a rebuild still knows where
every task stood), and each bucket's daily flows before the cutoff become one row on that
day (so burn-ups and "open on a day" stay right). Creations and completions of purged days
are gone, as are the facts of tasks deleted before the cutoff; completions counted on
purged days can no longer be withdrawn, so their records go too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.history import repository
from smarttask.history.effects import BASELINE
from smarttask.history.models import AnalyticsCompletion, AnalyticsDay, TaskFact
from smarttask.history.service import zone


@dataclass(frozen=True, slots=True)
class Purged:
    """What a purge removed from one workspace."""

    facts: int
    days: int
    completions: int


async def purge(session: AsyncSession, workspace_id: str, cutoff: date) -> Purged:
    """Fold and purge a workspace's history before `cutoff` (a day in its zone)."""
    await repository.lock_aggregates(session)
    where = zone(await repository.zone_of(session, workspace_id))
    kept_from = datetime.combine(cutoff, time(0), where)
    baseline_at = kept_from - timedelta(microseconds=1)  # the evening before the cutoff
    mine = TaskFact.workspace_id == workspace_id
    gone = (
        select(TaskFact.task_id).where(mine, TaskFact.kind == "deleted", TaskFact.at < kept_from)
    ).scalar_subquery()
    dropped: int = (
        await session.execute(delete(TaskFact).where(mine, TaskFact.task_id.in_(gone)))
    ).rowcount  # type: ignore[attr-defined]
    latest = (
        select(TaskFact.task_id, func.max(TaskFact.version))
        .where(mine, TaskFact.at < kept_from)
        .group_by(TaskFact.task_id)
    )
    await session.execute(
        update(TaskFact)
        .where(mine, tuple_(TaskFact.task_id, TaskFact.version).in_(latest))
        .values(kind=BASELINE, at=baseline_at)
        .execution_options(synchronize_session=False)
    )
    dropped += (
        await session.execute(delete(TaskFact).where(mine, TaskFact.at < baseline_at))
    ).rowcount  # type: ignore[attr-defined]
    carried = (
        await session.execute(
            select(
                AnalyticsDay.project_id,
                AnalyticsDay.assignee_key,
                AnalyticsDay.status,
                func.sum(AnalyticsDay.tasks),
            )
            .where(AnalyticsDay.workspace_id == workspace_id, AnalyticsDay.day < cutoff)
            .group_by(AnalyticsDay.project_id, AnalyticsDay.assignee_key, AnalyticsDay.status)
        )
    ).all()
    days: int = (
        await session.execute(
            delete(AnalyticsDay).where(
                AnalyticsDay.workspace_id == workspace_id, AnalyticsDay.day < cutoff
            )
        )
    ).rowcount  # type: ignore[attr-defined]
    evening = cutoff - timedelta(days=1)
    await repository.insert_many(
        session,
        AnalyticsDay,
        [
            {
                "workspace_id": workspace_id,
                "day": evening,
                "project_id": project_id,
                "assignee_key": assignee_key,
                "status": status,
                "tasks": int(total),
                "created": 0,
                "completed": 0,
                "completed_due": 0,
                "completed_on_time": 0,
                "cycle_seconds": 0,
            }
            for project_id, assignee_key, status, total in carried
            if total
        ],
    )
    completions: int = (
        await session.execute(
            delete(AnalyticsCompletion).where(
                and_(
                    AnalyticsCompletion.workspace_id == workspace_id,
                    AnalyticsCompletion.day < cutoff,
                )
            )
        )
    ).rowcount  # type: ignore[attr-defined]
    return Purged(dropped, days, completions)


def cutoff_for(today: date, retention_days: int) -> date:
    """The first kept day when `retention_days` days are kept up to `today`."""
    return today - timedelta(days=retention_days - 1)
