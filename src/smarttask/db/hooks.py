"""Work that must happen only once a transaction has committed (e.g. sending job ids to SQS)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("smarttask.db")

AfterCommit = Callable[[], Awaitable[None]]
_PENDING = "smarttask.after_commit"


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` after the session's next successful commit; dropped on rollback."""
    session.info.setdefault(_PENDING, []).append(callback)


class HookedSession(AsyncSession):
    """An AsyncSession that runs after-commit callbacks and forgets them on rollback."""

    async def commit(self) -> None:
        """Commit, then run what waited for the commit (failures are logged, not raised)."""
        await super().commit()
        callbacks: list[AfterCommit] = self.info.pop(_PENDING, [])
        for callback in callbacks:
            try:
                await callback()
            except Exception as error:  # the data is committed; the callback's owner recovers
                log.warning("after-commit callback failed", exc_info=error)

    async def rollback(self) -> None:
        """Roll back and drop the callbacks of the discarded work."""
        self.info.pop(_PENDING, None)
        await super().rollback()

    async def close(self) -> None:
        """Close; callbacks of uncommitted work are dropped."""
        self.info.pop(_PENDING, None)
        await super().close()
