"""The callers' cache: what it keeps, when it answers, what makes it forget."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import pytest

from smarttask.accounts import callers as callers_module
from smarttask.accounts.callers import EVERYONE, CallerCache
from smarttask.app import create_app
from smarttask.db.listener import Listener
from smarttask.db.migrate import upgrade
from tests.support import lifespan_of, make_settings, sqlite_url


class _Freshness:
    """Stands in for a Listener: only its freshness matters to the cache."""

    def __init__(self) -> None:
        self.fresh = True

    def fresh_within(self, _seconds: float) -> bool:
        return self.fresh


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(callers_module.time, "monotonic", fake.monotonic)
    return fake


def _cache(**options: Any) -> tuple[CallerCache, _Freshness]:
    cache = CallerCache(30.0, **options)
    freshness = _Freshness()
    cache.attach(cast(Listener, freshness))
    return cache, freshness


def _put(cache: CallerCache, key: str, user: str) -> None:
    cache.put(("access", user, key), user, {"id": user, "key": key}, cache.generation)


def test_without_a_listener_nothing_is_kept() -> None:
    cache = CallerCache(30.0)
    cache.put(("access", "u1", "f1"), "u1", {"id": "u1"}, cache.generation)
    assert len(cache) == 0
    assert cache.get(("access", "u1", "f1")) is None


def test_a_fresh_entry_answers(clock: _Clock) -> None:
    cache, _ = _cache()
    _put(cache, "f1", "u1")
    assert cache.get(("access", "u1", "f1")) == {"id": "u1", "key": "f1"}
    assert (cache.hits, cache.misses) == (1, 0)
    assert cache.get(("access", "u1", "other")) is None
    assert cache.misses == 1


def test_an_entry_older_than_the_setting_is_dropped(clock: _Clock) -> None:
    cache, _ = _cache()
    _put(cache, "f1", "u1")
    clock.now += 30.0
    assert cache.get(("access", "u1", "f1")) is not None
    clock.now += 0.001
    assert cache.get(("access", "u1", "f1")) is None
    assert len(cache) == 0


def test_a_stale_listener_turns_the_cache_off(clock: _Clock) -> None:
    cache, freshness = _cache()
    _put(cache, "f1", "u1")
    freshness.fresh = False
    assert cache.get(("access", "u1", "f1")) is None
    _put(cache, "f2", "u1")  # nor does it keep anything while it cannot trust it
    freshness.fresh = True
    assert cache.get(("access", "u1", "f2")) is None
    assert cache.get(("access", "u1", "f1")) is not None


def test_a_notification_forgets_that_user_only(clock: _Clock) -> None:
    cache, _ = _cache()
    _put(cache, "f1", "u1")
    _put(cache, "f2", "u1")
    _put(cache, "f3", "u2")
    cache.forget("u1")
    assert cache.get(("access", "u1", "f1")) is None
    assert cache.get(("access", "u1", "f2")) is None
    assert cache.get(("access", "u2", "f3")) is not None
    cache.forget(EVERYONE)
    assert len(cache) == 0


def test_an_answer_read_before_a_notification_is_not_kept(clock: _Clock) -> None:
    """A lookup that ran while a revocation committed must not store what it read."""
    cache, _ = _cache()
    generation = cache.generation  # the lookup starts
    cache.forget("u9")  # any notification arrives while it runs
    cache.put(("access", "u1", "f1"), "u1", {"id": "u1"}, generation)
    assert cache.get(("access", "u1", "f1")) is None
    cache.forget_all()  # so does a reset
    generation = cache.generation
    cache.forget_all()
    cache.put(("access", "u1", "f1"), "u1", {"id": "u1"}, generation)
    assert len(cache) == 0


def test_the_oldest_entry_makes_room(clock: _Clock) -> None:
    cache, _ = _cache(max_entries=2)
    _put(cache, "f1", "u1")
    _put(cache, "f2", "u2")
    _put(cache, "f3", "u3")
    assert len(cache) == 2
    assert cache.get(("access", "u1", "f1")) is None
    assert cache.get(("access", "u3", "f3")) is not None
    cache.forget("u1")  # the evicted entry left no trace in the per-user index
    assert len(cache) == 2


def test_zero_seconds_turns_the_cache_off(clock: _Clock) -> None:
    cache = CallerCache(0.0)
    cache.attach(cast(Listener, _Freshness()))
    _put(cache, "f1", "u1")
    assert cache.get(("access", "u1", "f1")) is None


async def test_no_listener_on_sqlite(tmp_path: Path) -> None:
    """SQLite has no notifications: its workers never cache callers."""
    url = sqlite_url(tmp_path)
    await asyncio.to_thread(upgrade, url)
    app = create_app(make_settings(url))
    async with lifespan_of(app):
        assert app.state.auth.callers.listener is None
