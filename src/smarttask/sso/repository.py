"""All SQL of single sign-on: identities and sign-in attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.sso.models import SsoAttempt, UserIdentity


async def add_attempt(session: AsyncSession, attempt: SsoAttempt) -> None:
    """Store a new attempt."""
    session.add(attempt)
    await session.flush()


async def attempt_by_state(session: AsyncSession, state_hash: str) -> SsoAttempt | None:
    """An attempt by the hash of its state, used or not."""
    statement = select(SsoAttempt).where(SsoAttempt.state_hash == state_hash)
    return (await session.execute(statement)).scalar_one_or_none()


async def spend_attempt(session: AsyncSession, attempt_id: str, now: datetime) -> bool:
    """Mark an attempt used in one statement; False if it was used already or expired."""
    result: Any = await session.execute(
        update(SsoAttempt)
        .where(
            SsoAttempt.id == attempt_id,
            SsoAttempt.used_at.is_(None),
            SsoAttempt.expires_at > now,
        )
        .values(used_at=now)
    )
    return bool(result.rowcount == 1)


async def purge_attempts(session: AsyncSession, before: datetime) -> int:
    """Delete attempts that expired before `before`; how many."""
    result: Any = await session.execute(delete(SsoAttempt).where(SsoAttempt.expires_at < before))
    return int(result.rowcount or 0)


async def identity(session: AsyncSession, provider: str, subject: str) -> UserIdentity | None:
    """The identity of a person at a provider."""
    statement = select(UserIdentity).where(
        UserIdentity.provider == provider, UserIdentity.subject == subject
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def identity_of_user(
    session: AsyncSession, user_id: str, provider: str
) -> UserIdentity | None:
    """The user's identity at a provider."""
    statement = select(UserIdentity).where(
        UserIdentity.user_id == user_id, UserIdentity.provider == provider
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def identities_of_user(session: AsyncSession, user_id: str) -> list[UserIdentity]:
    """A user's identities (one per provider at most), by provider name."""
    statement = (
        select(UserIdentity).where(UserIdentity.user_id == user_id).order_by(UserIdentity.provider)
    )
    return list((await session.execute(statement)).scalars())


async def add_identity(session: AsyncSession, row: UserIdentity) -> None:
    """Store a new identity (IntegrityError when the person or the provider is taken)."""
    session.add(row)
    await session.flush()


async def remove_identity(session: AsyncSession, row: UserIdentity) -> None:
    """Delete an identity."""
    await session.delete(row)
    await session.flush()
