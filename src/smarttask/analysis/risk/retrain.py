"""Training against a workspace's stored history, and the record of each run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.analysis.risk import training_repository as repository
from smarttask.db.types import new_id, utcnow
from smarttask.risk.history import History, HistoryTask
from smarttask.risk.models import RiskModel
from smarttask.risk.training import KIND, TrainingResult, train
from smarttask.tasks.scoring.params import forget_models


async def load_history(session: AsyncSession, workspace_id: str) -> History:
    """A workspace's tasks and dependencies, as training reads them (two queries)."""
    rows = await repository.history(session, workspace_id)
    tasks = [
        HistoryTask(
            id=r.id,
            assignee_id=r.assignee_id,
            status=r.status,
            priority=r.priority,
            estimate_minutes=r.estimate_minutes,
            description_length=int(r.description_length or 0),
            has_checklist=bool(r.has_checklist),
            reschedules=int(r.reschedule_count or 0),
            created_at=r.created_at,
            due_at=r.due_at,
            completed_at=r.completed_at,
            updated_at=r.updated_at,
        )
        for r in rows
    ]
    edges = [(e[0], e[1], e[2]) for e in await repository.history_edges(session, workspace_id)]
    return History(tasks, edges)


async def backtest_workspace(
    session: AsyncSession, workspace_id: str, *, min_tasks: int, now: datetime | None = None
) -> TrainingResult:
    """Fit and backtest against the default, storing nothing."""
    now = now or utcnow()
    return train(await load_history(session, workspace_id), now, min_tasks=min_tasks)


async def retrain_workspace(
    session: AsyncSession, workspace_id: str, *, min_tasks: int, now: datetime | None = None
) -> tuple[TrainingResult, RiskModel | None]:
    """Train, backtest and record the run; it scores the workspace only if it beat the default.

    Nothing is recorded when there is too little history to train at all.
    """
    now = now or utcnow()
    result = await backtest_workspace(session, workspace_id, min_tasks=min_tasks, now=now)
    if result.params is None:
        return result, None
    stored = result.params.to_json()
    model = RiskModel(
        id=new_id(),
        workspace_id=workspace_id,
        version=await repository.latest_version(session, workspace_id) + 1,
        active=result.active,
        kind=KIND,
        coefficients=stored["coefficients"],
        means=stored["means"],
        scales=stored["scales"],
        metrics=result.metrics_json(),
        note=result.note,
        n_samples=result.n_samples,
        trained_at=now,
    )
    repository.add_model(session, model)
    await session.flush()
    forget_models()
    return result, model
