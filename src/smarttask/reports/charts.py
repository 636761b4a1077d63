"""Server-side SVG charts (line, burn-up, bar) as self-contained markup, no dependency.

Every chart is 640 units wide (`viewBox`, `width="100%"`, so it scales), has `role="img"`, an
`aria-label` and a `<title>` describing it, a visible title and a legend. Colours are set twice:
as presentation attributes (`fill`, `stroke`), so the SVG looks the same standalone (a PDF, a
mail), and as CSS classes a page's stylesheet can override (class rules beat presentation
attributes): `chart-series-1` .. `chart-series-4` (with `chart-line`, `chart-marker`,
`chart-bar` or `chart-swatch` saying which kind of shape), `chart-band` (the forecast band),
`chart-axis`, `chart-grid`, `chart-title`, `chart-label` and `chart-empty` for text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

WIDTH = 640
HEIGHT = 240
NO_DATA = "No data for this period"

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_SERIES = ("#3b5bdb", "#2f9e44", "#e8590c", "#ae3ec9")
_TEXT = "#1c2024"
_MUTED = "#5b6470"
_AXIS = "#8a929c"
_GRID = "#e3e6eb"
_BAND = "#3b5bdb"
_CHAR = 0.6  # average glyph width, in font sizes: a generous estimate, so labels never collide
_TICK_FONT = 10
_DATE_STEPS = (1, 2, 3, 7, 14, 28, 56, 91, 182, 364)
# A chart's series: (name, one value per date or label; None leaves a gap).
SeriesList = Sequence[tuple[str, Sequence[float | None]]]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Characters XML 1.0 forbids: a name holding one would make the whole SVG unparsable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def compact_number(value: float, digits: int = 2) -> str:
    """A short label for a number: 1.5k, 12M, 0.25, 3 (no trailing zeros)."""
    if not math.isfinite(value):
        return ""
    units = ((1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "B"))
    index = 0
    while index + 1 < len(units) and abs(value) >= units[index + 1][0]:
        index += 1
    scaled = round(value / units[index][0], digits if index == 0 else 1)
    if abs(scaled) >= 1000 and index + 1 < len(units):
        index += 1
        scaled = round(value / units[index][0], 1)
    text = f"{scaled:.{digits if index == 0 else 1}f}".rstrip("0").rstrip(".")
    return ("0" if text in {"-0", ""} else text) + units[index][1]


def nice_ticks(low: float, high: float, count: int = 5, integer: bool = False) -> list[float]:
    """About `count` round tick values (steps of 1, 2, 2.5 or 5 x 10^n) covering low..high."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    low, high = min(low, high), max(low, high)
    if high == low:
        high = low + 1
    raw = (high - low) / max(1, count - 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = 10 * magnitude
    for multiple in (1, 2, 2.5, 5, 10):
        candidate = multiple * magnitude
        if integer and (candidate < 1 or not float(candidate).is_integer()):
            continue
        if candidate >= raw:
            step = candidate
            break
    if integer:
        step = max(1.0, step)
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    steps = max(1, round((end - start) / step))
    return [round(start + i * step, 10) for i in range(steps + 1)]


def line_chart(title: str, dates: Sequence[str], series: SeriesList) -> str:
    """A line per series over dates (e.g. tasks created vs completed per day); None is a gap."""
    dates = [str(day) for day in dates]
    cleaned = _clean_series(series, len(dates))
    if not dates or not _has_values(cleaned):
        return _empty(title)
    names = ", ".join(name for name, _ in cleaned)
    described = f"Line chart: {title}, {dates[0]} to {dates[-1]}. Series: {names}."
    return _time_chart(title, described, dates, cleaned, None)


def burnup_chart(
    title: str,
    dates: Sequence[str],
    scope: Sequence[int | None],
    done: Sequence[int | None],
    forecast: tuple[str, str] | None,
) -> str:
    """Scope and done over dates, with the forecast band between its p50 and p85 dates."""
    dates = [str(day) for day in dates]
    cleaned = _clean_series([("Scope", list(scope)), ("Done", list(done))], len(dates))
    if not dates or not _has_values(cleaned):
        return _empty(title)
    described = f"Burn-up chart: {title}, {dates[0]} to {dates[-1]}."
    last_scope, last_done = _last(cleaned[0][1]), _last(cleaned[1][1])
    if last_scope is not None and last_done is not None:
        described += (
            f" On {dates[-1]}: {compact_number(last_done)} done"
            f" of a scope of {compact_number(last_scope)}."
        )
    if forecast is not None:
        described += f" Forecast: 50 % chance by {forecast[0]}, 85 % by {forecast[1]}."
    return _time_chart(title, described, dates, cleaned, forecast)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: SeriesList,
    *,
    horizontal: bool | None = None,
) -> str:
    """Grouped bars, one group per label (horizontal when labels are long or many)."""
    labels = [str(label) for label in labels]
    cleaned = _clean_series(series, len(labels))
    if not labels or not _has_values(cleaned):
        return _empty(title)
    names = ", ".join(name for name, _ in cleaned)
    described = f"Bar chart: {title}. {len(labels)} groups. Series: {names}."
    if horizontal is None:
        horizontal = len(labels) > 12 or not _vertical_labels_fit(labels)
    if horizontal:
        return _horizontal_bars(title, described, labels, cleaned)
    return _vertical_bars(title, described, labels, cleaned)


