"""Risk jobs on real databases: retraining per workspace, rescoring as time passes, idempotently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from smarttask.analysis.risk import jobs
from smarttask.analysis.risk.synthetic import generate, insert_history
from smarttask.db.types import utcnow
from smarttask.jobs.models import Job
from smarttask.jobs.registry import JobContext
from smarttask.risk.models import RiskModel
from smarttask.tasks.models import Task
from smarttask.tasks.scoring import service
from smarttask.tasks.scoring.params import workspace_params
from tests.support import job_registry, make_settings
from tests.support.tasks import Board, new_board, new_task, walk


async def _run(app: Any, kind: str, payload: dict[str, Any] | None = None, **settings: Any) -> None:
    """Run a job handler the way the runner does: its own session, committed after."""
    async with app.state.database.session() as session:
        context = JobContext(
            session=session,
            database=app.state.database,
            settings=make_settings(str(app.state.settings.database_url), **settings),
            job_id="test",
            attempt=1,
        )
        await job_registry().get(kind)(context, payload or {})
        await session.commit()


async def _seed(app: Any, board: Board, tasks: int, seed: int = 42) -> None:
    history = generate(tasks=tasks, people=3, seed=seed, now=utcnow())
    people = {"person-0": board.member.id, "person-1": board.owner.id, "person-2": board.viewer.id}
    async with app.state.database.session() as session:
        await insert_history(
            session,
            history,
            workspace_id=board.workspace_id,
            project_id=board.project_id,
            people=people,
            first_number=1000,
        )
        await session.commit()


async def _models(app: Any) -> list[RiskModel]:
    async with app.state.database.session() as session:
        rows = await session.execute(select(RiskModel).order_by(RiskModel.version))
        return list(rows.scalars())


def test_the_handlers_are_registered_and_scheduled() -> None:
    registry = job_registry()
    assert registry.get(jobs.RESCORE_DUE) is jobs.rescore_due
    assert registry.get(jobs.RETRAIN) is jobs.retrain
    assert registry.periodic[jobs.RESCORE_DUE].every == timedelta(minutes=15)
    assert registry.periodic[jobs.RETRAIN].every == timedelta(days=1)


async def test_retraining_on_a_planted_history_beats_the_default(
    app: Any, client: httpx.AsyncClient
) -> None:
    board = await new_board(client)
    await _seed(app, board, 1500)
    before = await walk(
        client, f"/api/v1/workspaces/{board.workspace_id}/tasks", board.viewer.headers, limit=100
    )
    assert all(t["risk"] is None for t in before)  # bulk-loaded rows carry no score yet
    due = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    spec = {"due_at": due, "assignee_id": board.member.id, "priority": "urgent"}
    by_default = await new_task(client, board, **spec)
    await _run(app, jobs.RETRAIN, risk_min_training_tasks=200)
    [model] = await _models(app)
    assert model.active, model.note
    assert model.metrics["trained"]["auc"] > model.metrics["default"]["auc"]
    assert model.n_samples > 1000
    assert set(model.coefficients) > {"intercept", "open_dependencies", "assignee_late_rate"}
    # The retrain rescored the workspace with the new model.
    after = await walk(
        client, f"/api/v1/workspaces/{board.workspace_id}/tasks", board.viewer.headers, limit=100
    )
    open_with_due = [t for t in after if t["status"] in ("todo", "in_progress") and t["due_at"]]
    assert open_with_due
    assert all(t["risk"] is not None for t in open_with_due)
    assert all(t["risk"] is None for t in after if t not in open_with_due)
    # A new write is scored by the trained model, not the default.
    trained = await new_task(client, board, **spec)
    assert trained["risk"]["score"] != by_default["risk"]["score"]
    async with app.state.database.session() as session:
        params = await workspace_params(session, board.workspace_id)
    assert params.version == model.version


async def test_too_little_history_trains_nothing(app: Any, client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    await _seed(app, board, 100)
    await _run(app, jobs.RETRAIN, risk_min_training_tasks=200)
    assert await _models(app) == []
    await _run(app, jobs.RETRAIN, {"workspace_id": board.workspace_id}, risk_min_training_tasks=200)
    assert await _models(app) == []


async def test_a_losing_run_puts_the_default_back(app: Any, client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    await _seed(app, board, 1500)
    await _run(app, jobs.RETRAIN, risk_min_training_tasks=200)
    [won] = await _models(app)
    async with app.state.database.session() as session:
        assert (await workspace_params(session, board.workspace_id)).version == 1
        # A later run that lost to the default: the default scores again.
        session.add(
            RiskModel(
                **{c: getattr(won, c) for c in ("workspace_id", "kind", "coefficients", "means")},
                **{c: getattr(won, c) for c in ("scales", "metrics", "n_samples", "trained_at")},
                id="00000000-0000-0000-0000-000000000002",
                version=2,
                active=False,
                note="lost",
            )
        )
        await session.commit()
        params = await workspace_params(session, board.workspace_id)
    assert params.version == 0


async def test_rescoring_is_batched_and_idempotent(app: Any, client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    await _seed(app, board, 700, seed=3)
    done = await new_task(client, board, due_at=(datetime.now(UTC) + timedelta(days=3)).isoformat())
    async with app.state.database.session() as session:
        # A stale score on a task that is done now must be cleared.
        await session.execute(update(Task).where(Task.id == done["id"]).values(status="done"))
        open_count = (
            await session.execute(
                select(func.count()).where(
                    Task.workspace_id == board.workspace_id,
                    Task.status.in_(("todo", "in_progress")),
                    Task.due_at.is_not(None),
                )
            )
        ).scalar_one()
        now = utcnow()
        seen: list[int] = []
        first = await service.rescore_all(session, batch=10, now=now, progress=seen.append)
        again = await service.rescore_all(session, batch=10, now=now)
        await session.commit()
        versions = (
            await session.execute(select(func.max(Task.version)).where(Task.version > 1))
        ).scalar_one()
    assert first.changed == open_count + 1  # every open task with a due date, and the done one
    assert again.changed == 0
    assert seen == sorted(seen)
    assert seen[-1] == first.scanned
    assert len(seen) > 2
    assert versions is None  # derived data never bumps a version
    page = await client.get(f"/api/v1/tasks/{done['id']}", headers=board.viewer.headers)
    assert page.json()["risk"] is None


async def test_closing_a_task_queues_a_rescore_of_its_assignee(
    app: Any, client: httpx.AsyncClient
) -> None:
    board = await new_board(client)
    due = (datetime.now(UTC) + timedelta(days=4)).isoformat()
    tasks = [
        await new_task(client, board, title=f"t{i}", due_at=due, assignee_id=board.member.id)
        for i in range(8)
    ]
    last = tasks[-1]
    for task in tasks[:-1]:
        closed = await client.patch(
            f"/api/v1/tasks/{task['id']}", json={"status": "done"}, headers=board.member.headers
        )
        assert closed.status_code == 200
    async with app.state.database.session() as session:
        queued = (
            (await session.execute(select(Job).where(Job.kind == service.RESCORE_ASSIGNEE)))
            .scalars()
            .all()
        )
    assert len(queued) == 1  # one per assignee while it waits, however many writes
    assert queued[0].payload == {"workspace_id": board.workspace_id, "assignee_id": board.member.id}
    stale = await client.get(f"/api/v1/tasks/{last['id']}", headers=board.viewer.headers)
    assert stale.json()["risk"] == last["risk"]  # the other tasks' load is not rescored inline
    await _run(app, service.RESCORE_ASSIGNEE, queued[0].payload)
    fresh = await client.get(f"/api/v1/tasks/{last['id']}", headers=board.viewer.headers)
    assert fresh.json()["risk"]["score"] < last["risk"]["score"]  # seven fewer open tasks
