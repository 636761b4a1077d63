"""The long-lived pieces of authentication, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from smarttask.accounts.passwords import PasswordHashing
from smarttask.accounts.tokens import AccessTokens
from smarttask.kit.ratelimit import RateLimiter
from smarttask.settings import AuthSettings


@dataclass(frozen=True, slots=True)
class AuthComponents:
    """Password hashing, token signing and the limiter used for sign-in protection."""

    settings: AuthSettings
    hashing: PasswordHashing
    tokens: AccessTokens
    limiter: RateLimiter

    @classmethod
    def build(cls, settings: AuthSettings, limiter: RateLimiter) -> AuthComponents:
        """Components for these settings."""
        return cls(settings, PasswordHashing(settings), AccessTokens(settings), limiter)
