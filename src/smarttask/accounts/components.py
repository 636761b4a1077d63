"""The long-lived pieces of authentication, built once per process."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field

from smarttask.accounts.callers import CallerCache
from smarttask.accounts.passwords import PasswordHashing
from smarttask.accounts.tokens import AccessTokens
from smarttask.kit.ratelimit import RateLimiter
from smarttask.settings import AuthSettings


class KeyedLocks:
    """One asyncio lock per key, forgotten as soon as nobody holds or awaits it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock(self, key: str) -> asyncio.Lock:
        """The lock of the key (the caller's reference keeps it alive)."""
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock


@dataclass(frozen=True, slots=True)
class AuthComponents:
    """Password hashing, token signing, the sign-in limiter and the callers' cache."""

    settings: AuthSettings
    hashing: PasswordHashing
    tokens: AccessTokens
    limiter: RateLimiter
    # Read-only requests' callers, while PostgreSQL notifies changes (accounts/callers.py).
    callers: CallerCache
    # Sign-in attempts for one email run one at a time in a process, so that a burst of
    # parallel guesses cannot all pass the failure check before any of them is counted.
    signin_locks: KeyedLocks = field(default_factory=KeyedLocks)

    @classmethod
    def build(cls, settings: AuthSettings, limiter: RateLimiter) -> AuthComponents:
        """Components for these settings."""
        return cls(
            settings,
            PasswordHashing(settings),
            AccessTokens(settings),
            limiter,
            CallerCache(settings.caller_cache_seconds),
        )
