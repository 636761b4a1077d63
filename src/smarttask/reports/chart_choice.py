"""Which chart a report's table gets in its PDF: one rule, in one function.

- The first dimension is `day`, `week` or `month`: a line chart over every period of the
  range. With no other dimension, one line per metric (up to four); with another one, the
  first metric split by the second dimension's four largest values.
- Another first dimension: a bar chart of the first summable metric by the first
  dimension's values (the 25 largest), summed over any further dimension.
- No dimension, no rows or no metric to draw: no chart.

Counts and sums are zero on a period without rows; rates and cycle times are gaps there,
and are never summed across rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from smarttask.analytics.schemas import Dimension, Metric, ReportResult
from smarttask.reports.charts import bar_chart, line_chart

_TIME = frozenset({Dimension.DAY.value, Dimension.WEEK.value, Dimension.MONTH.value})
_DIMENSIONS = frozenset(d.value for d in Dimension)
_SUMMABLE = frozenset(
    m.value
    for m in (
        Metric.CREATED,
        Metric.COMPLETED,
        Metric.OPEN,
        Metric.OVERDUE,
        Metric.ESTIMATE_MINUTES_SUM,
    )
)
MAX_LINES = 4
MAX_BARS = 25
_TITLES = {
    "created": "Created",
    "completed": "Completed",
    "open": "Open",
    "overdue": "Overdue",
    "completion_rate": "Completion rate",
    "cycle_time_hours_avg": "Cycle time (h, average)",
    "cycle_time_hours_p50": "Cycle time (h, median)",
    "estimate_minutes_sum": "Estimates (minutes)",
    "time_spent_minutes_sum": "Time spent (minutes)",
}


def _title(metric: str) -> str:
    return _TITLES.get(metric, metric.replace("_", " ").capitalize())


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def periods(dimension: str, start: date, end: date) -> list[str]:
    """Every period label of the range, as the custom report writes them."""
    labels: list[str] = []
    if dimension == Dimension.MONTH.value:
        month = start.replace(day=1)
        while month <= end:
            labels.append(month.strftime("%Y-%m"))
            month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        return labels
    step = 7 if dimension == Dimension.WEEK.value else 1
    day = start - timedelta(days=start.weekday()) if step == 7 else start
    while day <= end:
        labels.append(day.isoformat())
        day += timedelta(days=step)
    return labels


def _axis_dates(dimension: str, labels: list[str]) -> list[str]:
    """Labels as dates the time axis places by day (a month is drawn at its 1st)."""
    return [f"{label}-01" for label in labels] if dimension == Dimension.MONTH.value else labels


def chart_for(result: ReportResult) -> str | None:
    """The SVG chart that suits the report's table, or None when none does."""
    columns = list(result.columns)
    dimensions = [c for c in columns if c in _DIMENSIONS]
    metrics = [c for c in columns if c not in _DIMENSIONS]
    if not dimensions or not metrics or not result.rows:
        return None
    if dimensions[0] in _TIME:
        return _line(result, columns, dimensions, metrics)
    return _bars(result.rows, columns, dimensions, metrics)


def _line(
    result: ReportResult, columns: list[str], dimensions: list[str], metrics: list[str]
) -> str | None:
    time_dimension = dimensions[0]
    labels = periods(time_dimension, result.from_, result.to)
    index = {label: i for i, label in enumerate(labels)}
    at = columns.index(time_dimension)
    if len(dimensions) == 1:
        series = []
        for name in metrics[:MAX_LINES]:
            column = columns.index(name)
            values: list[float | None] = [0.0 if name in _SUMMABLE else None] * len(labels)
            for row in result.rows:
                slot = index.get(str(row[at]))
                if slot is not None:
                    values[slot] = _number(row[column])
            series.append((_title(name), values))
        title = " and ".join(_title(m) for m in metrics[:MAX_LINES]) + f" by {time_dimension}"
        return line_chart(title, _axis_dates(time_dimension, labels), series)
    metric = next((m for m in metrics if m in _SUMMABLE), None)
    if metric is None:
        return None
    split, column = columns.index(dimensions[1]), columns.index(metric)
    totals: dict[str, float] = defaultdict(float)
    by_group: dict[str, list[float | None]] = {}
    for row in result.rows:
        slot, value = index.get(str(row[at])), _number(row[column])
        if slot is None or value is None:
            continue
        group = str(row[split])
        line = by_group.setdefault(group, [0.0] * len(labels))
        line[slot] = (line[slot] or 0.0) + value
        totals[group] += value
    largest = sorted(totals, key=lambda group: (-totals[group], group))[:MAX_LINES]
    title = f"{_title(metric)} by {time_dimension} and {dimensions[1]}"
    if len(totals) > MAX_LINES:
        title += f" (the {MAX_LINES} largest)"
    return line_chart(
        title, _axis_dates(time_dimension, labels), [(g, by_group[g]) for g in largest]
    )


def _bars(
    rows: Sequence[Sequence[Any]], columns: list[str], dimensions: list[str], metrics: list[str]
) -> str | None:
    several = len(dimensions) > 1
    metric = next((m for m in metrics if m in _SUMMABLE), None) if several else metrics[0]
    if metric is None:
        return None
    at, column = columns.index(dimensions[0]), columns.index(metric)
    sums: dict[str, float] = {}
    for row in rows:
        value = _number(row[column])
        if value is None:
            continue
        label = "(none)" if row[at] is None else str(row[at])
        sums[label] = sums.get(label, 0.0) + value
    if not sums:
        return None
    shown = list(sums)
    title = f"{_title(metric)} by {dimensions[0]}"
    if len(shown) > MAX_BARS:
        shown = sorted(sums, key=lambda label: (-sums[label], label))[:MAX_BARS]
        title += f" (the {MAX_BARS} largest)"
    return bar_chart(title, shown, [(_title(metric), [sums[label] for label in shown])])
