"""A report's table as an Excel workbook, written row by row in constant memory."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

Cell = str | int | float | None

MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header
_DATE_FORMAT = "yyyy-mm-dd"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_WIDTH_SAMPLE = 1000  # rows looked at to size the columns
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def sheet_name(title: str) -> str:
    """The title as a valid worksheet name: at most 31 characters, none of []:*?/\\."""
    name = _SHEET_FORBIDDEN.sub(" ", title)
    name = " ".join(name.split())[:31].strip().strip("'").strip()
    if not name:
        return "Report"
    if name.casefold() == "history":  # a name Excel reserves for itself
        return "History report"
    return name


def xlsx_bytes(title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """The table as an .xlsx file: bold header, real dates and numbers, text never a formula."""
    output = io.BytesIO()
    # constant_memory flushes each row to a temporary file as soon as the next one starts;
    # in_memory would turn it off, so the workbook is assembled into the buffer at close().
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties({"title": title})
    worksheet = workbook.add_worksheet(sheet_name(title))
    bold = workbook.add_format({"bold": True})
    as_date = workbook.add_format({"num_format": _DATE_FORMAT})
    day_columns = {i for i, column in enumerate(columns) if column.strip().lower() == "day"}
    for index, width in enumerate(_widths(columns, rows, day_columns)):
        worksheet.set_column(index, index, width)
    for index, column in enumerate(columns):
        worksheet.write_string(0, index, str(column), bold)
    kept = rows[:MAX_ROWS]
    for number, row in enumerate(kept, start=1):
        for index, cell in enumerate(row):
            _write(worksheet, number, index, cell, as_date)
    if columns:
        worksheet.freeze_panes(1, 0)
        worksheet.autofilter(0, 0, len(kept), len(columns) - 1)
    workbook.close()
    return output.getvalue()


def _as_date(cell: str) -> date | None:
    """The date an ISO `YYYY-MM-DD` text names, if it is one."""
    if not _ISO_DATE.fullmatch(cell):
        return None
    try:
        return date.fromisoformat(cell)
    except ValueError:
        return None


def _write(sheet: Any, row: int, column: int, cell: Cell, as_date: Any) -> None:
    """One cell with its type: a date, a number, a boolean or text (None stays empty)."""
    if cell is None:
        return
    if isinstance(cell, bool):
        sheet.write_boolean(row, column, cell)
    elif isinstance(cell, int | float):
        if math.isfinite(cell):
            sheet.write_number(row, column, cell)
    else:
        text = str(cell)
        day = _as_date(text)
        if day is not None:
            sheet.write_datetime(row, column, day, as_date)
        else:
            sheet.write_string(row, column, text)


def _widths(
    columns: Sequence[str], rows: Sequence[Sequence[Cell]], day_columns: set[int]
) -> list[int]:
    """Column widths (in characters) fitting the header and the first rows' values."""
    widths = [len(str(column)) + 3 for column in columns]  # bold and the filter button
    for row in rows[:_WIDTH_SAMPLE]:
        for index, cell in enumerate(row[: len(widths)]):
            if cell is None:
                continue
            if index in day_columns or (isinstance(cell, str) and _as_date(cell)):
                length = len(_DATE_FORMAT)
            elif isinstance(cell, float):
                length = len(f"{cell:.6g}")
            else:
                length = max((len(line) for line in str(cell).splitlines()), default=0)
            widths[index] = max(widths[index], length + 2)
    return [min(max(width, _MIN_WIDTH), _MAX_WIDTH) for width in widths]
