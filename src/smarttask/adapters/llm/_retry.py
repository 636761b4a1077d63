"""Retries of vendor calls: 429, 5xx and timeouts, honouring Retry-After, within a time cap."""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from smarttask.adapters.llm.base import ProviderUnavailable

T = TypeVar("T")

BASE_DELAY = 0.5
MAX_DELAY = 8.0
MAX_WAIT = 20.0  # a longer Retry-After is left to the job runner: give up now and say when


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        return max(0.0, float(lowered["retry-after-ms"]) / 1000)
    except (KeyError, ValueError):
        pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def backoff(attempt: int) -> float:
    """Exponential backoff with jitter for the attempt-th retry (0-based)."""
    delay: float = min(MAX_DELAY, BASE_DELAY * 2**attempt)
    return delay * (0.75 + random.random() / 4)


def total_deadline(timeout: float, max_retries: int) -> float:
    """The cap on one call including its retries: every attempt's timeout plus the waits."""
    return timeout * (max_retries + 1) + min(MAX_WAIT * max_retries, 60.0)


async def with_retries(
    attempt: Callable[[], Awaitable[T]], *, max_retries: int, deadline: float
) -> T:
    """Run `attempt`, retrying ProviderUnavailable up to max_retries times within `deadline` s."""
    started = time.monotonic()
    for number in range(max_retries + 1):
        try:
            return await attempt()
        except ProviderUnavailable as error:
            if number == max_retries:
                raise
            wait = error.retry_after if error.retry_after is not None else backoff(number)
            if wait > MAX_WAIT or time.monotonic() - started + wait > deadline:
                raise
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover
