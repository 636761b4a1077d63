"""Recurrence rules: parse and check an RRULE, and find a series' next occurrence.

Rules are evaluated in the workspace's time zone on aware local datetimes, so a weekly
rule at 09:00 Europe/Paris stays at 09:00 local time across daylight-saving changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

FROM_DUE = "due"
FROM_COMPLETION = "completion"
MAX_RULE_LENGTH = 500
_PREFIX = "RRULE:"
_TOO_FREQUENT = frozenset({"HOURLY", "MINUTELY", "SECONDLY"})


class RuleError(ValueError):
    """A rule that smarttask does not accept (the message says why)."""


def normalise(text: str) -> str:
    """The rule without its optional `RRULE:` prefix, upper-cased; RuleError if invalid."""
    rule = text.strip()
    if rule.upper().startswith(_PREFIX):
        rule = rule[len(_PREFIX) :]
    rule = rule.upper()
    if not rule or any(c in rule for c in "\r\n") or "DTSTART" in rule:
        raise RuleError("Give one RRULE line (FREQ=...;...), without DTSTART.")
    _parse(rule, datetime(2026, 1, 1, tzinfo=UTC))
    if _parts(rule).get("FREQ") in _TOO_FREQUENT:
        raise RuleError("A rule may repeat at most daily (no HOURLY, MINUTELY or SECONDLY).")
    return rule


def _parse(rule: str, start: datetime) -> rrule:
    try:
        parsed = rrulestr(rule, dtstart=start)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise RuleError(f"This is not a valid RFC 5545 RRULE: {error}") from error
    if not isinstance(parsed, rrule):  # pragma: no cover - one line never makes a set
        raise RuleError("Give one RRULE line.")
    return parsed


def _parts(rule: str) -> dict[str, str]:
    return dict(part.partition("=")[::2] for part in rule.split(";") if part)


def has_count(rule: str) -> bool:
    """Whether the rule is bounded by COUNT."""
    return "COUNT" in _parts(rule)


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(zone)


def next_from_due(rule: str, zone: str, start: datetime, due: datetime) -> datetime | None:
    """The first occurrence after `due` of the series that started at `start` (UTC)."""
    where = ZoneInfo(zone)
    found = _parse(rule, _local(start, where)).after(_local(due, where))
    return None if found is None else found.astimezone(UTC)


def next_from_completion(
    rule: str, zone: str, start: datetime, completed: datetime
) -> datetime | None:
    """The first occurrence on a local day after the completion's, at the series' time of day.

    The rule restarts on the completion's local day at the time of day of `start`, so a
    weekly rule completed on a Tuesday comes back on the next Tuesday.
    """
    where = ZoneInfo(zone)
    done = _local(completed, where)
    begin = datetime.combine(done.date(), _local(start, where).timetz().replace(tzinfo=None))
    begin = begin.replace(tzinfo=where)
    day_after = datetime.combine(done.date() + timedelta(days=1), time(), where)
    found = _parse(rule, begin).after(day_after, inc=True)
    return None if found is None else found.astimezone(UTC)


def next_occurrence(
    rule: str, origin: str, zone: str, start: datetime, due: datetime | None, now: datetime
) -> datetime | None:
    """The due date of the next occurrence (None: the series is over)."""
    if origin == FROM_DUE:
        assert due is not None
        return next_from_due(rule, zone, start, due)
    return next_from_completion(rule, zone, start, now)
