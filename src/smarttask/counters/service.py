"""Counter rules: exact increments, race-free creation, a cap on how many exist."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.counters import repository
from smarttask.counters.models import Counter
from smarttask.db.types import utcnow
from smarttask.kit.problems import Conflict, NotFound


async def increment(session: AsyncSession, name: str, *, max_counters: int) -> Counter:
    """Add 1 to the counter, creating it at 1 if it does not exist yet."""
    now = utcnow()
    counter = await repository.increment(session, name, now)
    if counter is not None:
        return counter
    created = await repository.insert_new(session, name, now)
    if created is None:
        # Another request created it between our two statements; it exists now.
        counter = await repository.increment(session, name, now)
        assert counter is not None
        return counter
    if not await repository.reserve_quota(session, max_counters):
        raise Conflict(
            f"The maximum of {max_counters} counters is reached; no new counter can be created."
        )
    return created


async def get(session: AsyncSession, name: str) -> Counter:
    """The counter, or a 404 problem."""
    counter = await repository.get(session, name)
    if counter is None:
        raise NotFound(f"There is no counter named {name!r}.")
    return counter
