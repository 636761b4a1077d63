"""The task list's filters, as query parameters, and the query they make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from smarttask.fields.query import PREFIX as FIELD_PREFIX
from smarttask.kit.schemas import Timestamp
from smarttask.tasks import query as task_query
from smarttask.tasks.schemas import Priority, RiskLevel, Status


@dataclass(frozen=True, slots=True)
class TaskFilters:
    """The list filters of a request, as validated query parameters."""

    status: list[Status] | None
    priority: list[Priority] | None
    assignee_id: str | None
    label: str | None
    due_before: datetime | None
    due_after: datetime | None
    q: str | None
    risk: list[RiskLevel] | None
    sort: str | None
    field_params: tuple[tuple[str, str], ...] = ()

    def query(
        self, workspace_id: str, project_id: str | None, cursor: str | None
    ) -> task_query.TaskQuery:
        """The validated query."""
        # A blank search ("q=%0A") is no search: the default order must not be relevance.
        q = self.q.strip() or None if self.q else None
        field, descending = task_query.parse_sort(self.sort, q)
        tag = ("-" if descending else "") + field
        return task_query.TaskQuery(
            workspace_id=workspace_id,
            project_id=project_id,
            statuses=task_query.parse_statuses(self.status),
            priorities=task_query.parse_priorities(self.priority),
            assignee_id=self.assignee_id,
            label=self.label,
            due_before=self.due_before,
            due_after=self.due_after,
            q=q,
            risks=task_query.parse_risks(self.risk),
            sort=field,
            descending=descending,
            after=task_query.decode_position(cursor, tag),
            field_params=self.field_params,
        )


async def task_filters(
    request: Request,
    status: Annotated[list[Status] | None, Query(max_length=4)] = None,
    priority: Annotated[list[Priority] | None, Query(max_length=5)] = None,
    assignee_id: Annotated[str | None, Query(max_length=64)] = None,
    label: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    due_before: Timestamp | None = None,
    due_after: Timestamp | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    risk: Annotated[
        list[RiskLevel] | None,
        Query(max_length=3, description="low, medium or high (repeatable)"),
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            max_length=50,
            description="created_at, updated_at, due_at, priority, rank or field.<custom field "
            "id>; "
            "'-' for descending",
        ),
    ] = None,
) -> TaskFilters:
    """The list filters of the request (an `async def`: no thread hop, a hot route's dependency)."""
    fields = tuple(
        (name, value)
        for name, value in request.query_params.multi_items()
        if name.startswith(FIELD_PREFIX)
    )
    return TaskFilters(
        status, priority, assignee_id, label, due_before, due_after, q, risk, sort, fields
    )


Filters = Annotated[TaskFilters, Depends(task_filters)]
