"""Removing a custom field's option from many tasks: the values cleared and one trail entry a
task, in the admin's request.

A demo workspace of --tasks tasks (`smarttask demo`'s loader) in a fresh database, a select
field "Stage" with two options whose first every task holds (inserted in bulk), then the
field's service removes that option as `PATCH /api/v1/fields/{id}` does, timed from the
call to its commit. Prints the time and the trail entries written.

    .venv/bin/python bench/field_option_removal.py [--tasks 5000]
        [--postgres postgresql://postgres@127.0.0.1:5432 --database smarttask_bench_fields_trail]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from sqlalchemy import func, insert, select

from in_process import fresh_database
from procinfo import machine_line


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server instead of SQLite")
    parser.add_argument("--database", default="smarttask_bench_fields_trail")
    return parser.parse_args()


async def measure(tasks: int) -> tuple[float, int]:
    """Seed, remove the option; its seconds and the trail entries it wrote."""
    from smarttask.accounts.models import User
    from smarttask.activity.models import Activity
    from smarttask.demo import load_demo
    from smarttask.fields import service as fields
    from smarttask.fields.models import TaskFieldValue
    from smarttask.fields.schemas import FieldCreate, FieldUpdate
    from smarttask.runtime import build_runtime
    from smarttask.settings import get_settings
    from smarttask.tasks.models import Task
    from smarttask.workspaces.access import require_role
    from smarttask.workspaces.roles import Role

    runtime = build_runtime(get_settings())
    database = runtime.database
    async with database.session() as session:
        demo = await load_demo(session, runtime.auth, tasks=tasks)
        await session.commit()
    async with database.session() as session:
        owner = await session.scalar(select(User).where(User.email == demo.emails[0]))
        assert owner is not None
        access = await require_role(session, owner, demo.workspace_id, Role.ADMIN)
        body = {"name": "Stage", "type": "select", "options": [{"name": "a"}, {"name": "b"}]}
        field = await fields.create(session, access, FieldCreate.model_validate(body))
        removed, kept = (option["id"] for option in field.options)
        ids = (await session.scalars(select(Task.id))).all()
        values = [
            {
                "task_id": task_id,
                "field_id": field.id,
                "item": "",
                "workspace_id": demo.workspace_id,
                "value_key": removed,
                "value_number": 0.0,
            }
            for task_id in ids
        ]
        await session.execute(insert(TaskFieldValue), values)
        await session.commit()
        field_id = field.id
    async with database.session() as session:
        owner = await session.scalar(select(User).where(User.email == demo.emails[0]))
        assert owner is not None
        field = await fields.load(session, owner, field_id, Role.ADMIN)
        before = await session.scalar(select(func.count()).select_from(Activity))
        change = FieldUpdate.model_validate({"options": [{"id": kept, "name": "b"}]})
        started = time.perf_counter()
        await fields.update(session, owner, field, change)
        await session.commit()
        seconds = time.perf_counter() - started
    async with database.session(writes=False) as session:
        after = await session.scalar(select(func.count()).select_from(Activity))
    await database.dispose()
    return seconds, int(after or 0) - int(before or 0)


def main() -> int:
    """Measure and print."""
    args = parse_args()
    print(machine_line())
    with fresh_database("smarttask-fields-trail-", args.postgres, args.database) as where:
        seconds, entries = asyncio.run(measure(args.tasks))
    print(
        f"{where}, {args.tasks} tasks holding the option: removed in {seconds:.2f} s, "
        f"{entries} trail entries written (one a task, and the field's own)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
