"""Rate limits through the `limits` library: in memory, or shared through Redis.

If Redis cannot be reached the limiter fails open (the request is allowed) and says so
in the log at most once every 30 seconds: an outage of the limit store must not become
an outage of the API.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request, Response

from smarttask.kit.openapi_problems import raises
from smarttask.kit.problems import TooManyRequests
from smarttask.settings import RateLimitSettings

log = logging.getLogger("smarttask.ratelimit")
_WARN_EVERY_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class RateLimitDecision:
    """The outcome of one hit."""

    allowed: bool
    policy: str
    limit: int
    window_seconds: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        """The RateLimit-Policy and RateLimit headers (IETF httpapi draft)."""
        return {
            "RateLimit-Policy": f'"{self.policy}";q={self.limit};w={self.window_seconds}',
            "RateLimit": f'"{self.policy}";r={self.remaining};t={self.reset_seconds}',
        }


class RateLimiter:
    """Counts hits per (policy, key); the store is created on first use."""

    def __init__(self, settings: RateLimitSettings) -> None:
        self.settings = settings
        self._strategy: Any = None
        self._last_warning = 0.0

    def _limiter(self) -> Any:
        if self._strategy is None:
            from limits.aio.strategies import SlidingWindowCounterRateLimiter
            from limits.storage import storage_from_string

            if self.settings.redis_url:
                uri = "async+" + self.settings.redis_url
                storage = storage_from_string(
                    uri,
                    implementation="redispy",
                    socket_timeout=0.5,
                    socket_connect_timeout=0.5,
                )
            else:
                storage = storage_from_string("async+memory://")
            self._strategy = SlidingWindowCounterRateLimiter(storage)
        return self._strategy

    async def hit(self, policy: str, limit: str, key: str) -> RateLimitDecision | None:
        """Count one hit; None when limits are off or the store is unreachable (fail-open)."""
        return await self._decide(policy, limit, key, consume=True)

    async def peek(self, policy: str, limit: str, key: str) -> RateLimitDecision | None:
        """Whether one more hit would be allowed, without counting it."""
        return await self._decide(policy, limit, key, consume=False)

    async def _decide(
        self, policy: str, limit: str, key: str, *, consume: bool
    ) -> RateLimitDecision | None:
        if not self.settings.enabled:
            return None
        from limits import parse

        item = parse(limit)
        window = int(item.get_expiry())
        try:
            limiter = self._limiter()
            if consume:
                allowed = await limiter.hit(item, policy, key)
            else:
                allowed = await limiter.test(item, policy, key)
            reset_at, remaining = await limiter.get_window_stats(item, policy, key)
        except Exception as error:
            self._warn(error)
            return None
        reset_seconds = max(0, math.ceil(reset_at - time.time()))
        if not allowed:
            reset_seconds = max(1, reset_seconds)
        return RateLimitDecision(
            allowed=bool(allowed),
            policy=policy,
            limit=item.amount,
            window_seconds=window,
            remaining=max(0, int(remaining)),
            reset_seconds=min(reset_seconds, window),
        )

    def _warn(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY_SECONDS:
            self._last_warning = now
            log.warning(
                "rate-limit store unreachable; allowing requests (fail-open)",
                extra={"error_type": type(error).__name__, "error": str(error)[:200]},
            )

    async def reset(self) -> None:
        """Forget every count (tests and maintenance)."""
        if self._strategy is not None:
            await self._strategy.storage.reset()


def client_ip(request: Request) -> str:
    """The caller's address as the server sees it (proxy headers resolved by the server)."""
    return request.client.host if request.client else "unknown"


def enforce(
    policy: str, limit_of: Callable[[Request], str], key_of: Callable[[Request], str] = client_ip
) -> Any:
    """A dependency that counts the request against a policy and refuses it with 429 when over."""

    @raises(429)
    async def dependency(request: Request, response: Response) -> None:
        limiter: RateLimiter = request.app.state.rate_limiter
        decision = await limiter.hit(policy, limit_of(request), key_of(request))
        if decision is None:
            return
        if not decision.allowed:
            headers = decision.headers() | {"Retry-After": str(max(1, decision.reset_seconds))}
            raise TooManyRequests(
                f"Too many requests; retry in {headers['Retry-After']} seconds.", headers=headers
            )
        response.headers.update(decision.headers())

    return Depends(dependency)
