"""Deleting a workflow state whose tasks go to another category: each task moved by the task
update's rules (status, completion, history, risk, trail, event), in the admin's request.

A demo workspace (`smarttask demo`'s loader) in a fresh database; a state "Review" (in
progress) is added to its first project and --tasks tasks are created in it (assigned, due,
labelled). The state is then deleted into "Done" as `DELETE /api/v1/states/{id}` does,
timed from the call to its commit; then the same again within the category ("In progress"),
the one-statement path. Prints both times.

    .venv/bin/python bench/state_removal.py [--tasks 500]
        [--postgres postgresql://postgres@127.0.0.1:5432 --database smarttask_bench_states]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select

from in_process import fresh_database
from procinfo import machine_line


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server instead of SQLite")
    parser.add_argument("--database", default="smarttask_bench_states")
    return parser.parse_args()


async def _fill_review(database: Any, owner_email: str, tasks: int) -> tuple[str, str, str]:
    """Add "Review" to the first project and create `tasks` tasks in it (assigned, due,
    labelled, as the task service creates them); the ids of Review, the project's "Done"
    and its "In progress"."""
    from smarttask.accounts.models import User
    from smarttask.projects.models import Project
    from smarttask.tasks import service as task_service
    from smarttask.tasks.schemas import TaskCreate
    from smarttask.workflow import service as workflow
    from smarttask.workflow.schemas import StateCreate

    async with database.session() as session:
        owner = await session.scalar(select(User).where(User.email == owner_email))
        assert owner is not None
        project = await session.scalar(select(Project).order_by(Project.key))
        assert project is not None
        body = StateCreate.model_validate({"name": "Review", "category": "in_progress"})
        review = await workflow.create(session, owner, project.id, body)
        due = datetime.now(UTC) + timedelta(days=3)
        for number in range(tasks):
            task = TaskCreate.model_validate(
                {
                    "title": f"Reviewed change {number}",
                    "state_id": review.id,
                    "assignee_id": owner.id,
                    "due_at": due,
                    "labels": ["review"],
                }
            )
            await task_service.create(session, owner, project, task)
        states = {s.name: s.id for s in await workflow.board_states(session, project.id)}
        await session.commit()
    return review.id, states["Done"], states["In progress"]


async def _delete(
    database: Any, owner_email: str, state_id: str, move_to: str
) -> tuple[float, int]:
    """Delete a state as the API does; the seconds from the call to the commit, and the
    statements it ran."""
    from smarttask.accounts.models import User
    from smarttask.tasks import state_removal
    from smarttask.workflow import service as workflow
    from smarttask.workspaces.roles import Role

    async with database.session() as session:
        owner = await session.scalar(select(User).where(User.email == owner_email))
        assert owner is not None
        state = await workflow.load(session, owner, state_id, Role.ADMIN)
        statements = [0]

        def count(*_: Any) -> None:
            statements[0] += 1

        event.listen(database.engine.sync_engine, "before_cursor_execute", count)
        started = time.perf_counter()
        await state_removal.delete_state(session, owner, state, move_to)
        await session.commit()
        seconds = time.perf_counter() - started
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
        return seconds, statements[0]


async def measure(tasks: int) -> tuple[tuple[float, int], tuple[float, int]]:
    """Seed, delete Review into Done, then again into In progress; both times."""
    from smarttask.demo import load_demo
    from smarttask.runtime import build_runtime
    from smarttask.settings import get_settings

    runtime = build_runtime(get_settings())
    database = runtime.database
    async with database.session() as session:
        demo = await load_demo(session, runtime.auth, tasks=300)
        await session.commit()
    owner = demo.emails[0]
    review, done, _ = await _fill_review(database, owner, tasks)
    across = await _delete(database, owner, review, done)
    review, _, doing = await _fill_review(database, owner, tasks)
    within = await _delete(database, owner, review, doing)
    await database.dispose()
    return across, within


def main() -> int:
    """Measure and print."""
    args = parse_args()
    print(machine_line())
    with fresh_database("smarttask-states-", args.postgres, args.database) as where:
        (across, statements), (within, few) = asyncio.run(measure(args.tasks))
    print(
        f"{where}, a state of {args.tasks} tasks deleted into another category in "
        f"{across:.2f} s ({across / args.tasks * 1000:.1f} ms, "
        f"{statements / args.tasks:.1f} statements a task); within its category in "
        f"{within:.3f} s ({few} statements)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
