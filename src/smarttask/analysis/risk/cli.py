"""`smarttask ai backtest` and `smarttask ai rescore`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from smarttask.risk.training import TrainingResult

if TYPE_CHECKING:
    from smarttask.runtime import Runtime


def add_risk_commands(ai: argparse._SubParsersAction[Any]) -> None:
    """Add the risk-model commands to the `ai` group."""
    backtest = ai.add_parser(
        "backtest",
        help="AUC and Brier score of the default and a trained risk model on a time split",
    )
    backtest.add_argument("--workspace", help="one workspace id (default: every workspace)")
    backtest.add_argument(
        "--synthetic",
        type=int,
        metavar="N",
        help="backtest on a seeded synthetic history of N tasks instead of the database",
    )
    backtest.add_argument("--seed", type=int, default=42, help="seed of --synthetic (default 42)")
    backtest.add_argument(
        "--save",
        action="store_true",
        help="record the run as the workspace's model (used only if it beat the default)",
    )
    backtest.set_defaults(run=_backtest)
    rescore = ai.add_parser("rescore", help="recompute the risk of every open task with a due date")
    rescore.add_argument("--workspace", help="one workspace id (default: every workspace)")
    rescore.set_defaults(run=_rescore)


def _metrics(result: TrainingResult, which: str) -> str:
    metrics = result.trained if which == "trained" else result.default
    if metrics is None:
        return f"{which:8}  -"
    return f"{which:8}  AUC {metrics.auc:.3f}  Brier {metrics.brier:.3f}"


def report(label: str, result: TrainingResult) -> str:
    """A backtest as text: both models' held-out metrics and the verdict."""
    details = result.details
    lines = [
        f"{label}: {result.n_tasks} finished tasks with a due date, {result.n_samples} samples"
        + (
            f" (train {details['n_train']}, test {details['n_test']} due from "
            f"{details['test_from_due_at'][:10]})"
            if details
            else ""
        ),
        "  " + _metrics(result, "default"),
        "  " + _metrics(result, "trained"),
        f"  -> {result.note}",
    ]
    return "\n".join(lines)


def _backtest(args: argparse.Namespace, runtime: Runtime) -> int:
    if args.synthetic:
        from smarttask.analysis.risk.synthetic import generate
        from smarttask.db.types import utcnow
        from smarttask.risk.training import train

        now = utcnow()
        history = generate(tasks=args.synthetic, seed=args.seed, now=now)
        print(
            report(
                f"synthetic ({args.synthetic} tasks, seed {args.seed})",
                train(history, now, min_tasks=1),
            )
        )
        return 0
    return runtime.run(lambda: _backtest_database(runtime, args.workspace, save=args.save))


async def _backtest_database(runtime: Runtime, workspace_id: str | None, *, save: bool) -> int:
    from sqlalchemy import select

    from smarttask.analysis.risk.retrain import backtest_workspace, retrain_workspace
    from smarttask.workspaces.models import Workspace

    minimum = runtime.settings.ai.risk_min_training_tasks
    async with runtime.database.session() as session:
        statement = select(Workspace.id, Workspace.name).order_by(Workspace.name)
        if workspace_id:
            statement = statement.where(Workspace.id == workspace_id)
        workspaces = (await session.execute(statement)).all()
        if not workspaces:
            print("smarttask: no such workspace", file=sys.stderr)
            return 1
        for ws_id, name in workspaces:
            if save:
                result, _model = await retrain_workspace(session, ws_id, min_tasks=minimum)
            else:
                result = await backtest_workspace(session, ws_id, min_tasks=1)
            print(report(f"{name} ({ws_id})", result))
            if not save and result.n_tasks < minimum:
                print(
                    f"  note: the retrain job trains only from {minimum} finished tasks "
                    "(SMARTTASK_RISK_MIN_TRAINING_TASKS)"
                )
        await session.commit()
    return 0


def _rescore(args: argparse.Namespace, runtime: Runtime) -> int:
    return runtime.run(lambda: _rescore_database(runtime, args.workspace))


async def _rescore_database(runtime: Runtime, workspace_id: str | None) -> int:
    from smarttask.kit.progress import progress_bar
    from smarttask.tasks.scoring import repository, service

    async with runtime.database.session() as session:
        total = await repository.count_scorable(session, workspace_id)
        summary = await service.rescore_all(
            session,
            workspace_id=workspace_id,
            progress=progress_bar(total) if total else None,
            after_batch=session.commit,  # one transaction per batch: short locks
        )
        await session.commit()
    print(f"rescored {summary.scanned} tasks, {summary.changed} scores changed")
    return 0
