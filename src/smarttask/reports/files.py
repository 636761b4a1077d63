"""A report's table as a file (CSV, Excel, PDF), its name, and a short text preview."""

from __future__ import annotations

import asyncio
import html
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import Any

from smarttask.analytics.schemas import ReportResult
from smarttask.reports.chart_choice import chart_for
from smarttask.reports.formats.csv_file import csv_chunks

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
# The type a mail attachment or a stored file is labelled with (no parameters).
MEDIA_TYPES = {fmt: kind.split(";")[0] for fmt, kind in CONTENT_TYPES.items()}
PREVIEW_ROWS = 10
_SLUG_LENGTH = 60


def slug(name: str) -> str:
    """The name in lowercase ASCII letters, digits and dashes (`report` when none is left)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return words[:_SLUG_LENGTH].rstrip("-") or "report"


def filename(name: str, day: date, file_format: str) -> str:
    """`<slug>-<date>.<ext>`, e.g. `weekly-throughput-2026-12-07.xlsx`."""
    return f"{slug(name)}-{day.isoformat()}.{file_format}"


def period(result: ReportResult) -> str:
    """The range a result covers, as people read it."""
    return f"{result.from_.isoformat()} to {result.to.isoformat()}"


def _summary(result: ReportResult) -> str:
    count = len(result.rows)
    text = f"{count:,} row{'s' if count != 1 else ''}; days counted in {result.timezone}."
    if result.truncated:
        text += " The table was cut at its first rows; narrow the report to see every row."
    return text


def csv_stream(result: ReportResult) -> Iterator[bytes]:
    """The table as CSV chunks, the header line first."""
    return csv_chunks(result.columns, result.rows)


def _render(name: str, result: ReportResult, file_format: str, summary: list[str]) -> bytes:
    if file_format == "csv":
        return b"".join(csv_stream(result))
    # The Excel and PDF writers are imported to write a file, not with the reports: fpdf2
    # loads numpy, and every server worker imports this module for its job handlers
    # (about 40 MiB of a worker that never renders a report).
    if file_format == "xlsx":
        from smarttask.reports.formats.xlsx_file import xlsx_bytes

        return xlsx_bytes(name, result.columns, result.rows)
    if file_format == "pdf":
        from smarttask.reports.formats.pdf_file import pdf_bytes

        return pdf_bytes(
            name,
            f"{period(result)} ({result.timezone})",
            result.columns,
            result.rows,
            chart_for(result),
            " ".join([*summary, _summary(result)]),
        )
    raise ValueError(f"unknown report format {file_format!r}")


async def render(
    name: str, result: ReportResult, file_format: str, summary: list[str] | None = None
) -> bytes:
    """The whole file, built in a thread (a large PDF or workbook takes a while); a PDF
    opens with the executive summary's sentences."""
    return await asyncio.to_thread(_render, name, result, file_format, summary or [])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return " ".join(str(value).split())[:40]


def preview(result: ReportResult, rows: int = PREVIEW_ROWS) -> str:
    """The header and first rows as aligned plain text, with a note of how many more."""
    table = [[str(c) for c in result.columns]] + [
        [_cell(v) for v in row] for row in result.rows[:rows]
    ]
    if len(table) == 1:
        return "No data for this period."
    widths = [max(len(line[i]) for line in table) for i in range(len(result.columns))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    more = len(result.rows) - rows
    if more > 0:
        lines.append(f"... and {more:,} more row{'s' if more != 1 else ''} in the file.")
    return "\n".join(lines)


def mail_html(intro: str, summary: list[str], result: ReportResult, note: str) -> str:
    """The mail's HTML part: the intro, the summary, the report's chart (the same SVG as the
    page and the PDF) and its first rows. Every text is escaped; the SVG escapes its own."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in result.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in result.rows[:PREVIEW_ROWS]
    )
    chart = chart_for(result) if result.rows else None
    parts = [
        f"<p>{html.escape(intro)}</p>",
        *(f"<p>{html.escape(sentence)}</p>" for sentence in summary),
        f"<div>{chart}</div>" if chart else "",
        f'<table border="1" cellpadding="4" cellspacing="0"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>",
        f"<p>{html.escape(note)}</p>",
    ]
    return "<!doctype html><html><body>" + "".join(parts) + "</body></html>"
