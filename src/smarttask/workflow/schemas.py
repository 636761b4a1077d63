"""Workflow state bodies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from smarttask.kit.schemas import InputSchema, OutputSchema

StateName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Color = Annotated[str, StringConstraints(max_length=7, pattern=r"^#[0-9a-fA-F]{6}$", to_lower=True)]
Position = Annotated[int, Field(ge=0, le=1000)]


class Category(StrEnum):
    """The task status a state stands for."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


# What every new project starts with: the board's columns of the four statuses.
DEFAULT_STATES = (
    ("To do", Category.TODO, "#6b7280"),
    ("In progress", Category.IN_PROGRESS, "#2563eb"),
    ("Done", Category.DONE, "#16a34a"),
    ("Cancelled", Category.CANCELLED, "#9ca3af"),
)


class StateCreate(InputSchema):
    """A new state; without a position it goes last."""

    name: StateName
    category: Category
    color: Color = "#6b7280"
    position: Position | None = None


class StateUpdate(InputSchema):
    """A partial change; a new position moves the state there, the others shift."""

    name: StateName | None = None
    color: Color | None = None
    position: Position | None = None


class StateRead(OutputSchema):
    """A workflow state as clients see it."""

    id: str
    project_id: str
    name: str
    category: Category
    color: str
    position: int
    created_at: datetime
    updated_at: datetime
    version: int


class StateRef(OutputSchema):
    """What a task says of its state."""

    id: str
    name: str
    category: Category
