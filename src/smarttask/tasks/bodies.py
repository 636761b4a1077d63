"""The one definition of a task's answer body, from its stored values.

Both read paths build task bodies here: the session path validates them into `TaskRead`
(tasks/service.py), the fast read path serialises them as they are (tasks/reads.py). The
dict has TaskRead's fields, in its order, with the values its serialisation produces.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import orjson

from smarttask.tasks.schemas import OPEN_STATUSES, Priority

# The task columns a body is made of.
BODY_COLUMNS = (
    "id",
    "number",
    "project_id",
    "workspace_id",
    "title",
    "description",
    "status",
    "priority",
    "assignee_id",
    "reporter_id",
    "parent_id",
    "due_at",
    "estimate_minutes",
    "created_at",
    "updated_at",
    "completed_at",
    "version",
    "risk_score",
    "risk_level",
    "risk_factors",
    "state_id",
    "rank",
    "recurrence_rule",
    "recurrence_from",
    "time_spent_minutes",
)
_PRIORITIES = tuple(priority.value for priority in Priority)


class TaskValues(Protocol):
    """A task's stored values by column name (a row, or `ObjectValues(task)`)."""

    def __getitem__(self, key: str, /) -> Any:
        """The value of one column."""


class ObjectValues:
    """An ORM object read as TaskValues, with values read elsewhere (its `state_name`)."""

    __slots__ = ("_extra", "_obj")

    def __init__(self, obj: object, **extra: Any) -> None:
        self._obj = obj
        self._extra = extra

    def __getitem__(self, key: str) -> Any:
        """The attribute of that name."""
        if key in self._extra:
            return self._extra[key]
        return getattr(self._obj, key)


def _risk(values: TaskValues) -> dict[str, Any] | None:
    """The stored risk score of an open task (RiskRead), else None."""
    level = values["risk_level"]
    if level is None or values["status"] not in OPEN_STATUSES:
        return None
    factors = values["risk_factors"]
    if isinstance(factors, str):  # JSON text, as the driver returns it without SQLAlchemy
        factors = orjson.loads(factors)
    return {
        "score": float(values["risk_score"]),
        "level": level,
        "factors": [
            {"name": str(factor["name"]), "weight": float(factor["weight"])}
            for factor in factors or ()
        ],
    }


def task_body(
    values: TaskValues,
    project_key: str,
    labels: Iterable[str],
    depends_on: Iterable[str],
    fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A task as clients see it: TaskRead's fields from the stored values."""
    number, status = values["number"], values["status"]
    return {
        "id": values["id"],
        "key": f"{project_key}-{number}",
        "number": number,
        "project_id": values["project_id"],
        "workspace_id": values["workspace_id"],
        "title": values["title"],
        "description": values["description"],
        "status": status,
        "priority": _PRIORITIES[values["priority"]],
        "assignee_id": values["assignee_id"],
        "reporter_id": values["reporter_id"],
        "labels": list(labels),
        "parent_id": values["parent_id"],
        "due_at": values["due_at"],
        "estimate_minutes": values["estimate_minutes"],
        "created_at": values["created_at"],
        "updated_at": values["updated_at"],
        "completed_at": values["completed_at"],
        "version": values["version"],
        "risk": _risk(values),
        "depends_on": list(depends_on),
        "state": {"id": values["state_id"], "name": values["state_name"], "category": status},
        "rank": values["rank"],
        "fields": fields or {},
        "recurrence": (
            None
            if values["recurrence_rule"] is None
            else {"rrule": values["recurrence_rule"], "from": values["recurrence_from"]}
        ),
        "time_spent_minutes": values["time_spent_minutes"],
    }
