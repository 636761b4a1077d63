"""Self-service: profile, TOTP enrolment, personal API tokens; and the administrators' edits."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask import securitylog
from smarttask.accounts import repository, service, totp
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.models import ApiToken, User
from smarttask.accounts.schemas import (
    AdminUserUpdate,
    ApiTokenCreate,
    ApiTokenRead,
    Proof,
    TotpConfirm,
    TotpRemove,
    TotpSetup,
    UserRead,
    UserUpdate,
)
from smarttask.accounts.security_events import on_own_account
from smarttask.accounts.tokens import hash_secret, new_api_token
from smarttask.db.types import new_id, utcnow
from smarttask.kit.pagination import Page, by_creation, created_keyset, fetch_page
from smarttask.kit.problems import Conflict, Forbidden, NotFound, ValidationFailed

MAX_API_TOKENS = 50
security_log = logging.getLogger("smarttask.security")


def _bad_code() -> ValidationFailed:
    return ValidationFailed(
        "The one-time code is wrong or was already used.",
        errors=[{"loc": ["body", "code"], "msg": "invalid code", "type": "totp_invalid"}],
    )


async def _prove(
    session: AsyncSession, auth: AuthComponents, user: User, proof: Proof, code: str | None = None
) -> None:
    await service.reauthenticate(
        session, auth, user, password=proof.current_password, totp_code=proof.totp_code or code
    )


async def update_profile(
    session: AsyncSession, auth: AuthComponents, user: User, changes: UserUpdate
) -> User:
    """Change one's name or time zone, or (with proof) email; 409 when the email is taken.

    The new email applies at once. Telling the old address and confirming the new one by
    mail comes with the mail domain; until then the change is logged as a security event.
    """
    if changes.email is not None:
        await _prove(session, auth, user, changes)
    if changes.name is not None:
        user.name = changes.name
    if changes.timezone is not None:
        user.timezone = changes.timezone
    if changes.email is not None:
        email = service.normalize_email(changes.email)
        if email != user.email:
            if await repository.get_user_by_email(session, email) is not None:
                raise Conflict("An account with this email already exists.")
            user.email = email
            security_log.info("email changed", extra={"user_id": user.id})
            on_own_account(session, "email.changed", user)
    user.updated_at = utcnow()
    try:
        await session.flush()
    except IntegrityError as error:
        raise Conflict("An account with this email already exists.") from error
    return user


async def start_totp(
    session: AsyncSession, auth: AuthComponents, user: User, proof: Proof
) -> TotpSetup:
    """A new secret, stored but not active until a code confirms it (needs proof)."""
    await _prove(session, auth, user, proof)
    if user.totp_enabled:
        raise Conflict("Two-factor authentication is already on; remove it first.")
    secret = totp.new_secret()
    user.totp_secret = secret
    user.totp_last_step = None
    user.updated_at = utcnow()
    uri = totp.provisioning_uri(secret, user.email or user.id, auth.settings.totp_issuer)
    return TotpSetup(secret=secret, otpauth_uri=uri)


async def confirm_totp(
    session: AsyncSession, auth: AuthComponents, user: User, body: TotpConfirm
) -> None:
    """Turn TOTP on once a code of the pending secret is shown (needs proof)."""
    await _prove(session, auth, user, body)
    code = body.code
    if user.totp_enabled:
        raise Conflict("Two-factor authentication is already on.")
    if user.totp_secret is None:
        raise Conflict("Start the set-up first (POST /api/v1/users/me/totp).")
    if not await service.verify_totp_once(session, user, code):
        raise _bad_code()
    user.totp_enabled = True
    user.updated_at = utcnow()
    await session.flush()
    on_own_account(session, "totp.enabled", user)


async def remove_totp(
    session: AsyncSession, auth: AuthComponents, user: User, body: TotpRemove
) -> None:
    """Turn TOTP off, proven by a current code (`code` or `totp_code`) or the password."""
    await _prove(session, auth, user, body, body.code)
    if not user.totp_enabled:
        raise Conflict("Two-factor authentication is not on.")
    user.totp_enabled = False
    user.totp_secret = None
    user.updated_at = utcnow()
    await session.flush()
    on_own_account(session, "totp.disabled", user)


async def create_api_token(
    session: AsyncSession, auth: AuthComponents, user: User, body: ApiTokenCreate
) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once; only the hash is kept); needs proof."""
    await _prove(session, auth, user, body)
    name, expires_at = body.name, body.expires_at
    now = utcnow()
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise ValidationFailed(
            "expires_at must be a future time with a timezone.",
            errors=[
                {
                    "loc": ["body", "expires_at"],
                    "msg": "must be in the future",
                    "type": "value_error",
                }
            ],
        )
    existing = await repository.list_api_tokens(session, user.id, after=None, limit=MAX_API_TOKENS)
    if len(existing) >= MAX_API_TOKENS:
        raise Conflict(f"A user may hold at most {MAX_API_TOKENS} API tokens; revoke one first.")
    secret = new_api_token()
    row = ApiToken(
        id=new_id(),
        user_id=user.id,
        name=name,
        token_hash=hash_secret(secret),
        hint=secret[-4:],
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    on_own_account(session, "token.created", user, token_id=row.id, name=row.name)
    return row, secret


async def list_api_tokens(
    session: AsyncSession, user: User, cursor: str | None, limit: int
) -> Page[ApiTokenRead]:
    """The user's live API tokens, oldest first."""
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: repository.list_api_tokens(session, user.id, after=after, limit=size),
        by_creation,
    )
    return rows.read(ApiTokenRead.model_validate)


