"""A report as a PDF: title, date range, summary, its SVG chart and its table (A4 landscape)."""

from __future__ import annotations

import io
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from defusedxml.ElementTree import fromstring as parse_xml  # type: ignore[import-untyped]
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, TableCellFillMode

Cell = str | int | float | None

log = logging.getLogger("smarttask.reports")

MAX_ROWS = 10_000  # past this the table is cut, so that a PDF never explodes
# Unicode fonts looked for, in order (Debian/Ubuntu, Fedora, Arch, Alpine): (regular, bold).
FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf",
    ),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
)
_FAMILY = "ReportSans"
_CORE_FAMILY = "helvetica"
_CHART_MAX_WIDTH = 240.0  # mm: 640 x 240 units come out 240 x 90 mm
_CHART_MAX_HEIGHT = 110.0
_WIDTH_SAMPLE = 500
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")
# A table row must fit on one page (fpdf2 raises otherwise): a cell shows at most this many
# lines, counted at a generous width per character of the 8 pt text, even when word wrapping
# wastes half of each line.
_CELL_LINES = 10
_MM_PER_CHAR = 1.8
# What Latin-1 lacks but has a plain spelling, for the core font's fallback.
_PLAIN = str.maketrans(
    {
        "\u2026": "...",
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2022": "*",
        "\u2212": "-",
        "\u20ac": "EUR",
        "\u202f": " ",
        "\u2009": " ",
    }
)
_SVG = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class _Font:
    """The family used, and how text must be cleaned to be drawable in it."""

    family: str
    clean: Callable[[str], str]


