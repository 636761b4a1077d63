"""The Monte Carlo forecast: when the open scope is done, drawn from recent daily throughput."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

RUNS = 10_000
HISTORY_DAYS = 56  # eight weeks of throughput to draw from
HORIZON_DAYS = 5 * 366  # beyond this, no date is promised
_BLOCK = 183


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
    samples = np.asarray([max(0, n) for n in throughput], dtype=np.int64)
    if samples.size == 0 or not samples.any():
        return Outlook(
            None, None, f"No task was completed in the last {len(throughput)} days to draw from."
        )
    rng = np.random.default_rng(_seed(key, today))
    finished = np.full(RUNS, -1, dtype=np.int64)
    done = np.zeros(RUNS, dtype=np.int64)
    for start in range(0, HORIZON_DAYS, _BLOCK):
        active = np.flatnonzero(finished < 0)
        if active.size == 0:
            break
        draws = rng.choice(samples, size=(active.size, _BLOCK)).cumsum(axis=1) + done[active, None]
        reached = draws >= remaining
        hit = reached.any(axis=1)
        finished[active[hit]] = start + reached[hit].argmax(axis=1) + 1
        done[active] = draws[:, -1]
    days = np.where(finished < 0, HORIZON_DAYS + 1, finished)
    p50, p85 = (int(np.quantile(days, q, method="inverted_cdf")) for q in (0.5, 0.85))

    def when(offset: int) -> date | None:
        return today + timedelta(days=offset) if offset <= HORIZON_DAYS else None

    return Outlook(
        when(p50),
        when(p85),
        f"{RUNS} simulated futures drawing each day's completions from the last "
        f"{len(throughput)} days ({int(samples.sum())} completed).",
    )