async def revoke_api_token(session: AsyncSession, user: User, token_id: str) -> None:
    """Revoke one of the user's tokens (another user's is a 404)."""
    row = await repository.get_api_token(session, user.id, token_id)
    if row is None:
        raise NotFound("There is no such API token.")
    row.revoked_at = utcnow()
    await session.flush()
    on_own_account(session, "token.revoked", user, token_id=row.id, name=row.name)


async def list_users(session: AsyncSession, cursor: str | None, limit: int) -> Page[UserRead]:
    """Every user, oldest first (the route lets administrators only)."""
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: repository.list_users(session, after=after, limit=size),
        by_creation,
    )
    return rows.read(UserRead.model_validate)


async def get_user(session: AsyncSession, user_id: str) -> User:
    """A user by id, or a 404."""
    user = await repository.get_user(session, user_id)
    if user is None:
        raise NotFound("There is no such user.")
    return user


async def admin_update(
    session: AsyncSession, auth: AuthComponents, admin: User, user_id: str, changes: AdminUserUpdate
) -> User:
    """An administrator's change to a user (name; with the admin's proof, active and admin flag)."""
    if changes.is_active is not None or changes.is_admin is not None:
        await _prove(session, auth, admin, changes)
    user = await get_user(session, user_id)
    if user.id == admin.id and (changes.is_admin is False or changes.is_active is False):
        raise Forbidden("Administrators cannot demote or disable themselves.")
    if changes.name is not None:
        user.name = changes.name
    events: list[str] = []
    if changes.is_admin is not None and changes.is_admin != user.is_admin:
        events.append("user.admin_granted" if changes.is_admin else "user.admin_revoked")
        user.is_admin = changes.is_admin
    if changes.is_active is False and user.is_active:
        await service.disable(session, user)
        events.append("user.disabled")
    elif changes.is_active is True:
        if user.deleted_at is not None:
            raise Conflict("An erased user cannot be re-enabled.")
        if not user.is_active:
            events.append("user.enabled")
        user.is_active = True
    user.updated_at = utcnow()
    await session.flush()
    for event in events:
        securitylog.record(session, event, actor_id=admin.id, target_id=user.id)
    return user


async def admin_erase(
    session: AsyncSession, auth: AuthComponents, admin: User, user_id: str, proof: Proof
) -> None:
    """An administrator erases a user (with the administrator's proof)."""
    await _prove(session, auth, admin, proof)
    user = await get_user(session, user_id)
    if user.id == admin.id:
        raise Forbidden("Use DELETE /api/v1/users/me to erase your own account.")
    await service.erase(session, user)
    securitylog.record(session, "user.deleted", actor_id=admin.id, target_id=user.id)


async def erase_me(session: AsyncSession, auth: AuthComponents, user: User, proof: Proof) -> None:
    """Erase one's own account, proven by the password (or a one-time code)."""
    await _prove(session, auth, user, proof)
    await service.erase(session, user)
    on_own_account(session, "user.deleted", user)