# --- building blocks ---------------------------------------------------------------------

Values = list[float | None]


@dataclass(frozen=True)
class _Box:
    """The plotting area, in SVG units."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class _Scale:
    """A linear map from a data domain onto a pixel range."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        """The pixel position of a value."""
        if self.high == self.low:
            return (self.start + self.end) / 2
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def _text(value: str) -> str:
    """Text or an attribute value made safe for XML."""
    return escape(_NOT_XML.sub("", value), quote=True)


def _n(value: float) -> str:
    """A coordinate, compactly: at most one decimal, no trailing zero."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _width(text: str, size: float) -> float:
    """An estimate of the rendered width of a text."""
    return len(text) * size * _CHAR


def _truncate(text: str, max_width: float, size: float) -> str:
    """The text, cut with an ellipsis to fit about max_width."""
    fits = max(1, int(max_width / (size * _CHAR)))
    return text if len(text) <= fits else text[: max(1, fits - 1)].rstrip() + "\u2026"


def _colour(index: int) -> str:
    return _SERIES[index % len(_SERIES)]


def _dashes(index: int) -> str:
    """Past the fourth series the colours repeat: a dash pattern tells the lines apart."""
    return "" if index < len(_SERIES) else ' stroke-dasharray="6 3"'


def _series_class(index: int) -> str:
    return f"chart-series-{index % len(_SERIES) + 1}"


def _clean_series(series: SeriesList, length: int) -> list[tuple[str, Values]]:
    """Series cut or padded to `length`, with non-finite values as gaps (None)."""
    cleaned: list[tuple[str, Values]] = []
    for name, values in series:
        row: Values = []
        for value in list(values)[:length]:
            number = None if value is None else float(value)
            row.append(number if number is not None and math.isfinite(number) else None)
        row.extend([None] * (length - len(row)))
        cleaned.append((str(name), row))
    return cleaned


def _has_values(series: list[tuple[str, Values]]) -> bool:
    return any(value is not None for _, values in series for value in values)


def _last(values: Values) -> float | None:
    return next((value for value in reversed(values) if value is not None), None)


def _numbers(series: list[tuple[str, Values]]) -> list[float]:
    return [value for _, values in series for value in values if value is not None]


def _value_ticks(series: list[tuple[str, Values]]) -> list[float]:
    """Round ticks from 0 (or the lowest negative value) to the highest value."""
    numbers = _numbers(series)
    integer = all(float(value).is_integer() for value in numbers)
    return nice_ticks(min(0.0, *numbers), max(0.0, *numbers), 5, integer)


def _open(description: str, height: float) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_n(height)}"'
        f' width="100%" role="img" aria-label="{_text(description)}" class="chart"'
        f' font-family="{_FONT}" font-size="11">',
        f"<title>{_text(description)}</title>",
    ]