def pdf_bytes(
    title: str,
    subtitle: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    chart_svg: str | None,
    summary: str | None,
) -> bytes:
    """The report as an A4 landscape PDF; its table's header is repeated on every page."""
    pdf = _Document(title)
    font = _load_font(pdf)
    pdf.report_font = font
    pdf.set_title(font.clean(title))
    pdf.set_creator("smarttask")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(font.family, "B", 16)
    pdf.multi_cell(0, 8, font.clean(title), new_x="LMARGIN", new_y="NEXT")
    if subtitle:
        pdf.set_font(font.family, "", 10)
        pdf.set_text_color(91, 100, 112)
        pdf.multi_cell(0, 6, font.clean(subtitle), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
    pdf.ln(3)
    if summary:
        pdf.set_font(font.family, "", 10)
        pdf.multi_cell(0, 5, font.clean(summary), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    if chart_svg:
        _draw_chart(pdf, chart_svg, font)
    _draw_table(pdf, columns, rows, font)
    return bytes(pdf.output())


class _Document(FPDF):
    """A4 landscape pages with the report's title and the page number in the footer."""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.report_title = title
        self.report_font = _Font(_CORE_FAMILY, _latin1)

    def footer(self) -> None:
        """The report's title on the left, 'Page n of N' on the right."""
        self.set_y(-11)
        self.set_font(self.report_font.family, "", 8)
        self.set_text_color(91, 100, 112)
        width = self.epw * 0.75
        self.cell(width, 6, self.report_font.clean(_shorten(self.report_title, 120)), align="L")
        self.cell(self.epw - width, 6, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)


def _load_font(pdf: FPDF) -> _Font:
    """A Unicode TTF font if the system has one, else the core Helvetica (Latin-1 only)."""
    for regular, bold in FONT_CANDIDATES:
        if not Path(regular).is_file():
            continue
        try:
            pdf.add_font(_FAMILY, "", regular)
            pdf.add_font(_FAMILY, "B", bold if Path(bold).is_file() else regular)
        except Exception:  # an unreadable font file: try the next one
            log.warning("report font unusable", extra={"font": regular}, exc_info=True)
            continue
        return _Font(_FAMILY, _unicode)
    return _Font(_CORE_FAMILY, _latin1)


def _unicode(text: str) -> str:
    """Text for a Unicode font: control characters become spaces."""
    return _CONTROL.sub(" ", text)


def _latin1(text: str) -> str:
    """Text for the core font: plain spellings, then '?' for what Latin-1 cannot hold."""
    plain = _unicode(text).translate(_PLAIN)
    return plain.encode("latin-1", "replace").decode("latin-1")


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "\u2026"


# --- the chart ----------------------------------------------------------------------------


def _prepared_svg(svg: str, font: _Font) -> tuple[bytes, float]:
    """The SVG as fpdf2 draws it best, and its height / width ratio.

    Its text is drawn in the document's font (fpdf2 maps the CSS families to the core fonts,
    which cannot draw non-Latin-1 text), and `<title>`/`<desc>`, which a PDF does not show,
    are dropped.
    """
    root = parse_xml(svg)
    for parent in root.iter():
        for child in list(parent):
            if child.tag in {f"{_SVG}title", f"{_SVG}desc", "title", "desc"}:
                parent.remove(child)
    for element in root.iter():
        if "font-family" in element.attrib or element is root:
            element.set("font-family", font.family)
        if element.text:
            element.text = font.clean(element.text)
        if element.tail:
            element.tail = font.clean(element.tail)
    ratio = 240 / 640
    box = root.get("viewBox", "").replace(",", " ").split()
    if len(box) == 4:
        width, height = float(box[2]), float(box[3])
        if width > 0 and height > 0 and math.isfinite(height / width):
            ratio = height / width
    # The XML declaration is how fpdf2 recognises SVG data (it does not know "<ns0:svg").
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True), ratio


def _draw_chart(pdf: FPDF, svg: str, font: _Font) -> None:
    """The chart at full size (240 mm wide at most); a chart fpdf2 cannot draw is left out."""
    try:
        markup, ratio = _prepared_svg(svg, font)
    except Exception:
        log.warning("report chart unreadable, left out of the PDF", exc_info=True)
        return
    width = min(pdf.epw, _CHART_MAX_WIDTH)
    height = width * ratio
    if height > _CHART_MAX_HEIGHT:
        width, height = _CHART_MAX_HEIGHT / ratio, _CHART_MAX_HEIGHT
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    # fpdf2 renders the whole drawing before writing it out: a failure leaves nothing behind.
    try:
        pdf.image(io.BytesIO(markup), x=pdf.l_margin, y=top, w=width, h=height)
    except Exception:
        log.warning("report chart not drawable, left out of the PDF", exc_info=True)
        return
    pdf.set_y(top + height + 4)


# --- the table ----------------------------------------------------------------------------


def _text(cell: Cell) -> str:
    """A cell as shown in the PDF: numbers compact, None empty."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, float):
        if not math.isfinite(cell):
            return ""
        shown = f"{cell:.2f}".rstrip("0").rstrip(".")
        return "0" if shown == "-0" else shown
    return str(cell)


def _fit(text: str, width: float) -> str:
    """The text cut with an ellipsis to at most _CELL_LINES lines of a column `width` mm wide."""
    per_line = max(1, int((width - 3) / _MM_PER_CHAR))
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        needed = max(1, -(-len(line) // per_line))
        if used + needed > _CELL_LINES:
            room = (_CELL_LINES - used) * per_line - 1
            if room > 0:
                kept.append(line[:room])
            return "\n".join(kept).rstrip() + "\u2026"
        kept.append(line)
        used += needed
    return "\n".join(kept)


def _layout(
    columns: Sequence[str], rows: Sequence[Sequence[Cell]]
) -> tuple[list[float], list[str]]:
    """Relative column widths from the header and the first rows, and each column's alignment."""
    widths = [max(5.0, min(len(str(column)) + 2.0, 32.0)) for column in columns]
    numeric = [True] * len(columns)
    seen = [False] * len(columns)
    for row in rows[:_WIDTH_SAMPLE]:
        for index, cell in enumerate(row[: len(columns)]):
            if cell is None:
                continue
            seen[index] = True
            if isinstance(cell, str | bool):
                numeric[index] = False
            longest = max((len(line) for line in _text(cell).splitlines()), default=0)
            widths[index] = max(widths[index], min(float(longest), 40.0))
    aligns = ["RIGHT" if numeric[i] and seen[i] else "LEFT" for i in range(len(columns))]
    return widths, aligns


def _draw_table(
    pdf: FPDF, columns: Sequence[str], rows: Sequence[Sequence[Cell]], font: _Font
) -> None:
    """The table, its header on top of every page, cut after MAX_ROWS rows with a note."""
    pdf.set_font(font.family, "", 8)
    if not columns:
        return
    widths, aligns = _layout(columns, rows)
    rooms = [pdf.epw * width / sum(widths) for width in widths]
    shown = rows[:MAX_ROWS]
    headings = FontFace(emphasis="BOLD", fill_color=(238, 240, 244))
    with pdf.table(
        col_widths=widths,
        width=pdf.epw,
        line_height=4.6,
        headings_style=headings,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        cell_fill_color=(248, 249, 251),
        cell_fill_mode=TableCellFillMode.EVEN_ROWS,
        repeat_headings=1,
        padding=(0.8, 1.5),
    ) as table:
        header = table.row()
        for column, align, room in zip(columns, aligns, rooms, strict=True):
            header.cell(font.clean(_fit(str(column), room)), align=align)
        for row in shown:
            line = table.row()
            cells = list(row[: len(columns)]) + [None] * (len(columns) - len(row))
            for cell, align, room in zip(cells, aligns, rooms, strict=True):
                line.cell(font.clean(_fit(_text(cell), room)), align=align)
    pdf.ln(2)
    pdf.set_font(font.family, "", 9)
    pdf.set_text_color(91, 100, 112)
    if not rows:
        pdf.multi_cell(0, 5, "No data for this period.", new_x="LMARGIN", new_y="NEXT")
    elif len(rows) > len(shown):
        note = f"\u2026 {len(rows) - len(shown):,} more rows in the CSV or Excel file"
        pdf.multi_cell(0, 5, font.clean(note), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
