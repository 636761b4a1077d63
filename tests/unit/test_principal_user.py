"""The caller's User built from a lookup row is what a session's load would give."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect

import smarttask.db.registry  # noqa: F401 - every mapper configured
from smarttask.accounts.lookups import _user
from smarttask.accounts.models import User


def test_user_from_row_is_detached_clean_and_complete() -> None:
    """Detached with its identity key, nothing modified, nothing left to load."""
    now = datetime.now(UTC)
    row = {
        "id": "u-1",
        "email": "a@example.com",
        "name": "A",
        "password_hash": "h",
        "is_admin": False,
        "is_active": True,
        "totp_secret": None,
        "totp_enabled": False,
        "totp_last_step": None,
        "email_verified": True,
        "timezone": "Europe/Paris",
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }
    user = _user(row)
    state = inspect(user)
    assert isinstance(user, User)
    assert state.detached
    assert state.key == (User, ("u-1",), None)
    assert not state.modified
    assert not state.unloaded
    assert (user.email, user.is_active, user.created_at) == ("a@example.com", True, now)
    user.name = "B"
    assert state.modified  # changes are still tracked like on any loaded instance
