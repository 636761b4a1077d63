"""`smarttask analytics rebuild`: the aggregates recomputed from the facts."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smarttask.runtime import Runtime


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `analytics` command group to the top-level parser."""
    analytics = commands.add_parser("analytics", help="the analytics aggregates").add_subparsers(
        dest="analytics_command", required=True
    )
    rebuild = analytics.add_parser(
        "rebuild", help="recompute the daily aggregates from the task facts (exact, idempotent)"
    )
    rebuild.add_argument("--workspace", help="one workspace id (default: every workspace)")
    rebuild.set_defaults(run=_rebuild)


def _rebuild(args: argparse.Namespace, runtime: Runtime) -> int:
    return runtime.run(lambda: _rebuild_database(runtime, args.workspace))


async def _rebuild_database(runtime: Runtime, workspace_id: str | None) -> int:
    from smarttask.history import repository, service
    from smarttask.kit.progress import progress_bar

    async with runtime.database.session() as session:
        ids = await repository.workspace_ids(session)
    if workspace_id is not None:
        if workspace_id not in ids:
            print("smarttask: no such workspace", file=sys.stderr)
            return 1
        ids = [workspace_id]
    total = 0
    for index, ws_id in enumerate(ids, start=1):
        async with runtime.database.session() as session:  # one transaction per workspace
            tasks = await repository.count_tasks(session, ws_id)
            label = f"workspace {index}/{len(ids)}"
            total += await service.rebuild(
                session, ws_id, progress_bar(tasks, label) if tasks else None
            )
            await session.commit()
    print(f"rebuilt the aggregates of {len(ids)} workspaces from the facts of {total} tasks")
    return 0
