"""The report builder's GET form, read into the API's own `ReportDefinition`.

The form sends what a person chose (empty fields for what they left alone); here the
empty ones are dropped, the due days become the start of that day in the workspace's time
zone, and the API's schema validates the rest, so the builder refuses exactly what
`POST /api/v1/analytics/custom-report` refuses, with its words, shown beside the fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import QueryParams

from smarttask.analytics.schemas import Dimension, Metric, ReportDefinition
from smarttask.kit.problems import ProblemError
from smarttask.tasks.schemas import Priority, Status
from smarttask.web import forms
from smarttask.web.pages.analytics.common import Range

DIMENSION_SLOTS = 3
DEFAULT_METRICS = (Metric.CREATED.value, Metric.COMPLETED.value)
DIMENSION_LABELS = {
    Dimension.DAY.value: "Day",
    Dimension.WEEK.value: "Week",
    Dimension.MONTH.value: "Month",
    Dimension.ASSIGNEE.value: "Assignee",
    Dimension.PROJECT.value: "Project",
    Dimension.STATUS.value: "Status",
    Dimension.PRIORITY.value: "Priority",
    Dimension.LABEL.value: "Label",
}
METRIC_LABELS = {
    Metric.CREATED.value: "Created",
    Metric.COMPLETED.value: "Completed",
    Metric.OPEN.value: "Still open",
    Metric.OVERDUE.value: "Overdue",
    Metric.COMPLETION_RATE.value: "Completion rate",
    Metric.CYCLE_TIME_HOURS_AVG.value: "Cycle time, average (hours)",
    Metric.CYCLE_TIME_HOURS_P50.value: "Cycle time, median (hours)",
    Metric.ESTIMATE_MINUTES_SUM.value: "Estimates (minutes)",
    Metric.TIME_SPENT_MINUTES_SUM.value: "Time spent (minutes)",
}
_FILTER_FIELDS = ("assignee_id", "label", "q", "due_after", "due_before")
# What a too-short list means on this form.
_FRIENDLY = {"metrics": "Choose at least one figure to count."}
_TEXT_LIMIT = 200


@dataclass
class ReportForm:
    """What the form holds (to show it again), the definition it makes, and its refusals."""

    dimensions: list[str]
    metrics: list[str]
    status: list[str]
    priority: list[str]
    values: dict[str, str]
    project_id: str | None
    definition: ReportDefinition | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def slots(self) -> list[str]:
        """The dimension chosen in each of the form's selects ("" for none)."""
        return (self.dimensions + [""] * DIMENSION_SLOTS)[:DIMENSION_SLOTS]

    def definition_json(self) -> str:
        """The definition as the saved report's body takes it (the API's JSON)."""
        assert self.definition is not None
        return self.definition.model_dump_json(by_alias=True, exclude_none=True)


def _texts(query: QueryParams, name: str, limit: int = 16) -> list[str]:
    return [value.strip()[:_TEXT_LIMIT] for value in query.getlist(name)[:limit] if value.strip()]


def read(query: QueryParams, project_id: str | None) -> ReportForm:
    """The form's fields as typed (bounded), before validation."""
    values = {name: (query.get(name) or "").strip()[:_TEXT_LIMIT] for name in _FILTER_FIELDS}
    metrics = _texts(query, "metric")
    if "metric" not in query and "dimension" not in query:
        metrics = list(DEFAULT_METRICS)  # a fresh builder starts with something to show
    return ReportForm(
        dimensions=_texts(query, "dimension", DIMENSION_SLOTS + 2),
        metrics=metrics,
        status=_texts(query, "status", len(Status) + 1),
        priority=_texts(query, "priority", len(Priority) + 1),
        values=values,
        project_id=project_id,
    )


def _start_of(day_text: str, zone: str) -> str | None:
    """The start of a typed day in the workspace's zone, as an RFC 3339 timestamp."""
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return None
    return datetime.combine(day, time.min, ZoneInfo(zone)).isoformat()


def _place(loc: list[str], message: str) -> str:
    """The form field a validation error belongs to (a whole-definition refusal: the
    dimensions, or the metrics when it speaks of them)."""
    parts = [part for part in loc if part != "body"]
    if not parts:
        return "metrics" if "metric" in message.lower() else "dimensions"
    if parts[0] == "filters" and len(parts) > 1:
        return parts[1]
    return {"from": "range", "to": "range", "days": "range"}.get(parts[0], parts[0])


def _message(place: str, error: Mapping[str, Any]) -> str:
    if place == "metrics" and error.get("type") == "too_short":
        return _FRIENDLY["metrics"]
    return str(error.get("msg", "This is not valid.")).removeprefix("Value error, ")


def validate(form: ReportForm, asked: Range, zone: str) -> ReportForm:
    """The form with its definition (the API's schema), or with its errors by field."""
    filters: dict[str, Any] = {}
    if form.status:
        filters["status"] = form.status
    if form.priority:
        filters["priority"] = form.priority
    for name in ("assignee_id", "label", "q"):
        if form.values[name]:
            filters[name] = form.values[name]
    for name in ("due_after", "due_before"):
        typed = form.values[name]
        if typed:
            stamp = _start_of(typed, zone)
            if stamp is None:
                form.errors[name] = "Enter a day as YYYY-MM-DD, for example 2026-11-30."
            else:
                filters[name] = stamp
    body: dict[str, Any] = {
        "dimensions": form.dimensions,
        "metrics": form.metrics,
        "filters": filters,
    }
    if form.project_id:
        body["project_id"] = form.project_id
    if asked.typed:
        if asked.start:
            body["from"] = asked.start.isoformat()
        if asked.end:
            body["to"] = asked.end.isoformat()
    else:
        body["days"] = asked.days
    try:
        definition = forms.parse(ReportDefinition, body)
    except ProblemError as refused:
        for error in refused.errors or ():
            loc = [str(part) for part in error.get("loc", ())]
            place = _place(loc, str(error.get("msg", "")))
            form.errors.setdefault(place, _message(place, error))
        return form
    if not form.errors:
        form.definition = definition
    return form


def options(labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """(value, label) pairs of a select or checkbox group."""
    return list(labels.items())
