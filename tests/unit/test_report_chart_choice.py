"""Which chart a report table gets (reports/chart_choice.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from smarttask.analytics.schemas import ReportResult
from smarttask.reports.chart_choice import chart_for, periods

SVG = "{http://www.w3.org/2000/svg}"


def result(columns: list[str], rows: list[list[Any]], start: date, end: date) -> ReportResult:
    return ReportResult(
        columns=columns, rows=rows, truncated=False, from_=start, to=end, timezone="UTC"
    )


def description(svg: str | None) -> str:
    assert svg is not None
    root = ET.fromstring(svg)
    return str(root.get("aria-label"))


def test_periods_cover_the_range() -> None:
    assert periods("day", date(2026, 2, 27), date(2026, 3, 2)) == [
        "2026-02-27",
        "2026-02-28",
        "2026-03-01",
        "2026-03-02",
    ]
    assert periods("week", date(2026, 12, 2), date(2026, 12, 15)) == [
        "2026-11-30",
        "2026-12-07",
        "2026-12-14",
    ]
    assert periods("month", date(2026, 11, 20), date(2027, 1, 3)) == [
        "2026-11",
        "2026-12",
        "2027-01",
    ]


def test_a_time_dimension_gets_a_line_per_metric_over_every_day() -> None:
    table = result(
        ["day", "created", "completion_rate"],
        [["2026-12-01", 3, 0.5], ["2026-12-03", 1, None]],
        date(2026, 12, 1),
        date(2026, 12, 4),
    )
    label = description(chart_for(table))
    assert label.startswith("Line chart: Created and Completion rate by day")
    assert "2026-12-01 to 2026-12-04" in label  # days without rows are drawn too


def test_time_then_another_dimension_splits_the_first_summable_metric() -> None:
    rows = [["2026-12-01", name, n] for name, n in (("a", 1), ("b", 5), ("c", 2), ("d", 3))]
    rows += [["2026-12-02", "e", 4]]
    table = result(["day", "assignee", "created"], rows, date(2026, 12, 1), date(2026, 12, 2))
    label = description(chart_for(table))
    assert "Created by day and assignee (the 4 largest)" in label
    assert "Series: b, e, d, c." in label


def test_another_dimension_gets_bars_summed_over_the_rest() -> None:
    rows = [["todo", "high", 2], ["todo", "low", 1], ["done", "low", 4]]
    table = result(["status", "priority", "created"], rows, date(2026, 12, 1), date(2026, 12, 2))
    svg = chart_for(table)
    assert description(svg).startswith("Bar chart: Created by status. 2 groups.")


def test_no_chart_when_nothing_can_be_drawn() -> None:
    day = date(2026, 12, 1)
    assert chart_for(result(["created"], [[3]], day, day)) is None  # no dimension
    assert chart_for(result(["status", "created"], [], day, day)) is None  # no rows
    rates = [["todo", "high", 0.5]]
    assert chart_for(result(["status", "priority", "completion_rate"], rates, day, day)) is None
