"""A project's export, streamed in pages of tasks: smarttask/1 JSON or CSV.

Each page of tasks costs a fixed number of queries (tasks, labels, dependencies with their
keys, comments, time entries, custom field values, people's emails), whatever its size;
memory holds one page. The project's states and its workspace's field definitions are read
once: each task names its state, and its field values, by name (options by name, users and
time entries' people by email), so that the file imports into another workspace; `rank`
keeps the order within a column. A running timer is not exported (it is not time spent yet).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.types import utcnow
from smarttask.fields import repository as field_rows
from smarttask.fields import service as fields
from smarttask.fields.models import CustomField
from smarttask.fields.schemas import MAX_FIELDS
from smarttask.imports import repository
from smarttask.imports.formats.smarttask import CSV_HEADER, FORMAT, guard
from smarttask.projects.models import Project
from smarttask.tasks import recurring
from smarttask.tasks import repository as task_rows
from smarttask.tasks.models import Task
from smarttask.tasks.schemas import Priority
from smarttask.timetracking.models import TimeEntry
from smarttask.workflow import repository as state_rows
from smarttask.workflow.models import WorkflowState

PAGE = 500


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def project_record(project: Project) -> dict[str, Any]:
    """What an export says of the project itself."""
    return {"name": project.name, "key": project.key, "description": project.description}


@dataclass(slots=True)
class Planning:
    """What a task's record names by name: its project's states, its workspace's fields."""

    states: list[WorkflowState]
    fields: list[CustomField]

    @classmethod
    async def of(cls, session: AsyncSession, project: Project) -> Planning:
        """The project's states (board order) and its workspace's fields."""
        states = await state_rows.of_project(session, project.id)
        found = await field_rows.list_for_workspace(
            session, project.workspace_id, after=None, limit=MAX_FIELDS
        )
        return cls(states, found)

    def head(self) -> dict[str, Any]:
        """The states and field definitions, as the file's head lists them."""
        return {
            "states": [
                {"name": s.name, "category": s.category, "color": s.color, "position": s.position}
                for s in self.states
            ],
            "fields": [
                {"name": f.name, "type": f.type, "options": [o["name"] for o in f.options]}
                for f in self.fields
            ],
        }

    def values(self, given: dict[str, Any], emails: dict[str, str]) -> dict[str, Any]:
        """A task's field values by field name (options by name, users by email)."""
        found: dict[str, Any] = {}
        for field in self.fields:
            if field.id not in given:
                continue
            value = given[field.id]
            names = {o["id"]: o["name"] for o in field.options}
            if field.type == "select":
                value = names.get(value)
            elif field.type == "multi_select":
                value = sorted((names[v] for v in value if v in names), key=str.casefold)
            elif field.type == "user":
                value = emails.get(value)
            if value is not None:
                found[field.name] = value
        return found


def _time_entry_record(entry: TimeEntry, emails: dict[str, str]) -> dict[str, Any]:
    """One finished time entry of a task's record; its person by email."""
    return {
        "user_email": emails.get(entry.user_id),
        "started_at": _time(entry.started_at),
        "ended_at": _time(entry.ended_at),
        "minutes": entry.minutes,
        "date": entry.date.isoformat(),
        "note": entry.note,
        "created_at": _time(entry.created_at),
    }


def _task_record(
    task: Task,
    key: str,
    labels: list[str],
    depends: list[str],
    comments: list[dict[str, Any]],
    refs: dict[str, str],
    emails: dict[str, str],
    extra: dict[str, Any],
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
        "recurrence": recurring.value(task),
        **extra,
    }


async def task_records(
    session: AsyncSession, project: Project, planning: Planning | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Every task of the project as export records, by number, a page at a time."""
    planning = planning or await Planning.of(session, project)
    state_names = {state.id: state.name for state in planning.states}
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
        entry_rows = await repository.time_entries_of(session, ids)
        linked = {d for ds in depends.values() for d in ds}
        linked |= {task.parent_id for task in page if task.parent_id}
        refs = await repository.refs_of(session, linked)
        people = {task.assignee_id for task in page if task.assignee_id}
        people |= {c.author_id for c in comment_rows if c.author_id}
        people |= {entry.user_id for entry in entry_rows}
        values = await fields.read_values(session, ids) if planning.fields else {}
        user_fields = {f.id for f in planning.fields if f.type == "user"}
        people |= {v for vs in values.values() for i, v in vs.items() if i in user_fields and v}
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
        time_entries: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for entry in entry_rows:
            time_entries[entry.task_id].append(_time_entry_record(entry, emails))
        for task in page:
            yield _task_record(
                task,
                project.key,
                labels.get(task.id, []),
                depends.get(task.id, []),
                comments.get(task.id, []),
                refs,
                emails,
                {
                    "state": state_names.get(task.state_id),
                    "rank": task.rank,
                    "fields": planning.values(values.get(task.id, {}), emails),
                    "time_entries": time_entries.get(task.id, []),
                },
            )


async def json_chunks(session: AsyncSession, project: Project) -> AsyncIterator[bytes]:
    """The project as smarttask/1 JSON, in chunks."""
    planning = await Planning.of(session, project)
    head = {
        "format": FORMAT,
        "exported_at": _time(utcnow()),
        "project": project_record(project),
        **planning.head(),
    }
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "tasks": [').encode()
    first = True
    async for record in task_records(session, project, planning):
        yield (("" if first else ",") + "\n" + json.dumps(record, ensure_ascii=False)).encode()
        first = False
    yield b"\n]}\n"


def csv_row(record: dict[str, Any], types: dict[str, str] | None = None) -> list[str]:
    """One export record as the cells of a CSV row (lists as JSON, text formula-safe);
    `types`: each field's type by name (a CSV row carries it with each value)."""
    types = types or {}
    cells: list[str] = []
    for name in CSV_HEADER:
        value = FORMAT if name == "format" else record.get(name)
        if name == "fields" and isinstance(value, dict):
            value = [{"name": k, "type": types.get(k), "value": v} for k, v in value.items()]
        if isinstance(value, (list, dict)):
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
    planning = await Planning.of(session, project)
    types = {field.name: field.type for field in planning.fields}
    async for record in task_records(session, project, planning):
        writer.writerow(csv_row(record, types))
        count += 1
        if count % PAGE == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
