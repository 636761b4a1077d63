"""Trash bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from smarttask.kit.schemas import OutputSchema
from smarttask.tasks.schemas import TaskRead


class DeletedBy(OutputSchema):
    """Who deleted a task (null once their account is gone)."""

    id: str
    name: str | None


class ProjectRef(OutputSchema):
    """The project a trashed task was in (`name` null once the project is deleted)."""

    id: str
    name: str | None


class TrashItem(OutputSchema):
    """A deleted task, restorable until `purge_at`."""

    id: str
    key: str
    title: str
    project: ProjectRef
    deleted_by: DeletedBy | None
    deleted_at: datetime
    purge_at: datetime


class RestoredTask(TaskRead):
    """A restored task, with what could not be put back (links to rows gone since)."""

    dropped: list[dict[str, Any]]