def _title(title: str) -> str:
    shown = _truncate(title, WIDTH - 16, 13)
    return (
        f'<text x="8" y="17" font-size="13" font-weight="bold" fill="{_TEXT}"'
        f' class="chart-title">{_text(shown)}</text>'
    )


def _empty(title: str) -> str:
    """The chart shown when there is nothing to draw."""
    parts = _open(f"{title}: {NO_DATA.lower()}." if title else f"{NO_DATA}.", HEIGHT)
    parts.append(_title(title))
    parts.append(
        f'<rect x="8" y="32" width="{WIDTH - 16}" height="{HEIGHT - 40}" fill="none"'
        f' stroke="{_GRID}" stroke-dasharray="4 4" class="chart-grid"/>'
    )
    parts.append(
        f'<text x="{WIDTH // 2}" y="{HEIGHT // 2 + 14}" text-anchor="middle" font-size="13"'
        f' fill="{_MUTED}" class="chart-empty">{NO_DATA}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _legend(items: list[tuple[str, str, int]], y: float) -> tuple[list[str], float]:
    """Legend entries (name, kind: line/bar/band, series index) in rows; the last row's y."""
    parts = ['<g class="chart-legend">']
    x = 8.0
    for name, kind, index in items:
        label = _truncate(name, 220, 11)
        item_width = 18 + _width(label, 11) + 14
        if x > 8 and x + item_width > WIDTH - 8:
            x, y = 8.0, y + 16
        if kind == "line":
            parts.append(
                f'<line x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 14)}" y2="{_n(y - 4)}"'
                f' stroke="{_colour(index)}" stroke-width="2.5"{_dashes(index)}'
                f' class="{_series_class(index)} chart-swatch"/>'
            )
        elif kind == "bar":
            parts.append(
                f'<rect x="{_n(x + 2)}" y="{_n(y - 9)}" width="10" height="10" rx="1.5"'
                f' fill="{_colour(index)}" class="{_series_class(index)} chart-swatch"/>'
            )
        else:
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(y - 9)}" width="14" height="10" fill="{_BAND}"'
                f' fill-opacity="0.16" class="chart-band chart-swatch"/>'
            )
        parts.append(
            f'<text x="{_n(x + 18)}" y="{_n(y)}" fill="{_TEXT}" class="chart-label">'
            f"{_text(label)}</text>"
        )
        x += item_width
    parts.append("</g>")
    return parts, y


def _value_axis(ticks: list[float], scale: _Scale, box: _Box, vertical: bool) -> list[str]:
    """Grid lines and labels of the value axis (left when vertical, bottom otherwise)."""
    parts = ['<g class="chart-grid-lines">']
    for tick in ticks:
        at = _n(scale(tick))
        label = _text(compact_number(tick, 3))
        if vertical:
            parts.append(
                f'<line x1="{_n(box.left)}" y1="{at}" x2="{_n(box.right)}" y2="{at}"'
                f' stroke="{_GRID}" stroke-width="1" class="chart-grid"/>'
                f'<text x="{_n(box.left - 6)}" y="{_n(scale(tick) + 3.5)}" text-anchor="end"'
                f' font-size="{_TICK_FONT}" fill="{_MUTED}" class="chart-label">{label}</text>'
            )
        else:
            parts.append(
                f'<line x1="{at}" y1="{_n(box.top)}" x2="{at}" y2="{_n(box.bottom)}"'
                f' stroke="{_GRID}" stroke-width="1" class="chart-grid"/>'
                f'<text x="{at}" y="{_n(box.bottom + 15)}" text-anchor="middle"'
                f' font-size="{_TICK_FONT}" fill="{_MUTED}" class="chart-label">{label}</text>'
            )
    parts.append("</g>")
    return parts


def _axis_line(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{_AXIS}"'
        f' stroke-width="1" class="chart-axis"/>'
    )


def _left_margin(ticks: list[float]) -> float:
    widest = max(_width(compact_number(tick, 3), _TICK_FONT) for tick in ticks)
    return 8 + widest + 8


# --- time charts (line, burn-up) ----------------------------------------------------------


@dataclass(frozen=True)
class _TimeAxis:
    """Where each data point sits on the x axis (date ordinals, or indices) and the domain."""

    positions: list[float]
    low: float
    high: float
    dated: bool


