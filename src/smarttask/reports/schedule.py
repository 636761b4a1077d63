"""When a scheduled report runs next: local wall-clock times in an IANA zone, DST included.

Daily runs every day at the time, weekly every Monday, monthly on the 1st. A local time that
does not exist that day (skipped by a spring-forward change) runs at the first instant that
exists after it, the moment the clocks jump; a local time that exists twice (autumn) runs
once, at its first occurrence. Pure functions: no I/O, no clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Frequency = Literal["daily", "weekly", "monthly"]


def parse_time(text: str) -> time:
    """`HH:MM` as a time of day."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    """Whether a wall-clock time (tz-aware, in `zone`) happens in that zone."""
    back = local.astimezone(UTC).astimezone(zone)
    return back.replace(tzinfo=None, fold=0) == local.replace(tzinfo=None, fold=0)


def _first_instant_after_gap(local: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clocks jumped over a skipped wall-clock time (UTC)."""
    # Read with the offset after the change, the time is before it; with the offset before,
    # after it. The change is between: find its second by halving (an hour in ~12 steps).
    low = local.replace(fold=1).astimezone(UTC)
    high = local.replace(fold=0).astimezone(UTC)
    if low > high:
        low, high = high, low
    before = low.astimezone(zone).utcoffset()
    while (high - low) > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def instant_on(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `at` on `day` in `zone` (a skipped time: when the clocks jumped)."""
    local = datetime.combine(day, at, tzinfo=zone)  # fold=0: the first of a repeated time
    if _exists(local, zone):
        return local.astimezone(UTC)
    return _first_instant_after_gap(local, zone)


def _period_start(frequency: Frequency, day: date) -> date:
    if frequency == "weekly":
        return day - timedelta(days=day.weekday())
    if frequency == "monthly":
        return day.replace(day=1)
    return day


def _next_period(frequency: Frequency, day: date) -> date:
    if frequency == "weekly":
        return day + timedelta(days=7)
    if frequency == "monthly":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def next_run(frequency: Frequency, at: str | time, timezone: str, after: datetime) -> datetime:
    """The first run of the schedule strictly after `after` (aware), in UTC."""
    zone = ZoneInfo(timezone)
    wall = parse_time(at) if isinstance(at, str) else at
    # A day before the local date: a run early that day in UTC terms is never missed.
    day = _period_start(frequency, after.astimezone(zone).date() - timedelta(days=1))
    while True:
        candidate = instant_on(day, wall, zone)
        if candidate > after:
            return candidate
        day = _next_period(frequency, day)
