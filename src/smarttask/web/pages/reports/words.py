"""A saved report in words: its definition, its schedule, and its table's cells.

The labels are the report builder's (`web/pages/analytics/report_form.py`), so a report
reads on its page as it was built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from smarttask.analytics.schemas import Dimension, ReportResult
from smarttask.reports.schemas import ScheduleRead
from smarttask.web.pages.analytics.report_form import DIMENSION_LABELS, METRIC_LABELS
from smarttask.web.pages.analytics.report_view import cell_text
from smarttask.web.pages.projects.cards import PRIORITY_LABELS, RISK_LABELS, STATUS_LABELS
from smarttask.web.render import day

FORMAT_NAMES = {"csv": "CSV", "xlsx": "Excel", "pdf": "PDF"}
FREQUENCY_NAMES = {"daily": "Daily", "weekly": "Weekly, Mondays", "monthly": "Monthly, on the 1st"}
DEFAULT_DAYS = 30  # a definition without days or dates covers this many (reports.service)
_HEADERS = {**DIMENSION_LABELS, Dimension.WEEK.value: "Week (from Monday)"}


def _or(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _lower_first(words: Sequence[str]) -> list[str]:
    return [words[0], *(w[0].lower() + w[1:] for w in words[1:])] if words else []


def _stamp_day(value: Any) -> str:
    """The day of a stored due-date filter (an RFC 3339 timestamp) as people read it."""
    try:
        return day(datetime.fromisoformat(str(value)).date())
    except ValueError:
        return str(value)


def _days(definition: Mapping[str, Any]) -> str:
    start, end = definition.get("from"), definition.get("to")
    count = definition.get("days") or DEFAULT_DAYS
    if start and end:
        return f"{day(date.fromisoformat(start))} to {day(date.fromisoformat(end))}"
    if start:
        return f"From {day(date.fromisoformat(start))} to the day it runs"
    if end:
        return f"The {count} days up to {day(date.fromisoformat(end))}"
    return f"The last {count} days, up to the day it runs"


def _filters(filters: Mapping[str, Any], people: Mapping[str, str]) -> list[str]:
    found = []
    if filters.get("status"):
        found.append("Status " + _or([STATUS_LABELS.get(s, s) for s in filters["status"]]))
    if filters.get("priority"):
        found.append("Priority " + _or([PRIORITY_LABELS.get(p, p) for p in filters["priority"]]))
    if filters.get("risk"):
        found.append(_or([RISK_LABELS.get(r, r) for r in filters["risk"]]))
    if filters.get("assignee_id"):
        who = people.get(filters["assignee_id"], "someone no longer in the workspace")
        found.append(f"Assigned to {who}")
    if filters.get("label"):
        found.append(f"Labelled “{filters['label']}”")
    if filters.get("due_after"):
        found.append(f"Due on or after {_stamp_day(filters['due_after'])}")
    if filters.get("due_before"):
        found.append(f"Due before {_stamp_day(filters['due_before'])}")
    if filters.get("q"):
        found.append(f"With the words “{filters['q']}”")
    return found


def definition_terms(
    definition: Mapping[str, Any], people: Mapping[str, str], project: str | None
) -> list[tuple[str, str]]:
    """The definition as (term, words) pairs for a description list."""
    dimensions = [DIMENSION_LABELS.get(d, d) for d in definition.get("dimensions") or ()]
    metrics = [METRIC_LABELS.get(m, m) for m in definition.get("metrics") or ()]
    filters = _filters(definition.get("filters") or {}, people)
    return [
        ("Grouped by", ", then ".join(_lower_first(dimensions)) or "Nothing: one row of all tasks"),
        ("Figures", ", ".join(_lower_first(metrics))),
        ("Days", _days(definition)),
        ("Project", project or "All projects"),
        ("Which tasks", "; ".join(filters) if filters else "Every task"),
    ]


def schedule_summary(schedule: ScheduleRead | None) -> str | None:
    """ "Weekly, Mondays 09:00 Europe/Paris, Excel to 2 recipients", or "Stopped: why"."""
    if schedule is None:
        return None
    if schedule.stopped_reason:
        return f"Stopped: {schedule.stopped_reason}"
    count = len(schedule.recipients)
    how = " as a download link" if schedule.delivery.value == "storage" else ""
    return (
        f"{FREQUENCY_NAMES[schedule.frequency.value]} {schedule.time} {schedule.timezone}, "
        f"{FORMAT_NAMES[schedule.format.value]}{how} to {count} "
        f"recipient{'' if count == 1 else 's'}"
    )


def next_run(schedule: ScheduleRead | None) -> str | None:
    """When the schedule runs next, in its own time zone (None once stopped)."""
    if schedule is None or schedule.next_run_at is None:
        return None
    local = schedule.next_run_at.astimezone(ZoneInfo(schedule.timezone))
    return f"{local.strftime('%a')} {day(local)}, {local.strftime('%H:%M')} {schedule.timezone}"


@dataclass(frozen=True, slots=True)
class Table:
    """A report's table as the page shows it: headers, cells in words, the first rows."""

    headers: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    total_rows: int
    truncated: bool


def table(result: ReportResult, limit: int) -> Table:
    """The first `limit` rows of the result, in words."""
    columns = result.columns
    return Table(
        headers=[_HEADERS.get(c) or METRIC_LABELS.get(c) or c for c in columns],
        numeric=[c in METRIC_LABELS for c in columns],
        rows=[
            [cell_text(column, value) for column, value in zip(columns, row, strict=False)]
            for row in result.rows[:limit]
        ],
        total_rows=len(result.rows),
        truncated=result.truncated,
    )
