"""When a failed job runs again: exponential backoff with jitter, or the upstream's delay."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

# Jitter keeps 75-100 % of the exponential delay: instances that failed together spread
# out, and each gap still grows (a gap is always longer than the one before it).
JITTER_FLOOR = 0.75
# An upstream Retry-After is honoured, within reason.
MAX_UPSTREAM_DELAY = 24 * 3600.0
_CREDENTIALS_IN_URL = re.compile(r"(\w+://)[^/\s:@]+(:[^/\s@]*)?@")


def backoff_seconds(
    attempt: int, *, base: float, cap: float, rand: Callable[[], float] = random.random
) -> float:
    """Delay after failed attempt `attempt` (1-based): min(cap, base*2^(n-1)), jittered."""
    raw = min(cap, base * 2.0 ** max(0, attempt - 1))
    return raw * (JITTER_FLOOR + (1 - JITTER_FLOOR) * rand())


def upstream_delay(after_seconds: float | None, fallback: float) -> float:
    """The delay an upstream asked for (e.g. Retry-After), bounded; else the fallback."""
    if after_seconds is None or after_seconds < 0:
        return fallback
    return min(after_seconds, MAX_UPSTREAM_DELAY)


def describe_error(error: BaseException, limit: int = 300) -> str:
    """A short, single-line description of an error, with credentials in URLs masked."""
    message = str(error).splitlines()[0] if str(error) else ""
    message = _CREDENTIALS_IN_URL.sub(r"\1***@", message)
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text[:limit]
