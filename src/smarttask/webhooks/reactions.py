"""(Being built.)"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.events.outbox import Published


async def react(session: AsyncSession, events: Sequence[Published]) -> None:
    """Nothing yet."""
