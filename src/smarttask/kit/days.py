"""The calendar days smarttask accepts from outside (due dates, report ranges, calendar
months): far enough for any plan or history, and inside what a date can still hold once a
repetition, a day count or a time zone moves it (a day next to year 1 or 9999 cannot)."""

from __future__ import annotations

from datetime import UTC, date, datetime

EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(9998, 12, 31)


def midnight(day: date) -> datetime:
    """The UTC instant a day starts."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
