"""A custom report's answer as the builder's preview: a table of words and one chart.

The table shows the first rows (the saved report's files hold them all); the chart draws
the metrics that share the first metric's unit (counts, a rate, hours or minutes), over
time as lines when the only dimension is a day, week or month, else as bars, one group
per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smarttask.analytics.schemas import Dimension, Metric, ReportResult
from smarttask.reports import charts
from smarttask.web.pages.analytics.common import percent
from smarttask.web.pages.analytics.report_form import DIMENSION_LABELS, METRIC_LABELS
from smarttask.web.pages.projects.cards import PRIORITY_LABELS, STATUS_LABELS

SHOWN_ROWS = 200
CHARTED_ROWS = 30  # bars
CHARTED_DAYS = 400  # a line over time
MAX_SERIES = 4
_TIME = {Dimension.DAY.value, Dimension.WEEK.value, Dimension.MONTH.value}
_HEADERS = {**DIMENSION_LABELS, Dimension.WEEK.value: "Week (from Monday)"}
_UNITS = {
    Metric.CREATED.value: "tasks",
    Metric.COMPLETED.value: "tasks",
    Metric.OPEN.value: "tasks",
    Metric.OVERDUE.value: "tasks",
    Metric.COMPLETION_RATE.value: "rate",
    Metric.CYCLE_TIME_HOURS_AVG.value: "hours",
    Metric.CYCLE_TIME_HOURS_P50.value: "hours",
    Metric.ESTIMATE_MINUTES_SUM.value: "minutes",
}


@dataclass(frozen=True, slots=True)
class Preview:
    """What the preview shows."""

    headers: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    total_rows: int
    truncated: bool
    chart: str | None
    charted: list[str]
    chart_rows: int


def cell_text(column: str, value: Any) -> str:
    """A report cell as people read it: labels for statuses and priorities, rates in percent."""
    if value is None:
        return "—"
    if column == Dimension.STATUS.value:
        return STATUS_LABELS.get(str(value), str(value))
    if column == Dimension.PRIORITY.value:
        return PRIORITY_LABELS.get(str(value), str(value))
    if column == Metric.COMPLETION_RATE.value:
        return percent(float(value))
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _over_time(dimensions: list[str]) -> bool:
    return len(dimensions) == 1 and dimensions[0] in _TIME


def _chart(
    result: ReportResult, dimensions: list[str], metrics: list[str]
) -> tuple[str | None, list[str]]:
    unit = _UNITS.get(metrics[0]) if metrics else None
    charted = [m for m in metrics if _UNITS.get(m) == unit][:MAX_SERIES]
    if not result.rows or not charted:
        return None, []
    at = {name: index for index, name in enumerate(result.columns)}
    over_time = _over_time(dimensions)
    rows = result.rows[: CHARTED_DAYS if over_time else CHARTED_ROWS]
    scale = 100.0 if unit == "rate" else 1.0
    series = [
        (
            METRIC_LABELS[m] + (" (%)" if unit == "rate" else ""),
            [None if row[at[m]] is None else float(row[at[m]]) * scale for row in rows],
        )
        for m in charted
    ]
    names = [METRIC_LABELS[m] for m in charted]
    names = names[:1] + [name[0].lower() + name[1:] for name in names[1:]]
    title = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if over_time:
        dates = [str(row[0]) for row in rows]
        return charts.line_chart(title, dates, series), charted
    if dimensions:
        labels = [" · ".join(cell_text(d, row[at[d]]) for d in dimensions) for row in rows]
    else:
        labels = ["All tasks"]
    return charts.bar_chart(title, labels, series), charted


def preview(result: ReportResult, dimensions: list[str], metrics: list[str]) -> Preview:
    """The table and chart of a report's answer."""
    columns = result.columns
    headers = [_HEADERS.get(c) or METRIC_LABELS.get(c) or c for c in columns]
    numeric = [c in METRIC_LABELS for c in columns]
    shown = [
        [cell_text(column, value) for column, value in zip(columns, row, strict=False)]
        for row in result.rows[:SHOWN_ROWS]
    ]
    chart, charted = _chart(result, dimensions, metrics)
    return Preview(
        headers=headers,
        numeric=numeric,
        rows=shown,
        total_rows=len(result.rows),
        truncated=result.truncated,
        chart=chart,
        charted=[METRIC_LABELS[m] for m in charted],
        chart_rows=min(len(result.rows), CHARTED_DAYS if _over_time(dimensions) else CHARTED_ROWS),
    )
