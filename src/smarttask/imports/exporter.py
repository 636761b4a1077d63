"""A project's export, streamed in pages of tasks: smarttask/1 JSON or CSV.

Each page of tasks costs four queries (tasks, labels, dependencies with their keys,
comments with their authors' emails), whatever its size; memory holds one page.
Where the planning parts plug in: `_task_record` (state name, custom fields by name, rank,
recurrence, time spent), and the CSV header in formats/smarttask.py.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.types import utcnow
from smarttask.imports import repository
from smarttask.imports.formats.smarttask import CSV_HEADER, FORMAT, guard
from smarttask.projects.models import Project
from smarttask.tasks import repository as task_rows
from smarttask.tasks.models import Task
from smarttask.tasks.schemas import Priority

PAGE = 500


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def project_record(project: Project) -> dict[str, Any]:
    """What an export says of the project itself."""
    return {"name": project.name, "key": project.key, "description": project.description}


def _task_record(
    task: Task,
    key: str,
    labels: list[str],
    depends: list[str],
    comments: list[dict[str, Any]],
    refs: dict[str, str],
    emails: dict[str, str],
) -> dict[str, Any]:
    """One task of the export (states, fields, rank, recurrence, time plug in here)."""
    return {
        "ref": f"{key}-{task.number}",
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "priority": Priority.of_rank(task.priority).value,
        "labels": sorted(labels, key=str.casefold),
        "assignee_email": emails.get(task.assignee_id or ""),
        "due_at": _time(task.due_at),
        "estimate_minutes": task.estimate_minutes,
        "parent": refs.get(task.parent_id or ""),
        "depends_on": sorted(refs[i] for i in depends if i in refs),
        "comments": comments,
        "created_at": _time(task.created_at),
        "completed_at": _time(task.completed_at),
    }


async def task_records(session: AsyncSession, project: Project) -> AsyncIterator[dict[str, Any]]:
    """Every task of the project as export records, by number, a page at a time."""
    after = 0
    while True:
        page = list(await repository.task_page(session, project.id, after, PAGE))
        if not page:
            return
        after = page[-1].number
        ids = [task.id for task in page]
        labels = await task_rows.labels_of(session, ids)
        depends = await task_rows.dependencies_of(session, ids)
        comment_rows = await repository.comments_of(session, ids)
        linked = {d for ds in depends.values() for d in ds}
        linked |= {task.parent_id for task in page if task.parent_id}
        refs = await repository.refs_of(session, linked)
        people = {task.assignee_id for task in page if task.assignee_id}
        people |= {c.author_id for c in comment_rows if c.author_id}
        emails = await repository.emails_of(session, people)
        comments: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for comment in comment_rows:
            comments[comment.task_id].append(
                {
                    "author_email": emails.get(comment.author_id or ""),
                    "body": comment.body,
                    "created_at": _time(comment.created_at),
                }
            )
        for task in page:
            yield _task_record(
                task,
                project.key,
                labels.get(task.id, []),
                depends.get(task.id, []),
                comments.get(task.id, []),
                refs,
                emails,
            )


async def json_chunks(session: AsyncSession, project: Project) -> AsyncIterator[bytes]:
    """The project as smarttask/1 JSON, in chunks."""
    head = {"format": FORMAT, "exported_at": _time(utcnow()), "project": project_record(project)}
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "tasks": [').encode()
    first = True
    async for record in task_records(session, project):
        yield (("" if first else ",") + "\n" + json.dumps(record, ensure_ascii=False)).encode()
        first = False
    yield b"\n]}\n"


def csv_row(record: dict[str, Any]) -> list[str]:
    """One export record as the cells of a CSV row (lists as JSON, text formula-safe)."""
    cells: list[str] = []
    for name in CSV_HEADER:
        value = FORMAT if name == "format" else record.get(name)
        if isinstance(value, list):
            cells.append(json.dumps(value, ensure_ascii=False) if value else "")
        elif value is None:
            cells.append("")
        elif isinstance(value, str):
            cells.append(guard(value))
        else:
            cells.append(str(value))
    return cells


async def csv_chunks(session: AsyncSession, project: Project) -> AsyncIterator[bytes]:
    """The project's tasks as smarttask/1 CSV, in chunks of a page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    count = 0
    async for record in task_records(session, project):
        writer.writerow(csv_row(record))
        count += 1
        if count % PAGE == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
