"""Task bodies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from smarttask.fields.schemas import FieldValues
from smarttask.kit.days import EARLIEST_DAY, LATEST_DAY, midnight
from smarttask.kit.schemas import InputSchema, OutputSchema
from smarttask.recurrence.schemas import RecurrenceRead, RecurrenceWrite
from smarttask.workflow.schemas import StateRef

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Description = Annotated[str, Field(max_length=50_000)]
LabelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Estimate = Annotated[int, Field(ge=0, le=1_000_000)]
MAX_LABELS = 20


class Status(StrEnum):
    """Where a task stands."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


# The statuses of work still to do: overdue, "my tasks" and the risk model count only these.
OPEN_STATUSES = frozenset({Status.TODO.value, Status.IN_PROGRESS.value})


class Priority(StrEnum):
    """How much a task matters; stored as a rank so that it sorts."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 (none) to 4 (urgent)."""
        return list(Priority).index(self)

    @classmethod
    def of_rank(cls, rank: int) -> Priority:
        """The priority of a stored rank."""
        return list(cls)[rank]


# The due dates a task may have (kit/days.py).
EARLIEST_DUE, LATEST_DUE = midnight(EARLIEST_DAY), midnight(LATEST_DAY)


def _due(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("timestamps need a timezone (for example 2026-11-22T10:00:00Z)")
    if not EARLIEST_DUE <= value <= LATEST_DUE:
        raise ValueError(f"a due date must be from {EARLIEST_DAY} to {LATEST_DAY}")
    return value


def _unique_labels(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    seen: dict[str, str] = {}
    for name in value:
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


class TaskCreate(InputSchema):
    """A new task."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Ship the sign-in page",
                    "priority": "high",
                    "due_at": "2026-12-01T10:00:00Z",
                    "labels": ["frontend"],
                    "estimate_minutes": 90,
                }
            ]
        }
    )

    title: Title
    description: Description = ""
    status: Status = Status.TODO
    priority: Priority = Priority.NONE
    assignee_id: str | None = Field(default=None, max_length=64)
    labels: list[LabelName] = Field(default_factory=list, max_length=MAX_LABELS)
    parent_id: str | None = Field(default=None, max_length=64)
    due_at: datetime | None = None
    estimate_minutes: Estimate | None = None
    state_id: str | None = Field(
        default=None, max_length=64, description="a workflow state of the project"
    )
    fields: FieldValues = Field(default_factory=dict, description="custom field id -> value")
    recurrence: RecurrenceWrite | None = None

    _check_due = field_validator("due_at")(_due)
    _dedupe = field_validator("labels")(_unique_labels)


class TaskUpdate(InputSchema):
    """A partial change: only the fields sent are changed (null clears a nullable field)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "in_progress", "priority": "urgent"}]}
    )

    title: Title | None = None
    description: Description | None = None
    status: Status | None = None
    priority: Priority | None = None
    assignee_id: str | None = Field(default=None, max_length=64)
    labels: list[LabelName] | None = Field(default=None, max_length=MAX_LABELS)
    parent_id: str | None = Field(default=None, max_length=64)
    due_at: datetime | None = None
    estimate_minutes: Estimate | None = None
    project_id: str | None = Field(
        default=None,
        max_length=64,
        description="move the task, with its subtasks, to another project of its workspace "
        "(it takes that project's next number, so its key changes)",
    )
    state_id: str | None = Field(
        default=None, max_length=64, description="a workflow state of the task's project"
    )
    fields: FieldValues | None = Field(default=None, description="custom field id -> value")
    recurrence: RecurrenceWrite | None = None

    _check_due = field_validator("due_at")(_due)
    _dedupe = field_validator("labels")(_unique_labels)


class TaskMove(InputSchema):
    """Where to put a card: in `state_id`'s column (default: its own), after the task
    `after_id` and/or before the task `before_id` (both of that column); neither: last."""

    state_id: str | None = Field(default=None, min_length=1, max_length=64)
    after_id: str | None = Field(default=None, min_length=1, max_length=64)
    before_id: str | None = Field(default=None, min_length=1, max_length=64)


class RiskLevel(StrEnum):
    """How likely a task is to miss its due date."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RiskFactor(OutputSchema):
    """What moved a risk score: its contribution to the log-odds (positive raises the risk)."""

    name: str
    weight: float


class RiskRead(OutputSchema):
    """The probability that a task misses its due date, from the fast model (layer 1)."""

    score: float = Field(ge=0, le=1)
    level: RiskLevel
    factors: list[RiskFactor]


class DependencyCreate(InputSchema):
    """A task this one depends on."""

    depends_on_id: str = Field(min_length=1, max_length=64)


class TaskCounts(OutputSchema):
    """How many tasks of a project are in each status."""

    todo: int
    in_progress: int
    done: int
    cancelled: int


class TaskRead(OutputSchema):
    """A task as clients see it."""

    id: str
    key: str
    number: int
    project_id: str
    workspace_id: str
    title: str
    description: str
    status: Status
    priority: Priority
    assignee_id: str | None
    reporter_id: str | None
    labels: list[str]
    parent_id: str | None
    due_at: datetime | None
    estimate_minutes: int | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    version: int
    risk: RiskRead | None
    depends_on: list[str]
    state: StateRef
    rank: str
    fields: dict[str, Any] = Field(default_factory=dict)
    recurrence: RecurrenceRead | None
    time_spent_minutes: int
