"""All SQL of invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.workspaces.models import Invitation, Workspace


async def add(session: AsyncSession, invitation: Invitation) -> None:
    """Store a new invitation."""
    session.add(invitation)
    await session.flush()


async def drop_pending(session: AsyncSession, workspace_id: str, email: str) -> None:
    """Delete the pending invitation of this email to the workspace, if any."""
    await session.execute(
        delete(Invitation).where(
            Invitation.workspace_id == workspace_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
        )
    )


async def get(session: AsyncSession, invitation_id: str) -> Invitation | None:
    """An invitation by id."""
    return await session.get(Invitation, invitation_id)


async def by_token(session: AsyncSession, token_hash: str) -> Invitation | None:
    """An invitation by the hash of its link's token."""
    statement = select(Invitation).where(Invitation.token_hash == token_hash)
    return (await session.execute(statement)).scalar_one_or_none()


async def with_names(
    session: AsyncSession, invitation_id: str
) -> tuple[Invitation, Workspace, User | None] | None:
    """An invitation with its workspace and inviter, in one query."""
    statement = (
        select(Invitation, Workspace, User)
        .join(Workspace, Workspace.id == Invitation.workspace_id)
        .outerjoin(User, User.id == Invitation.invited_by)
        .where(Invitation.id == invitation_id)
    )
    row = (await session.execute(statement)).one_or_none()
    return (row[0], row[1], row[2]) if row else None


async def list_pending(
    session: AsyncSession,
    workspace_id: str,
    now: datetime,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Invitation]:
    """The workspace's pending, unexpired invitations, oldest first, after a keyset position."""
    statement = (
        select(Invitation)
        .where(
            Invitation.workspace_id == workspace_id,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > now,
        )
        .order_by(Invitation.created_at, Invitation.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(Invitation.created_at, Invitation.id) > tuple_(*after))
    return list((await session.execute(statement)).scalars())


async def set_token(session: AsyncSession, invitation_id: str, token_hash: str) -> None:
    """Give the invitation a new link token (the old link stops working)."""
    await session.execute(
        update(Invitation).where(Invitation.id == invitation_id).values(token_hash=token_hash)
    )


async def mark_accepted(
    session: AsyncSession, invitation_id: str, user_id: str, now: datetime
) -> bool:
    """Accept a pending, unexpired invitation in one statement; False if it was not."""
    result: Any = await session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation_id,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(accepted_at=now, accepted_by=user_id, token_hash=None)
    )
    return bool(result.rowcount == 1)


async def delete_one(session: AsyncSession, invitation_id: str) -> None:
    """Delete an invitation (revoked)."""
    await session.execute(delete(Invitation).where(Invitation.id == invitation_id))


async def purge_expired(session: AsyncSession, before: datetime) -> int:
    """Delete pending invitations that expired before `before`; how many."""
    result: Any = await session.execute(
        delete(Invitation).where(Invitation.accepted_at.is_(None), Invitation.expires_at < before)
    )
    return int(result.rowcount or 0)
