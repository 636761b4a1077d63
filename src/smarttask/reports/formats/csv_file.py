"""A report's table as streamed CSV (RFC 4180), safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

Cell = str | int | float | None

CHUNK_ROWS = 500
# A text cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(cell: Cell) -> Cell:
    """The cell, a text that a spreadsheet would run as a formula prefixed with a quote."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_chunks(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
    """UTF-8 CSV (no BOM, CRLF line ends) in chunks of rows, the header line first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([defuse(column) for column in columns])
    yield _drain(buffer)
    for written, row in enumerate(rows, start=1):
        writer.writerow([defuse(cell) for cell in row])
        if written % CHUNK_ROWS == 0:
            yield _drain(buffer)
    if buffer.tell():
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    """What the buffer holds, as UTF-8, leaving it empty."""
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data
