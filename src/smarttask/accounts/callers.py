"""A server worker's cache of callers, kept exact by PostgreSQL notifications.

Every read-only request must know that its caller's login (or API token) is still live and
the account still active, which costs a database round trip per request. On PostgreSQL a
server worker may keep what that lookup found, for `caller_cache_seconds`, because the
database tells it when to forget: triggers (migration 2026_11_30_caller_notifications) send
`NOTIFY smarttask_callers, '<user id>'` on every change or deletion of a user, a refresh
token or an API token, and `TRUNCATE` sends `'*'`; notifications go out on commit.

An entry is used only while the worker's `Listener` is fresh (every notification committed
up to `max_lag` seconds ago has been handled); otherwise the lookup goes to the database as
without a cache. A lookup's answer is stored only if no notification arrived while it ran,
so a revocation committed during the lookup cannot be overwritten by what it read before.
Requests that write never use the cache: they look their caller up in their transaction.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by the server's lifespan only: it brings asyncpg
    from smarttask.db.listener import Listener

CHANNEL = "smarttask_callers"
# True once the migration that sends the notifications has run.
NOTIFYING = "SELECT to_regproc('smarttask_notify_caller') IS NOT NULL"
EVERYONE = "*"

Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class _Entry:
    user_id: str
    values: Mapping[str, Any]
    stored_at: float


class CallerCache:
    """What caller lookups found, by key, forgotten on a notification about its user."""

    def __init__(self, seconds: float, *, max_entries: int = 10_000, max_lag: float = 2.0) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self.max_lag = max_lag
        self.hits = 0
        self.misses = 0
        self._listener: Listener | None = None
        self._entries: dict[Key, _Entry] = {}
        self._keys_of: dict[str, set[Key]] = {}
        self._generation = 0

    @property
    def generation(self) -> int:
        """Changes on every notification and reset: take it before a lookup, give it to put."""
        return self._generation

    @property
    def listener(self) -> Listener | None:
        """The listener the cache follows, if any."""
        return self._listener

    def attach(self, listener: Listener | None) -> None:
        """Use the cache while this listener is fresh (None: never)."""
        self._listener = listener
        self.forget_all()

    def _usable(self) -> bool:
        listener = self._listener
        return listener is not None and self.seconds > 0 and listener.fresh_within(self.max_lag)

    def get(self, key: Key) -> Mapping[str, Any] | None:
        """What the lookup of `key` found recently, if the cache may answer now."""
        if self._listener is None:
            return None
        entry = self._entries.get(key)
        if entry is not None and self._usable():
            if time.monotonic() - entry.stored_at <= self.seconds:
                self.hits += 1
                return entry.values
            self._drop(key, entry.user_id)
        self.misses += 1
        return None

    def put(self, key: Key, user_id: str, values: Mapping[str, Any], generation: int) -> None:
        """Keep a lookup's answer, unless a notification arrived since `generation`."""
        if generation != self._generation or not self._usable():
            return
        if key not in self._entries and len(self._entries) >= self.max_entries:
            oldest = next(iter(self._entries))
            self._drop(oldest, self._entries[oldest].user_id)
        self._entries[key] = _Entry(user_id, values, time.monotonic())
        self._keys_of.setdefault(user_id, set()).add(key)

    def forget(self, user_id: str) -> None:
        """A notification: drop the user's entries (every entry for EVERYONE)."""
        self._generation += 1
        if user_id == EVERYONE:
            self._entries.clear()
            self._keys_of.clear()
            return
        for key in self._keys_of.pop(user_id, ()):
            self._entries.pop(key, None)

    def forget_all(self) -> None:
        """A reset: nothing seen before can be trusted."""
        self.forget(EVERYONE)

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, key: Key, user_id: str) -> None:
        self._entries.pop(key, None)
        keys = self._keys_of.get(user_id)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._keys_of[user_id]
