"""Saved view bodies (contract §11, saved views)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints

from smarttask.kit.schemas import InputSchema, OutputSchema

# What a view's `filters` may hold: the list's query parameters, each a string or a list of
# strings (a repeatable parameter), as a query string would send them.
MAX_FILTERS = 30
MAX_VALUES = 20
ParamName = Annotated[str, StringConstraints(min_length=1, max_length=80)]
ParamValue = Annotated[str, StringConstraints(max_length=200)]
FilterValue = ParamValue | Annotated[list[ParamValue], Field(min_length=1, max_length=MAX_VALUES)]
Filters = Annotated[
    dict[ParamName, FilterValue],
    Field(
        max_length=MAX_FILTERS,
        description=(
            "The task list's query parameters (status, priority, assignee_id, label, "
            "due_before, due_after, q, risk, project_id, ...): a string or a list of strings "
            'each; `"assignee_id": "me"` is whoever runs the view'
        ),
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Sort = Annotated[
    str | None,
    StringConstraints(max_length=40),
    Field(description="a sort of the task list (created_at, -due_at, ...); null: its default"),
]


class Layout(StrEnum):
    """How a view shows its tasks."""

    LIST = "list"
    BOARD = "board"
    CALENDAR = "calendar"


class ViewCreate(InputSchema):
    """A new saved view."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "My open bugs",
                    "filters": {"status": ["todo", "in_progress"], "label": "bug"},
                    "sort": "due_at",
                    "layout": "list",
                    "shared": False,
                }
            ]
        }
    )

    name: Name
    filters: Filters = Field(default_factory=dict)
    sort: Sort = None
    layout: Layout = Layout.LIST
    shared: bool = False


class ViewUpdate(InputSchema):
    """A change to a saved view: only the fields sent change."""

    name: Name | None = None
    filters: Filters | None = None
    sort: Sort = None
    layout: Layout | None = None
    shared: bool | None = None


class ViewRead(OutputSchema):
    """A saved view."""

    id: str
    workspace_id: str
    owner_id: str
    name: str
    filters: dict[str, Any]
    sort: str | None
    layout: Layout
    shared: bool
    created_at: datetime
    updated_at: datetime
    version: int
