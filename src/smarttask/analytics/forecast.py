"""The Monte Carlo forecast: when the open scope is done, drawn from recent daily throughput."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

RUNS = 5_000
HISTORY_DAYS = 56  # eight weeks of throughput to draw from
HORIZON_DAYS = 5 * 366  # beyond this, no date is promised
_BLOCK_MIN = 30
LONG_DAYS = 120  # expected days beyond which the simulation draws weeks


@dataclass(frozen=True, slots=True)
class Outlook:
    """The forecast's dates (None: not within the horizon, or no throughput) and why."""

    p50: date | None
    p85: date | None
    note: str


def _seed(key: str, today: date) -> int:
    """A seed fixed by the project and the day: the same question gets the same answer."""
    digest = hashlib.sha256(f"{key}:{today.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def forecast(key: str, today: date, remaining: int, throughput: list[int]) -> Outlook:
    """Simulate `RUNS` futures, each day's completions drawn from `throughput` (one per day).

    The p50 (p85) date is the day by which half (85 %) of the futures have finished the
    `remaining` tasks; today counts as day 0.
    """
    if remaining <= 0:
        return Outlook(today, today, "Nothing is open.")
    # Imported to forecast, not with the analytics: every server worker imports this module
    # (its report jobs), and numpy holds about 20 MiB of a worker that never forecasts.
    import numpy as np

    throughput = [max(0, n) for n in throughput]
    samples = np.asarray(throughput, dtype=np.int64)
    if samples.size == 0 or not samples.any():
        return Outlook(
            None, None, f"No task was completed in the last {len(throughput)} days to draw from."
        )
    rng = np.random.default_rng(_seed(key, today))
    expected = remaining / samples.mean()
    # Far futures are drawn a week at a time (sums of seven consecutive days of the
    # history): the same spread of outcomes at a seventh of the cost; dates end a week.
    unit = 7 if expected > LONG_DAYS and samples.size >= 14 else 1
    if unit > 1:
        samples = np.convolve(samples, np.ones(unit, dtype=np.int64), mode="valid")
    horizon = HORIZON_DAYS // unit
    finished = np.full(RUNS, -1, dtype=np.int64)
    done = np.zeros(RUNS, dtype=np.int64)
    # The first block covers the expected time and a half, so most runs end in one draw.
    block = int(min(horizon, max(_BLOCK_MIN, 1.5 * expected / unit)))
    start = 0
    while start < horizon:
        active = np.flatnonzero(finished < 0)
        if active.size == 0:
            break
        picks = rng.integers(0, samples.size, size=(active.size, block), dtype=np.int32)
        draws = samples[picks].cumsum(axis=1) + done[active, None]
        reached = draws >= remaining
        hit = reached.any(axis=1)
        finished[active[hit]] = (start + reached[hit].argmax(axis=1) + 1) * unit
        done[active] = draws[:, -1]
        start += block
        block = _BLOCK_MIN
    days = np.where(finished < 0, HORIZON_DAYS + 1, finished)
    p50, p85 = (int(np.quantile(days, q, method="inverted_cdf")) for q in (0.5, 0.85))

    def when(offset: int) -> date | None:
        return today + timedelta(days=offset) if offset <= HORIZON_DAYS else None

    return Outlook(
        when(p50),
        when(p85),
        f"{RUNS} simulated futures drawing each {'week' if unit > 1 else 'day'}'s completions "
        f"from the last {len(throughput)} days ({sum(throughput)} completed).",
    )
