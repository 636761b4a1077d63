"""All SQL of the live streams beyond the event log's own (events/repository.py)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.workspaces.models import Membership


async def member_roles(
    session: AsyncSession, workspace_id: str, user_ids: Sequence[str]
) -> dict[str, str]:
    """The roles these users (the active ones) hold in the workspace, by user id."""
    if not user_ids:
        return {}
    statement = (
        select(Membership.user_id, Membership.role)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.workspace_id == workspace_id,
            Membership.user_id.in_(list(user_ids)),
            User.is_active.is_(True),
        )
    )
    return {row.user_id: row.role for row in await session.execute(statement)}


async def active_users(session: AsyncSession, user_ids: Sequence[str]) -> set[str]:
    """Which of these users are still active accounts."""
    if not user_ids:
        return set()
    statement = select(User.id).where(User.id.in_(list(user_ids)), User.is_active.is_(True))
    return set((await session.scalars(statement)).all())
