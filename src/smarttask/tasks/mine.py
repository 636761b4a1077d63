"""My tasks: the task list's filters over the caller's assigned tasks in all their workspaces."""

from __future__ import annotations

from dataclasses import replace

from smarttask.kit.problems import ValidationFailed
from smarttask.tasks.filters import TaskFilters
from smarttask.tasks.query import TaskQuery
from smarttask.tasks.schemas import OPEN_STATUSES

# Without a `sort` (and no search): soonest due first, so overdue first, undated last.
DEFAULT_SORT = "due_at"
ME = "me"


def my_query(filters: TaskFilters, user_id: str, cursor: str | None) -> TaskQuery:
    """The query of the caller's assigned tasks: open ones unless `status` says otherwise."""
    if filters.assignee_id not in (None, "", ME, user_id):
        message = "My tasks are the caller's own: assignee_id may only be 'me'."
        raise ValidationFailed(
            message,
            errors=[{"loc": ["query", "assignee_id"], "msg": message, "type": "value_error"}],
        )
    searching = bool(filters.q and filters.q.strip())
    sort = filters.sort or (None if searching else DEFAULT_SORT)
    query = replace(filters, assignee_id=None, sort=sort).query("", None, cursor)
    statuses = query.statuses or tuple(sorted(OPEN_STATUSES))
    return replace(query, statuses=statuses, assigned_to=user_id)