def _parse_date(text: str) -> date | None:
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _time_axis(dates: list[str], forecast: tuple[str, str] | None) -> _TimeAxis:
    """Dates placed by day (gaps stay gaps), or by position when a label is not a date."""
    parsed = [_parse_date(text) for text in dates]
    if all(day is not None for day in parsed):
        positions = [float(day.toordinal()) for day in parsed if day is not None]
        extent = list(positions)
        for text in forecast or ():
            day = _parse_date(text)
            if day is not None:
                extent.append(float(day.toordinal()))
        return _TimeAxis(positions, min(extent), max(extent), True)
    positions = [float(i) for i in range(len(dates))]
    return _TimeAxis(positions, 0.0, float(len(dates) - 1), False)


def _x_ticks(axis: _TimeAxis, dates: list[str], width: float) -> list[tuple[float, str]]:
    """Tick positions and labels, thinned so that no two labels overlap."""
    if axis.dated:
        label_width = _width("2026-11-30", _TICK_FONT)
    else:
        label_width = max(_width(_truncate(text, 96, _TICK_FONT), _TICK_FONT) for text in dates)
    span = axis.high - axis.low
    if span <= 0:
        return [(axis.low, dates[0] if dates else "")]
    needed = (label_width + 24) / (width / span)
    if axis.dated:
        step = next((s for s in _DATE_STEPS if s >= needed), 364 * math.ceil(needed / 364))
    else:
        step = max(1, math.ceil(needed))
    ticks: list[tuple[float, str]] = []
    at = axis.low
    while at <= axis.high + 1e-9:
        if axis.dated:
            label = date.fromordinal(int(at)).isoformat()
        else:
            label = _truncate(dates[int(at)], 96, _TICK_FONT)
        ticks.append((at, label))
        at += step
    return ticks


def _time_ticks(ticks: list[tuple[float, str]], scale: _Scale, box: _Box) -> list[str]:
    parts = ['<g class="chart-x-labels">']
    for at, label in ticks:
        x = scale(at)
        half = _width(label, _TICK_FONT) / 2
        centre = min(max(x, half + 2), WIDTH - half - 2)
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(box.bottom)}" x2="{_n(x)}" y2="{_n(box.bottom + 4)}"'
            f' stroke="{_AXIS}" stroke-width="1" class="chart-axis"/>'
            f'<text x="{_n(centre)}" y="{_n(box.bottom + 16)}" text-anchor="middle"'
            f' font-size="{_TICK_FONT}" fill="{_MUTED}" class="chart-label">{_text(label)}</text>'
        )
    parts.append("</g>")
    return parts


def _line(
    index: int, name: str, points: list[tuple[float, float] | None], markers: bool
) -> list[str]:
    """One path for a series (broken at gaps), with dots on its points when they are few."""
    commands: list[str] = []
    dots: list[tuple[float, float]] = []
    previous: tuple[float, float] | None = None
    for position, point in enumerate(points):
        if point is None:
            previous = None
            continue
        commands.append(f"{'L' if previous else 'M'}{_n(point[0])} {_n(point[1])}")
        following = points[position + 1] if position + 1 < len(points) else None
        if markers or (previous is None and following is None):
            dots.append(point)
        previous = point
    colour, css = _colour(index), _series_class(index)
    parts = [
        f'<path d="{"".join(commands)}" fill="none" stroke="{colour}" stroke-width="2"'
        f'{_dashes(index)} stroke-linejoin="round" stroke-linecap="round" class="{css} chart-line">'
        f"<title>{_text(name)}</title></path>"
    ]
    parts.extend(
        f'<circle cx="{_n(x)}" cy="{_n(y)}" r="2.5" fill="{colour}" class="{css} chart-marker"/>'
        for x, y in dots
    )
    return parts


