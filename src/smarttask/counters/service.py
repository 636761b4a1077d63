"""Counter rules: exact increments, race-free creation, a cap on how many exist."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smarttask.counters import repository
from smarttask.db.engine import Database, RowLike
from smarttask.db.types import utcnow
from smarttask.kit.problems import Conflict, NotFound
from smarttask.kit.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from smarttask.counters.models import Counter

FIELDS = ("name", "value", "created_at", "updated_at")


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


async def increment_for_request(
    uow: UnitOfWork, database: Database, name: str, *, max_counters: int
) -> dict[str, Any]:
    """`increment` for an HTTP request: the fields of the counter after the increment.

    An existing counter is incremented in one statement committed on its own (the same
    atomic statement as in a session, without the session's BEGIN and COMMIT). Creating a
    counter, and any request whose answer is stored for replay, uses the unit of work.
    """
    if not uow.writes_in_session:
        row = await repository.increment_committed(database, name, utcnow())
        if row is not None:
            return {field: row[field] for field in FIELDS}
    counter = await increment(uow.session, name, max_counters=max_counters)
    return {field: getattr(counter, field) for field in FIELDS}


async def get(database: Database, name: str) -> dict[str, Any]:
    """The fields of the counter, or a 404 problem."""
    row: RowLike | None = await repository.get_committed(database, name)
    if row is None:
        raise NotFound(f"There is no counter named {name!r}.")
    return {field: row[field] for field in FIELDS}
