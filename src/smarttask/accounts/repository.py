"""All SQL of accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import ApiToken, RefreshToken, User


async def get_user(session: AsyncSession, user_id: str) -> User | None:
    """A user by id."""
    return await session.get(User, user_id)


async def lock_user(session: AsyncSession, user_id: str) -> None:
    """Serialise per-user limit checks of one user until the transaction ends.

    PostgreSQL: the user's row, FOR NO KEY UPDATE (rows that reference the user can still
    be inserted meanwhile). SQLite serialises writing transactions by itself.
    """
    if session.get_bind().dialect.name == "postgresql":
        statement = select(User.id).where(User.id == user_id).with_for_update(key_share=True)
        await session.execute(statement)


async def get_users(session: AsyncSession, user_ids: set[str]) -> dict[str, User]:
    """The users with these ids, by id, in one statement (unknown ids are left out)."""
    if not user_ids:
        return {}
    statement = select(User).where(User.id.in_(sorted(user_ids)))
    return {user.id: user for user in (await session.execute(statement)).scalars()}


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    """A user by normalised email."""
    return (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()


async def list_users(
    session: AsyncSession, *, after: tuple[datetime, str] | None, limit: int
) -> list[User]:
    """Users in creation order, after a keyset position."""
    statement = select(User).order_by(User.created_at, User.id).limit(limit)
    if after is not None:
        statement = statement.where(tuple_(User.created_at, User.id) > tuple_(*after))
    return list((await session.execute(statement)).scalars())


async def get_refresh_token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    """A refresh token by its hash."""
    statement = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    return (await session.execute(statement)).scalar_one_or_none()


async def mark_refresh_used(session: AsyncSession, token_id: str, now: datetime) -> bool:
    """Spend a refresh token in one statement; False if it was already spent or revoked."""
    result: Any = await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == token_id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(used_at=now)
    )
    return bool(result.rowcount == 1)


async def revoke_family(session: AsyncSession, family_id: str, now: datetime) -> None:
    """Revoke every refresh token of one login."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_user_refresh_tokens(session: AsyncSession, user_id: str, now: datetime) -> int:
    """Revoke every refresh token of a user (all logins); how many logins were live."""
    live = select(func.count(distinct(RefreshToken.family_id))).where(
        RefreshToken.user_id == user_id,
        RefreshToken.revoked_at.is_(None),
        RefreshToken.used_at.is_(None),
        RefreshToken.expires_at > now,
    )
    sessions = int((await session.execute(live)).scalar_one())
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return sessions


async def revoke_user_api_tokens(session: AsyncSession, user_id: str, now: datetime) -> int:
    """Revoke every API token of a user; how many were not revoked before."""
    result: Any = await session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)


async def get_api_token(session: AsyncSession, user_id: str, token_id: str) -> ApiToken | None:
    """One live API token of a user."""
    statement = select(ApiToken).where(
        ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def list_api_tokens(
    session: AsyncSession, user_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[ApiToken]:
    """A user's live API tokens in creation order, after a keyset position."""
    statement = (
        select(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at, ApiToken.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(ApiToken.created_at, ApiToken.id) > tuple_(*after))
    return list((await session.execute(statement)).scalars())


async def touch_api_token(session: AsyncSession, token_id: str, now: datetime) -> None:
    """Record that a token was used."""
    await session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


async def claim_totp_step(session: AsyncSession, user_id: str, step: int) -> bool:
    """Record a used TOTP time step; False if that step (or a later one) was already used."""
    result: Any = await session.execute(
        update(User)
        .where(User.id == user_id)
        .where((User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return bool(result.rowcount == 1)