def _band(
    forecast: tuple[str, str], scale: _Scale, box: _Box, axis: _TimeAxis
) -> tuple[list[str], float | None]:
    """The shaded forecast band between the p50 and p85 dates, labelled; the p50 x."""
    p50, p85 = _parse_date(forecast[0]), _parse_date(forecast[1])
    if not axis.dated or p50 is None or p85 is None:
        return [], None
    x50, x85 = scale(p50.toordinal()), scale(p85.toordinal())
    left, right = min(x50, x85), max(x50, x85)
    tip = f"Forecast: 50 % by {forecast[0]}, 85 % by {forecast[1]}"
    parts = [
        f'<rect x="{_n(left)}" y="{_n(box.top)}" width="{_n(max(right - left, 0.5))}"'
        f' height="{_n(box.bottom - box.top)}" fill="{_BAND}" fill-opacity="0.16"'
        f' class="chart-band"><title>{_text(tip)}</title></rect>'
    ]
    for row, (x, label) in enumerate(((x50, "50 %"), (x85, "85 %"))):
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(box.top)}" x2="{_n(x)}" y2="{_n(box.bottom)}"'
            f' stroke="{_BAND}" stroke-width="1" stroke-dasharray="3 3" class="chart-band"/>'
        )
        width = _width(label, _TICK_FONT)
        if x - 4 - width >= box.left:
            anchor, at = "end", x - 4
        else:
            anchor, at = "start", x + 4
        parts.append(
            f'<text x="{_n(at)}" y="{_n(box.top + 11 + 13 * row)}" text-anchor="{anchor}"'
            f' font-size="{_TICK_FONT}" fill="{_TEXT}" class="chart-label">{label}</text>'
        )
    return parts, x50


def _time_chart(
    title: str,
    description: str,
    dates: list[str],
    series: list[tuple[str, Values]],
    forecast: tuple[str, str] | None,
) -> str:
    """The line and burn-up charts: lines over a time axis, optionally a forecast band."""
    parts = _open(description, HEIGHT)
    parts.append(_title(title))
    items = [(name, "line", i) for i, (name, _) in enumerate(series)]
    if forecast is not None:
        items.append(("Forecast (50 % to 85 %)", "band", 0))
    legend, legend_y = _legend(items, 35)
    ticks = _value_ticks(series)
    box = _Box(_left_margin(ticks), legend_y + 16, WIDTH - 18, HEIGHT - 26)
    axis = _time_axis(dates, forecast)
    x_scale = _Scale(axis.low, axis.high, box.left, box.right)
    y_scale = _Scale(ticks[0], ticks[-1], box.bottom, box.top)
    band, x50 = _band(forecast, x_scale, box, axis) if forecast is not None else ([], None)
    parts.extend(band)
    parts.extend(_value_axis(ticks, y_scale, box, vertical=True))
    baseline = y_scale(0.0)
    parts.append(_axis_line(box.left, baseline, box.right, baseline))
    parts.extend(_time_ticks(_x_ticks(axis, dates, box.right - box.left), x_scale, box))
    markers = len(dates) <= 31
    for index, (name, values) in enumerate(series):
        points = [
            None if value is None else (x_scale(x), y_scale(value))
            for x, value in zip(axis.positions, values, strict=True)
        ]
        parts.extend(_line(index, name, points, markers))
    if x50 is not None and len(series) == 2:
        scope, done = _last(series[0][1]), _last(series[1][1])
        if scope is not None and done is not None and x50 > x_scale(axis.positions[-1]):
            parts.append(
                f'<line x1="{_n(x_scale(axis.positions[-1]))}" y1="{_n(y_scale(done))}"'
                f' x2="{_n(x50)}" y2="{_n(y_scale(scope))}" stroke="{_colour(1)}"'
                f' stroke-width="1.5" stroke-dasharray="5 4"'
                f' class="{_series_class(1)} chart-forecast"/>'
            )
    parts.extend([*legend, "</svg>"])
    return "".join(parts)


# --- bar charts ---------------------------------------------------------------------------


def _vertical_labels_fit(labels: list[str]) -> bool:
    group = (WIDTH - 60) / len(labels)
    return max(_width(label, _TICK_FONT) for label in labels) <= group - 6


def _bar(x: float, y: float, width: float, height: float, index: int, tip: str) -> str:
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(width, 0.5))}"'
        f' height="{_n(max(height, 0.5))}" fill="{_colour(index)}"'
        f' class="{_series_class(index)} chart-bar"><title>{_text(tip)}</title></rect>'
    )


