"""The Monte Carlo forecast: exact on steady throughput, ordered, reproducible, honest."""

from __future__ import annotations

from datetime import date, timedelta

from smarttask.analytics.forecast import HORIZON_DAYS, forecast

TODAY = date(2026, 12, 3)


def test_steady_throughput_gives_the_exact_day() -> None:
    outlook = forecast("p", TODAY, 10, [2] * 56)
    assert (outlook.p50, outlook.p85) == (TODAY + timedelta(days=5),) * 2


def test_uncertain_throughput_puts_p85_at_or_after_p50_and_repeats_itself() -> None:
    history = [0, 0, 1, 5, 0, 2, 0, 0, 3, 1] * 5
    first = forecast("project-a", TODAY, 40, history)
    assert first.p50 is not None
    assert first.p85 is not None
    assert TODAY < first.p50 <= first.p85
    assert forecast("project-a", TODAY, 40, history) == first
    # The mean is 1.2 a day: half of the futures need about 40 / 1.2 = 33 days.
    assert 25 <= (first.p50 - TODAY).days <= 42


def test_no_throughput_or_nothing_left() -> None:
    none = forecast("p", TODAY, 5, [0] * 56)
    assert (none.p50, none.p85) == (None, None)
    assert "No task was completed" in none.note
    done = forecast("p", TODAY, 0, [])
    assert (done.p50, done.p85) == (TODAY, TODAY)


def test_beyond_the_horizon_no_date_is_promised() -> None:
    slow = forecast("p", TODAY, 10_000, [0] * 55 + [1])
    assert slow.p50 is None
    assert HORIZON_DAYS > 365
