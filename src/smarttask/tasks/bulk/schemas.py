"""Bulk-edit bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from smarttask.kit.schemas import InputSchema, OutputSchema
from smarttask.tasks.schemas import TaskRead, TaskUpdate

TaskId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MAX_BULK = 100


def _unique(ids: list[str]) -> list[str]:
    if len(set(ids)) != len(ids):
        raise ValueError("task_ids must not repeat a task")
    return ids


class BulkUpdate(InputSchema):
    """The same partial change for 1-100 tasks, all or nothing."""

    task_ids: list[TaskId] = Field(min_length=1, max_length=MAX_BULK)
    changes: TaskUpdate

    _unique_ids = field_validator("task_ids")(_unique)


class BulkDelete(InputSchema):
    """1-100 tasks to move to the trash, all or nothing."""

    task_ids: list[TaskId] = Field(min_length=1, max_length=MAX_BULK)

    _unique_ids = field_validator("task_ids")(_unique)


class BulkResult(OutputSchema):
    """The tasks as they are after a bulk edit, in the order asked."""

    items: list[TaskRead]
