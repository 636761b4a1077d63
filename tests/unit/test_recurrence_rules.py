"""Recurrence rules (recurrence/rules.py): parsing, refusals, next occurrences in local time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smarttask.recurrence import rules


def _at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_rule_is_normalised() -> None:
    assert rules.normalise(" rrule:freq=weekly;byday=mo ") == "FREQ=WEEKLY;BYDAY=MO"
    assert rules.has_count("FREQ=DAILY;COUNT=3")
    assert not rules.has_count("FREQ=DAILY;UNTIL=20270101T000000Z")


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "RRULE:",
        "FREQ=HOURLY",
        "FREQ=SECONDLY",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=DAILY;UNTIL=20270101T000000",  # a local UNTIL with a zoned start
        "DTSTART:20270101T000000Z\nRRULE:FREQ=DAILY",
        "EXRULE:FREQ=DAILY",
    ],
)
def test_bad_rules_are_refused(rule: str) -> None:
    with pytest.raises(rules.RuleError):
        rules.normalise(rule)


def test_weekly_from_due_keeps_local_time_across_both_dst_changes() -> None:
    spring = _at(2027, 3, 22, 8)  # Monday 09:00 in Paris, winter time
    assert rules.next_from_due("FREQ=WEEKLY", "Europe/Paris", spring, spring) == _at(2027, 3, 29, 7)
    # Paris leaves summer time on Sunday 31 October 2027: 09:00 is 07:00 UTC, then 08:00 UTC.
    autumn = _at(2027, 10, 30, 7)
    assert rules.next_from_due("FREQ=DAILY", "Europe/Paris", autumn, autumn) == _at(2027, 10, 31, 8)


def test_new_york_weekday_rule_skips_the_weekend() -> None:
    friday = _at(2027, 1, 8, 14)  # 09:00 in New York
    rule = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert rules.next_from_due(rule, "America/New_York", friday, friday) == _at(2027, 1, 11, 14)


def test_count_and_until_end_a_series() -> None:
    start = _at(2027, 1, 4, 9)
    assert rules.next_from_due("FREQ=DAILY;COUNT=2", "UTC", start, start) == _at(2027, 1, 5, 9)
    assert rules.next_from_due("FREQ=DAILY;COUNT=2", "UTC", start, _at(2027, 1, 5, 9)) is None
    until = "FREQ=DAILY;UNTIL=20270105T235959Z"
    assert rules.next_from_due(until, "UTC", start, _at(2027, 1, 5, 9)) is None


def test_from_completion_restarts_on_the_completion_day() -> None:
    due = _at(2027, 1, 4, 9)
    done_early = _at(2027, 1, 10, 6)  # before the series' time of day
    assert rules.next_from_completion("FREQ=DAILY", "UTC", due, done_early) == _at(2027, 1, 11, 9)
    assert rules.next_from_completion("FREQ=WEEKLY", "UTC", due, done_early) == _at(2027, 1, 17, 9)
    # Late in the evening in Tokyo is already the next day there.
    tokyo = rules.next_from_completion("FREQ=DAILY", "Asia/Tokyo", due, _at(2027, 1, 10, 20))
    assert tokyo == _at(2027, 1, 12, 9)
