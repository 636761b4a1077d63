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


class TrashItem(OutputSchema):
    """A deleted task, restorable until `purge_at`."""

    id: str
    key: str
    title: str
    project: dict[str, Any]
    deleted_by: DeletedBy | None
    deleted_at: datetime
    purge_at: datetime


class RestoredTask(TaskRead):
    """A restored task, with what could not be put back (links to rows gone since)."""

    dropped: list[dict[str, Any]]
