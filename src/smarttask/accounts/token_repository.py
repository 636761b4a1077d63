"""All SQL of the tokens mailed to users (password reset, email verification)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import AccountToken


async def add(session: AsyncSession, token: AccountToken) -> None:
    """Store a new token."""
    session.add(token)
    await session.flush()


async def drop_unused(session: AsyncSession, user_id: str, purpose: str) -> None:
    """Delete the user's unused tokens of this purpose (a new mail replaces them)."""
    await session.execute(
        delete(AccountToken).where(
            AccountToken.user_id == user_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
    )


async def find(session: AsyncSession, token_hash: str, purpose: str) -> AccountToken | None:
    """A token of this purpose by its hash, used or not."""
    statement = select(AccountToken).where(
        AccountToken.token_hash == token_hash, AccountToken.purpose == purpose
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def spend(session: AsyncSession, token_id: str, now: datetime) -> bool:
    """Mark a token used in one statement; False if it was already used (or expired)."""
    result: Any = await session.execute(
        update(AccountToken)
        .where(
            AccountToken.id == token_id,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
    )
    return bool(result.rowcount == 1)


async def spend_all(session: AsyncSession, user_id: str, purpose: str, now: datetime) -> None:
    """Mark every unused token of the user and purpose used."""
    await session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )


async def purge_expired(session: AsyncSession, before: datetime) -> int:
    """Delete tokens that expired before `before`; how many."""
    result: Any = await session.execute(
        delete(AccountToken).where(AccountToken.expires_at < before)
    )
    return int(result.rowcount or 0)
