"""Bodies of the analytics calls."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from smarttask.kit.schemas import InputSchema, OutputSchema, Timestamp
from smarttask.tasks.schemas import Priority, RiskLevel, Status


class DayCount(OutputSchema):
    """A count on one calendar day of the workspace's zone."""

    date: date
    count: int


class Percentiles(OutputSchema):
    """Cycle time (creation to completion) in hours; null without completions."""

    p50: float | None
    p85: float | None


class CycleBucket(OutputSchema):
    """How many completions took a cycle time in a range (`bucket` names it)."""

    bucket: str
    count: int


class Totals(OutputSchema):
    """The tasks as they are now."""

    todo: int
    in_progress: int
    done: int
    cancelled: int
    overdue: int
    at_risk: int


class Workload(OutputSchema):
    """Open tasks (to do, in progress) of one member."""

    user_id: str
    name: str
    open_assigned: int


class Dashboard(OutputSchema):
    """The workspace (or one project) at a glance over a range of days."""

    workspace_id: str
    project_id: str | None
    timezone: str
    from_: date = Field(alias="from")
    to: date
    totals: Totals
    created_per_day: list[DayCount]
    completed_per_day: list[DayCount]
    cycle_time_hours: Percentiles
    cycle_time_distribution: list[CycleBucket]
    workload: list[Workload]

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class MemberPerformance(OutputSchema):
    """One member's figures over the range."""

    user_id: str
    name: str
    open_assigned: int
    completed: int
    completed_on_time: int
    completed_with_due_date: int
    on_time_rate: float | None
    cycle_time_hours_p50: float | None


class TeamPerformance(OutputSchema):
    """Every member's figures over the range (admins and owners)."""

    workspace_id: str
    from_: date = Field(alias="from")
    to: date
    members: list[MemberPerformance]

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class BurnupDay(OutputSchema):
    """The project's scope (tasks not cancelled) and done tasks at the end of a day."""

    date: date
    scope: int
    done: int


class Forecast(OutputSchema):
    """When the open scope is done, with 50 % and 85 % confidence (null: no throughput)."""

    p50_date: date | None
    p85_date: date | None
    remaining: int
    throughput_days: int
    runs: int
    note: str


class ProjectProgress(OutputSchema):
    """A project's completion, burn-up and forecast."""

    project_id: str
    from_: date = Field(alias="from")
    to: date
    total: int
    done: int
    cancelled: int
    completion_rate: float | None
    burnup: list[BurnupDay]
    forecast: Forecast

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class MyFigures(OutputSchema):
    """The caller's own figures in a workspace."""

    workspace_id: str
    user_id: str
    from_: date = Field(alias="from")
    to: date
    open_assigned: int
    overdue_assigned: int
    completed: int
    completed_on_time: int
    completed_with_due_date: int
    on_time_rate: float | None
    cycle_time_hours: Percentiles
    completed_per_day: list[DayCount]

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Dimension(StrEnum):
    """What a custom report groups by."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    ASSIGNEE = "assignee"
    PROJECT = "project"
    STATUS = "status"
    PRIORITY = "priority"
    LABEL = "label"


class Metric(StrEnum):
    """What a custom report counts."""

    CREATED = "created"
    COMPLETED = "completed"
    OPEN = "open"
    OVERDUE = "overdue"
    COMPLETION_RATE = "completion_rate"
    CYCLE_TIME_HOURS_AVG = "cycle_time_hours_avg"
    CYCLE_TIME_HOURS_P50 = "cycle_time_hours_p50"
    ESTIMATE_MINUTES_SUM = "estimate_minutes_sum"
    TIME_SPENT_MINUTES_SUM = "time_spent_minutes_sum"


class ReportFilters(InputSchema):
    """The task-list filters, as a custom report takes them."""

    status: list[Status] | None = Field(default=None, max_length=4)
    priority: list[Priority] | None = Field(default=None, max_length=5)
    assignee_id: str | None = Field(default=None, max_length=64)
    label: str | None = Field(default=None, min_length=1, max_length=50)
    due_before: Timestamp | None = None
    due_after: Timestamp | None = None
    q: str | None = Field(default=None, min_length=1, max_length=200)
    risk: list[RiskLevel] | None = Field(default=None, max_length=3)


class ReportDefinition(InputSchema):
    """A custom report: up to three dimensions, one to eight metrics, the list filters."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "dimensions": ["week", "assignee"],
                    "metrics": ["created", "completed", "cycle_time_hours_p50"],
                    "filters": {"priority": ["high", "urgent"]},
                }
            ]
        },
    )

    dimensions: list[Dimension] = Field(default_factory=list, max_length=3)
    metrics: list[Metric] = Field(min_length=1, max_length=8)
    filters: ReportFilters = Field(default_factory=ReportFilters)
    project_id: str | None = Field(default=None, max_length=64)
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    days: int | None = Field(
        default=None,
        ge=1,
        le=1096,
        description="without from/to: the last `days` days up to today (default 30)",
    )

    @model_validator(mode="after")
    def _distinct(self) -> ReportDefinition:
        if len(set(self.dimensions)) < len(self.dimensions):
            raise ValueError("Each dimension may appear once.")
        if sum(d in (Dimension.DAY, Dimension.WEEK, Dimension.MONTH) for d in self.dimensions) > 1:
            raise ValueError("Use at most one of day, week and month.")
        if len(set(self.metrics)) < len(self.metrics):
            raise ValueError("Each metric may appear once.")
        return self


class ReportResult(OutputSchema):
    """A custom report's table: one column per dimension, then one per metric."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = Field(description="more rows than the 10,000 shown")
    from_: date = Field(alias="from")
    to: date
    timezone: str

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
