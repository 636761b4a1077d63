"""Small helpers the format modules share: text decoding, timestamps, CSV reading."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime

from smarttask.imports.ir import FormatError

# The longest field a CSV may hold (a long description or comment).
csv.field_size_limit(1_000_000)


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormatError(f"The file is not UTF-8 text (byte {error.start}).") from error


def csv_rows(text: str) -> tuple[list[str], Iterator[list[str]]]:
    """The header and the following rows of a CSV text."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FormatError("The CSV file is empty.") from None
    except csv.Error as error:
        raise FormatError(f"The CSV file cannot be read: {error}.") from error
    return [name.strip() for name in header], reader


def read_rows(rows: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """The rows with their line numbers in the file (the header is row 1)."""
    number = 1
    try:
        for row in rows:
            number += 1
            yield number, row
    except csv.Error as error:
        raise FormatError(f"Row {number + 1} of the CSV file cannot be read: {error}.") from error


def timestamp(value: object) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime in UTC; None for empty; ValueError else."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a timestamp")
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return parsed.astimezone(UTC)
