"""When a scheduled report runs next: local times in IANA zones, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from smarttask.reports.schedule import instant_on, next_run

PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone))


def runs(frequency: str, at: str, zone: str, after: datetime, count: int) -> list[datetime]:
    found = []
    for _ in range(count):
        after = next_run(frequency, at, zone, after)  # type: ignore[arg-type]
        found.append(after)
    return found


def test_daily_runs_at_the_local_time_on_both_sides_of_a_spring_forward() -> None:
    # Paris moves from UTC+1 to UTC+2 on Sunday 29 March 2026 at 02:00 local.
    found = runs("daily", "08:00", PARIS, utc(2026, 3, 27, 12), 4)
    assert found == [
        utc(2026, 3, 28, 7),  # 08:00 CET
        utc(2026, 3, 29, 6),  # 08:00 CEST: the same wall-clock time, one hour earlier in UTC
        utc(2026, 3, 30, 6),
        utc(2026, 3, 31, 6),
    ]
    assert all(r.astimezone(ZoneInfo(PARIS)).strftime("%H:%M") == "08:00" for r in found)


def test_a_skipped_local_time_runs_at_the_first_instant_after_it() -> None:
    # 02:30 does not exist in Paris on 29 March 2026: clocks jump from 02:00 to 03:00.
    found = runs("daily", "02:30", PARIS, utc(2026, 3, 28, 12), 3)
    assert found[0] == utc(2026, 3, 29, 1)  # the jump itself: 03:00 CEST
    assert found[0].astimezone(ZoneInfo(PARIS)).strftime("%H:%M") == "03:00"
    assert found[1] == utc(2026, 3, 30, 0, 30)  # back to 02:30 the next day
    assert found[2] == utc(2026, 3, 31, 0, 30)


def test_a_skipped_time_in_new_york() -> None:
    # New York jumps from 02:00 EST to 03:00 EDT on 8 March 2026 (07:00 UTC).
    assert next_run("daily", "02:15", NEW_YORK, utc(2026, 3, 7, 12)) == utc(2026, 3, 8, 7)
    assert instant_on(
        datetime(2026, 3, 8).date(), datetime(2026, 1, 1, 2, 59).time(), ZoneInfo(NEW_YORK)
    ) == utc(2026, 3, 8, 7)


def test_a_repeated_local_time_runs_once_at_its_first_occurrence() -> None:
    # Paris goes back from 03:00 CEST to 02:00 CET on 25 October 2026: 02:30 happens twice.
    found = runs("daily", "02:30", PARIS, utc(2026, 10, 24, 12), 3)
    assert found == [
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST, the first one
        utc(2026, 10, 26, 1, 30),  # 02:30 CET the next day: no second run on the 25th
        utc(2026, 10, 27, 1, 30),
    ]


def test_daily_across_the_autumn_change_keeps_the_wall_clock_time() -> None:
    found = runs("daily", "09:00", NEW_YORK, utc(2026, 10, 31, 20), 3)
    assert found == [utc(2026, 11, 1, 14), utc(2026, 11, 2, 14), utc(2026, 11, 3, 14)]
    # The day before the change 09:00 was 13:00 UTC.
    assert next_run("daily", "09:00", NEW_YORK, utc(2026, 10, 30, 20)) == utc(2026, 10, 31, 13)


def test_weekly_runs_every_monday() -> None:
    found = runs("weekly", "08:00", PARIS, utc(2026, 3, 18, 12), 3)  # a Wednesday
    assert [r.astimezone(ZoneInfo(PARIS)).weekday() for r in found] == [0, 0, 0]
    assert found == [utc(2026, 3, 23, 7), utc(2026, 3, 30, 6), utc(2026, 4, 6, 6)]


def test_weekly_on_a_monday_before_and_after_the_time() -> None:
    monday_morning = local(PARIS, 2026, 3, 23, 7, 59).astimezone(UTC)
    assert next_run("weekly", "08:00", PARIS, monday_morning) == utc(2026, 3, 23, 7)
    at_the_time = utc(2026, 3, 23, 7)
    assert next_run("weekly", "08:00", PARIS, at_the_time) == utc(2026, 3, 30, 6)


def test_monthly_runs_on_the_first_through_the_year() -> None:
    found = runs("monthly", "07:30", PARIS, utc(2026, 1, 15), 12)
    locals_ = [r.astimezone(ZoneInfo(PARIS)) for r in found]
    assert [(t.month, t.day, t.strftime("%H:%M")) for t in locals_] == [
        (m if m <= 12 else m - 12, 1, "07:30") for m in range(2, 14)
    ]
    assert found[-1] == utc(2027, 1, 1, 6, 30)


def test_the_zone_decides_the_day() -> None:
    # 23:30 UTC on 31 Dec is already 1 Jan in Tokyo and still 31 Dec in Los Angeles.
    after = utc(2026, 12, 31, 23, 30)
    assert next_run("daily", "09:00", "Asia/Tokyo", after) == utc(2027, 1, 1, 0)
    assert next_run("daily", "09:00", "America/Los_Angeles", after) == utc(2027, 1, 1, 17)
    assert next_run("monthly", "00:00", "Asia/Tokyo", utc(2026, 12, 31, 14, 59)) == utc(
        2026, 12, 31, 15
    )


@pytest.mark.parametrize("zone", [PARIS, NEW_YORK, "Australia/Lord_Howe", "UTC", "Asia/Kolkata"])
def test_runs_are_strictly_increasing_and_a_day_apart_in_wall_time(zone: str) -> None:
    start = utc(2026, 1, 1)
    found = runs("daily", "02:30", zone, start, 400)
    assert all(b > a for a, b in pairwise(found))
    dates = [r.astimezone(ZoneInfo(zone)).date() for r in found]
    assert all(b - a == timedelta(days=1) for a, b in pairwise(dates))
