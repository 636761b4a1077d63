"""A task's neighbours as pages: its subtasks and the tasks it depends on; tasks by key.

The access check is the caller's (the route, or the page, loaded the task for a viewer).
Each page costs three statements whatever its size: the tasks with their project key,
then their labels, then their dependencies (tasks/service.py `to_read`).
"""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.kit.pagination import Page, created_cursor, created_keyset, fetch_page
from smarttask.tasks import repository
from smarttask.tasks.models import Task
from smarttask.tasks.schemas import TaskRead
from smarttask.tasks.service import to_read

KEY = re.compile(r"^([A-Z][A-Z0-9]{1,9})-([1-9][0-9]{0,9})$")


async def subtasks_page(
    session: AsyncSession, task: Task, cursor: str | None, limit: int
) -> Page[TaskRead]:
    """The task's direct subtasks, oldest first."""
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: repository.children(session, task.id, after=after, limit=size),
        lambda row: created_cursor(row[0].created_at, row[0].id),
    )
    return Page(items=await to_read(session, rows.items), next_cursor=rows.next_cursor)


async def dependencies_page(
    session: AsyncSession,
    task: Task,
    cursor: str | None,
    limit: int,
    hidden_for: str | None = None,
) -> Page[TaskRead]:
    """The tasks this one depends on (in projects the reader sees), in the order added."""
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: repository.depended_on(
            session, task.id, after=after, limit=size, hidden_for=hidden_for
        ),
        lambda row: created_cursor(row[2], row[0].id),
    )
    items = await to_read(session, [(found, key) for found, key, _ in rows.items])
    return Page(items=items, next_cursor=rows.next_cursor)


async def find_by_key(
    session: AsyncSession, workspace_id: str, key: str
) -> tuple[Task, str] | None:
    """The workspace's task with this key (such as WEB-42, case-sensitive), if any."""
    match = KEY.match(key)
    if match is None:
        return None
    return await repository.get_by_number(
        session, workspace_id, match.group(1), int(match.group(2))
    )
