"""Verified access tokens are remembered, and still expire."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from smarttask.accounts.tokens import AccessTokens, InvalidToken
from smarttask.db.types import utcnow
from smarttask.settings import Settings


def _tokens() -> AccessTokens:
    return AccessTokens(
        Settings(_env_file=None, secret_key="k" * 40).auth  # type: ignore[call-arg]
    )


def test_a_verified_token_is_served_from_the_cache_until_it_expires() -> None:
    """The second verification does not decode again; an expired entry is refused."""
    tokens = _tokens()
    token = tokens.issue("user-1", "login-1", utcnow())
    claims = tokens.verify(token)
    assert (claims.user_id, claims.session_id) == ("user-1", "login-1")
    assert tokens.verify(token) is claims  # the remembered claims, not a new decode
    tokens._verified[token] = dataclasses.replace(claims, expires_at=utcnow())
    with pytest.raises(InvalidToken):
        tokens.verify(token)


def test_failures_are_not_remembered_and_forgeries_stay_refused() -> None:
    """A token that fails is decoded again next time; a tampered copy of a cached one fails."""
    tokens = _tokens()
    token = tokens.issue("user-1", "login-1", utcnow())
    tokens.verify(token)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for _ in range(2):
        with pytest.raises(InvalidToken):
            tokens.verify(forged)
    assert forged not in tokens._verified
    expired = tokens.issue("user-1", "login-1", utcnow() - timedelta(hours=1))
    with pytest.raises(InvalidToken):
        tokens.verify(expired)
    assert expired not in tokens._verified


def test_the_cache_is_bounded() -> None:
    """Old entries make room for new ones."""
    tokens = _tokens()
    first = tokens.issue("user-0", "login", utcnow())
    tokens.verify(first)
    for number in range(1, 4100):
        tokens.verify(tokens.issue(f"user-{number}", "login", utcnow()))
    assert len(tokens._verified) == 4096
    assert first not in tokens._verified
    assert tokens.verify(first).user_id == "user-0"  # still valid, decoded again
