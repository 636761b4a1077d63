"""How much open work each project holds: the workspace page's line under each project."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.tasks import repository

# Counted up to this many (then "999+"): a page of projects costs at most a bounded scan.
CAP = 999


@dataclass(frozen=True, slots=True)
class OpenWork:
    """A project's open tasks and how many of them are overdue (each at most CAP + 1)."""

    open: int
    overdue: int


async def of_projects(
    session: AsyncSession, project_ids: list[str], now: datetime
) -> dict[str, OpenWork]:
    """The open work of these projects (whose access the caller checked), in one statement."""
    counts = await repository.open_counts(session, project_ids, now, CAP)
    return {project_id: OpenWork(*pair) for project_id, pair in counts.items()}
