"""Todoist's simple "every ..." phrases as RRULEs (imports/planning.py), and the rest refused."""

from __future__ import annotations

import pytest

from smarttask.imports.planning import todoist_rule


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("every day", {"rrule": "FREQ=DAILY", "from": "due"}),
        ("Daily", {"rrule": "FREQ=DAILY", "from": "due"}),
        ("every 2 weeks", {"rrule": "FREQ=WEEKLY;INTERVAL=2", "from": "due"}),
        ("every! 3 days", {"rrule": "FREQ=DAILY;INTERVAL=3", "from": "completion"}),
        ("every monday", {"rrule": "FREQ=WEEKLY;BYDAY=MO", "from": "due"}),
        ("every  month", {"rrule": "FREQ=MONTHLY", "from": "due"}),
        ("every 1 year", {"rrule": "FREQ=YEARLY", "from": "due"}),
    ],
)
def test_simple_phrases_become_rules(phrase: str, expected: dict[str, str]) -> None:
    assert todoist_rule(phrase) == expected


@pytest.mark.parametrize(
    "phrase",
    ["every other day", "every 0 days", "every 2 mondays", "every 3rd friday", "every workday", ""],
)
def test_other_phrases_are_not_translated(phrase: str) -> None:
    assert todoist_rule(phrase) is None
