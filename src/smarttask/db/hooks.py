"""Work tied to a session's commit: before it (in the transaction: the outbox's last writes)
and only once it has committed (e.g. sending job ids to SQS, waking local subscribers); and
work for when its transaction has ended either way (`after_end`: the security log's records
of refusals, written in a transaction of their own)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("smarttask.db")

AfterCommit = Callable[[], Awaitable[None]]
BeforeCommit = Callable[[AsyncSession], Awaitable[None]]
_PENDING = "smarttask.after_commit"
_BEFORE = "smarttask.before_commit"
# Not uncommitted work: kept through a rollback, run once the transaction has ended.
_ENDED = "smarttask.after_end"
# Keys of session.info that describe uncommitted work: dropped on rollback and close.
_UNCOMMITTED: list[str] = [_PENDING, _BEFORE]


def uncommitted_key(key: str) -> str:
    """Register `key` of session.info as uncommitted work's (dropped on rollback); returns it."""
    if key not in _UNCOMMITTED:
        _UNCOMMITTED.append(key)
    return key


def before_commit(session: AsyncSession, name: str, callback: BeforeCommit) -> None:
    """Run `callback(session)` in the transaction just before its next commit, once per name.

    Callbacks run in the order they were first registered; one may register others (they run
    too). If one raises, the commit does not happen and the error reaches the committer.
    """
    session.info.setdefault(_BEFORE, {}).setdefault(name, callback)


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` after the session's next successful commit; dropped on rollback."""
    session.info.setdefault(_PENDING, []).append(callback)


def after_end(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` once the session's transaction has ended, committed or rolled back.

    For work that must outlive a rollback in a transaction of its own: on SQLite (one
    writer) that transaction can only begin once this one has let go of the write lock.
    Failures are logged, not raised.
    """
    session.info.setdefault(_ENDED, []).append(callback)


class HookedSession(AsyncSession):
    """An AsyncSession that runs after-commit callbacks and forgets them on rollback."""

    async def commit(self) -> None:
        """Commit, then run what waited for the commit (failures are logged, not raised)."""
        waiting: dict[str, BeforeCommit] = self.info.get(_BEFORE, {})
        while waiting:  # a callback may register more (or itself again), which run too
            before = waiting.pop(next(iter(waiting)))
            await before(self)
        await super().commit()
        callbacks: list[AfterCommit] = self.info.pop(_PENDING, [])
        for callback in callbacks:
            try:
                await callback()
            except Exception as error:  # the data is committed; the callback's owner recovers
                log.warning("after-commit callback failed", exc_info=error)
        await self._ended()

    async def rollback(self) -> None:
        """Roll back and drop the callbacks of the discarded work."""
        self._forget_uncommitted()
        await super().rollback()
        await self._ended()

    async def close(self) -> None:
        """Close; callbacks of uncommitted work are dropped."""
        self._forget_uncommitted()
        await super().close()
        await self._ended()

    async def _ended(self) -> None:
        """Run what waited for the transaction to end (`after_end`), once each."""
        callbacks: list[AfterCommit] = self.info.pop(_ENDED, [])
        for callback in callbacks:
            try:
                await callback()
            except Exception as error:
                log.warning("after-end callback failed", exc_info=error)

    def _forget_uncommitted(self) -> None:
        for key in _UNCOMMITTED:
            self.info.pop(key, None)
