"""The reports' SVG charts: valid XML, escaped text, one line per series, the forecast band."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from smarttask.reports.charts import (
    NO_DATA,
    bar_chart,
    burnup_chart,
    compact_number,
    line_chart,
    nice_ticks,
)

SVG = "{http://www.w3.org/2000/svg}"


def days(count: int, start: date = date(2026, 11, 1)) -> list[str]:
    return [(start + timedelta(days=n)).isoformat() for n in range(count)]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def with_class(root: ET.Element, name: str, tag: str | None = None) -> list[ET.Element]:
    return [
        element
        for element in root.iter()
        if name in element.get("class", "").split()
        and (tag is None or element.tag == f"{SVG}{tag}")
    ]


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def all_charts() -> list[str]:
    dates = days(30)
    return [
        line_chart("Created vs completed", dates, [("Created", [1.0] * 30), ("Done", [2.0] * 30)]),
        burnup_chart("Burn-up", dates, list(range(30, 60)), list(range(30)), None),
        bar_chart("Cycle time", ["Bug", "Feature"], [("p50", [4.0, 9.5]), ("p85", [12.0, 30.0])]),
        bar_chart("Workload", ["Ann", "Bob"], [("Open", [3.0, 5.0])], horizontal=True),
        line_chart("Nothing", [], []),
    ]


@pytest.mark.parametrize("svg", all_charts())
def test_every_chart_is_an_accessible_scalable_svg(svg: str) -> None:
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 640 ")
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == root.get("aria-label")
    assert "nan" not in svg.lower().replace("nano", "")
    assert "inf" not in svg.lower()


def test_a_series_name_is_escaped_everywhere() -> None:
    name = '<script>alert("x")</script> & co'
    for svg in (
        line_chart("t <b>", days(3), [(name, [1.0, 2.0, 3.0])]),
        bar_chart("t <b>", [name], [(name, [1.0])]),
    ):
        root = parse(svg)
        assert "<script>" not in svg
        assert "&lt;script&gt;" in svg
        assert not [e for e in root.iter() if e.tag in {"script", f"{SVG}script", "b"}]
        assert any(name in text for text in texts(root))


def test_characters_xml_forbids_are_dropped() -> None:
    svg = line_chart("bell \x07", days(2), [("nul \x00 name", [1.0, 2.0])])
    root = parse(svg)
    assert "nul  name" in texts(root)


def test_one_line_per_series() -> None:
    series = [("Created", [1.0, 4.0, 2.0]), ("Completed", [0.0, 1.0, 5.0]), ("Third", [2.0] * 3)]
    root = parse(line_chart("Flow", days(3), series))
    lines = with_class(root, "chart-line")
    assert len(lines) == 3
    assert all(line.tag == f"{SVG}path" for line in lines)
    assert [line.get("class", "").split()[0] for line in lines] == [
        "chart-series-1",
        "chart-series-2",
        "chart-series-3",
    ]
    # The inline colour is there for a standalone SVG, the class for a page's stylesheet.
    assert all(line.get("stroke", "").startswith("#") for line in lines)
    assert all(line.get("fill") == "none" for line in lines)
    legend = [t for t in texts(root) if t in {"Created", "Completed", "Third"}]
    assert legend == ["Created", "Completed", "Third"]


def test_a_gap_breaks_the_line_without_a_second_path() -> None:
    root = parse(line_chart("Gaps", days(5), [("Rate", [1.0, None, 3.0, 4.0, float("nan")])]))
    (line,) = with_class(root, "chart-line")
    assert line.get("d", "").count("M") == 2


def test_burnup_draws_scope_and_done_and_no_band_without_forecast() -> None:
    root = parse(burnup_chart("Sprint", days(10), list(range(20, 30)), list(range(10)), None))
    assert len(with_class(root, "chart-line")) == 2
    assert not with_class(root, "chart-band")
    assert "Scope" in texts(root)
    assert "Done" in texts(root)


def test_burnup_forecast_extends_the_axis_and_draws_the_band() -> None:
    dates = days(10)  # 2026-11-01 .. 2026-11-10
    svg = burnup_chart("Sprint", dates, [30] * 10, list(range(10)), ("2026-11-20", "2026-11-30"))
    root = parse(svg)
    swatch = with_class(root, "chart-swatch")
    bands = [rect for rect in with_class(root, "chart-band", "rect") if rect not in swatch]
    assert len(bands) == 1
    band = bands[0]
    left, width = float(band.get("x", "0")), float(band.get("width", "0"))
    # The axis runs to the p85 date: the band ends at the right of the plot, and the
    # p50 date (10 days after the last of 29 days of axis) sits about a third from the end.
    lines = with_class(root, "chart-line")
    last_point = float(lines[1].get("d", "").split("L")[-1].split()[0])
    assert last_point < left < left + width
    assert left + width == pytest.approx(640 - 18, abs=0.2)
    assert "50 %" in texts(root)
    assert "85 %" in texts(root)
    assert "2026-11-30" in root.get("aria-label", "")
    assert with_class(root, "chart-forecast")  # the dashed projection of done onto scope


@pytest.mark.parametrize(
    "svg",
    [
        line_chart("Empty", [], [("A", [])]),
        line_chart("Empty", days(3), []),
        line_chart("Empty", days(3), [("A", [None, None, None])]),
        burnup_chart("Empty", [], [], [], ("2026-11-20", "2026-11-30")),
        bar_chart("Empty", [], [("A", [])]),
        bar_chart("Empty", ["a"], []),
    ],
)
def test_empty_data_says_so(svg: str) -> None:
    root = parse(svg)
    assert NO_DATA in texts(root)
    assert not with_class(root, "chart-line")
    assert not with_class(root, "chart-bar")


def test_all_zero_data_draws_a_flat_line_on_a_0_to_1_axis() -> None:
    root = parse(line_chart("Zeros", days(7), [("A", [0.0] * 7)]))
    assert len(with_class(root, "chart-line")) == 1
    assert "0" in texts(root)
    assert "1" in texts(root)
    root = parse(bar_chart("Zeros", ["a", "b"], [("A", [0.0, 0.0])]))
    assert len(with_class(root, "chart-bar")) == 2


@pytest.mark.parametrize("horizontal", [None, True, False])
def test_bar_chart_draws_one_bar_per_label_and_series(horizontal: bool | None) -> None:
    labels = ["Ann", "Bob", "Łukasz Żółć", "Dee"]
    series = [("Open", [3.0, 5.0, 0.0, 12.0]), ("Overdue", [1.0, 0.0, 0.0, None])]
    root = parse(bar_chart("Workload", labels, series, horizontal=horizontal))
    bars = with_class(root, "chart-bar", "rect")
    assert len(bars) == 7
    assert len(with_class(root, "chart-series-1", "rect")) == 4 + 1  # and its legend swatch
    assert all(bar.get("fill", "").startswith("#") for bar in bars)
    assert "Łukasz Żółć" in texts(root)


def test_many_long_labels_turn_bars_horizontal_and_the_chart_taller() -> None:
    labels = [f"Member with a long name {n}" for n in range(20)]
    root = parse(bar_chart("Workload", labels, [("Open", [float(n) for n in range(20)])]))
    height = float(root.get("viewBox", "").split()[3])
    assert height > 240
    bars = with_class(root, "chart-bar", "rect")
    # Horizontal: the bars grow in width, from the same left edge.
    assert len({bar.get("x") for bar in bars}) == 1


def x_labels(root: ET.Element) -> list[tuple[float, str]]:
    group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-x-labels")
    return [(float(t.get("x", "0")), t.text or "") for t in group.iter(f"{SVG}text")]


@pytest.mark.parametrize("count", [1, 2, 7, 31, 90, 365, 1500])
def test_date_labels_are_thinned_so_they_never_overlap(count: int) -> None:
    root = parse(line_chart("Daily", days(count), [("A", [float(n % 9) for n in range(count)])]))
    labels = x_labels(root)
    assert 1 <= len(labels) <= 10
    assert all(len(text) == 10 for _, text in labels)  # ISO dates, whole
    width = 10 * 10 * 0.6  # ten characters at the ticks' 10 px
    for (left, _), (right, _) in itertools.pairwise(labels):
        assert right - left >= width + 4
    assert all(width / 2 <= x <= 640 - width / 2 for x, _ in labels)


def test_labels_that_are_not_dates_are_shown_as_they_are() -> None:
    weeks = ["2026-W44", "2026-W45", "2026-W46"]
    root = parse(line_chart("Weekly", weeks, [("A", [1.0, 2.0, 3.0])]))
    assert [text for _, text in x_labels(root)] == weeks


def test_nice_ticks_are_round() -> None:
    assert nice_ticks(0, 7) == [0, 2, 4, 6, 8]
    assert nice_ticks(0, 100) == [0, 25, 50, 75, 100]
    assert nice_ticks(0, 3, integer=True) == [0, 1, 2, 3]
    assert nice_ticks(0, 0.9) == pytest.approx([0, 0.25, 0.5, 0.75, 1])
    assert nice_ticks(0, 0, integer=True) == [0, 1]
    assert nice_ticks(-3.5, 2) == [-4, -2, 0, 2]
    assert nice_ticks(0, float("nan")) == [0, 1]


def test_compact_numbers() -> None:
    assert compact_number(0) == "0"
    assert compact_number(3.0) == "3"
    assert compact_number(2.5) == "2.5"
    assert compact_number(0.125, 3) == "0.125"
    assert compact_number(1500) == "1.5k"
    assert compact_number(12_000) == "12k"
    assert compact_number(999_999) == "1M"
    assert compact_number(-2_500_000) == "-2.5M"
    assert compact_number(float("inf")) == ""