def _value_label(x: float, y: float, value: float, anchor: str) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="9" fill="{_MUTED}"'
        f' class="chart-label">{_text(compact_number(value, 1))}</text>'
    )


def _vertical_bars(
    title: str, description: str, labels: list[str], series: list[tuple[str, Values]]
) -> str:
    parts = _open(description, HEIGHT)
    parts.append(_title(title))
    legend, legend_y = _legend([(name, "bar", i) for i, (name, _) in enumerate(series)], 35)
    ticks = _value_ticks(series)
    box = _Box(_left_margin(ticks), legend_y + 18, WIDTH - 18, HEIGHT - 26)
    scale = _Scale(ticks[0], ticks[-1], box.bottom, box.top)
    parts.extend(_value_axis(ticks, scale, box, vertical=True))
    group = (box.right - box.left) / len(labels)
    bar = min(group * 0.76 / len(series), 36.0)
    zero = scale(0.0)
    for position, label in enumerate(labels):
        start = box.left + position * group + (group - bar * len(series)) / 2
        for index, (name, values) in enumerate(series):
            value = values[position]
            if value is None:
                continue
            x, top = start + index * bar, scale(value)
            tip = f"{label}, {name}: {compact_number(value)}"
            parts.append(_bar(x + 0.5, min(top, zero), bar - 1, abs(zero - top), index, tip))
            text = compact_number(value, 1)
            if _width(text, 9) <= bar + 2:
                y = top - 3 if value >= 0 else top + 10
                parts.append(_value_label(x + bar / 2, y, value, "middle"))
        shown = _truncate(label, group - 6, _TICK_FONT)
        parts.append(
            f'<text x="{_n(box.left + (position + 0.5) * group)}" y="{_n(box.bottom + 16)}"'
            f' text-anchor="middle" font-size="{_TICK_FONT}" fill="{_MUTED}"'
            f' class="chart-label">{_text(shown)}</text>'
        )
    parts.append(_axis_line(box.left, zero, box.right, zero))
    parts.extend([*legend, "</svg>"])
    return "".join(parts)


def _horizontal_bars(
    title: str, description: str, labels: list[str], series: list[tuple[str, Values]]
) -> str:
    legend, legend_y = _legend([(name, "bar", i) for i, (name, _) in enumerate(series)], 35)
    top = legend_y + 14
    row = max(20.0, len(series) * 12 + 8)
    row = max(row, min(44.0, (HEIGHT - top - 28) / len(labels)))
    height = top + row * len(labels) + 28
    label_width = min(max(_width(label, _TICK_FONT) for label in labels), 200.0)
    box = _Box(8 + label_width + 8, top, WIDTH - 44, top + row * len(labels))
    ticks = _value_ticks(series)
    scale = _Scale(ticks[0], ticks[-1], box.left, box.right)
    parts = _open(description, height)
    parts.append(_title(title))
    parts.extend(_value_axis(ticks, scale, box, vertical=False))
    bar = min(row * 0.72 / len(series), 16.0)
    zero = scale(0.0)
    for position, label in enumerate(labels):
        start = box.top + position * row + (row - bar * len(series)) / 2
        for index, (name, values) in enumerate(series):
            value = values[position]
            if value is None:
                continue
            y, end = start + index * bar, scale(value)
            tip = f"{label}, {name}: {compact_number(value)}"
            parts.append(_bar(min(zero, end), y + 0.5, abs(end - zero), bar - 1, index, tip))
            if value >= 0:
                parts.append(_value_label(end + 4, y + bar / 2 + 3, value, "start"))
            else:
                parts.append(_value_label(end - 4, y + bar / 2 + 3, value, "end"))
        shown = _truncate(label, label_width, _TICK_FONT)
        parts.append(
            f'<text x="{_n(box.left - 8)}" y="{_n(box.top + (position + 0.5) * row + 3.5)}"'
            f' text-anchor="end" font-size="{_TICK_FONT}" fill="{_TEXT}"'
            f' class="chart-label">{_text(shown)}</text>'
        )
    parts.append(_axis_line(zero, box.top, zero, box.bottom))
    parts.extend([*legend, "</svg>"])
    return "".join(parts)
