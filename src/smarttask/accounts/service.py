"""Sign-up, sign-in and the token lifecycle. Services flush; the unit of work commits."""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask import securitylog
from smarttask.accounts import devices, mail_queue, repository, security_events, totp
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.devices import Device
from smarttask.accounts.models import RefreshToken, User
from smarttask.accounts.passwords import password_problems
from smarttask.accounts.schemas import LoginTokens, TokenPair
from smarttask.accounts.tokens import hash_secret, new_refresh_token
from smarttask.db.types import new_id, utcnow
from smarttask.kit.problems import Conflict, TooManyRequests, Unauthorized, ValidationFailed

log = logging.getLogger("smarttask.accounts")

BEARER = {"WWW-Authenticate": "Bearer"}
# The bearer token is fine; the request lacks the user's proof (RFC 9470's step-up error).
STEP_UP = {"WWW-Authenticate": 'Bearer error="insufficient_user_authentication"'}
_LOGIN_FAILED = "The email or password is wrong."
_EMAIL: TypeAdapter[str] = TypeAdapter(EmailStr)


def normalize_email(email: str) -> str:
    """The canonical form under which an email is stored and compared."""
    return unicodedata.normalize("NFKC", email).strip().casefold()


def checked_email(email: str) -> str:
    """The normalised email, or a 422 when it is not an email address (callers beyond HTTP)."""
    try:
        return normalize_email(_EMAIL.validate_python(email))
    except ValidationError as error:
        raise ValidationFailed(
            "The email address is not valid.",
            errors=[{"loc": ["body", "email"], "msg": "not a valid email", "type": "value_error"}],
        ) from error


async def check_password_policy(
    password: str, email: str | None, name: str | None, field: str = "password"
) -> None:
    """Refuse a weak password with a 422 that says why (the estimate runs off the loop)."""
    problems = await asyncio.to_thread(password_problems, password, email, name)
    if problems:
        raise ValidationFailed(
            "The password is not acceptable: " + "; ".join(problems) + ".",
            errors=[
                {"loc": ["body", field], "msg": p, "type": "password_policy"} for p in problems
            ],
        )


async def register(
    session: AsyncSession,
    auth: AuthComponents,
    *,
    email: str,
    password: str,
    name: str,
    is_admin: bool = False,
    send_verification: bool = True,
) -> User:
    """Create an account (and queue its verification mail); 409 when the email is taken."""
    normalized = checked_email(email)
    await check_password_policy(password, normalized, name)
    if await repository.get_user_by_email(session, normalized) is not None:
        raise Conflict("An account with this email already exists.")
    now = utcnow()
    user = User(
        id=new_id(),
        email=normalized,
        name=name,
        password_hash=await auth.hashing.hash(password),
        is_admin=is_admin,
        is_active=True,
        totp_enabled=False,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as error:  # a concurrent registration of the same email won
        raise Conflict("An account with this email already exists.") from error
    if send_verification:
        await mail_queue.queue_verification(session, user.id)
    return user


async def _lockout(auth: AuthComponents, email: str) -> None:
    decision = await auth.limiter.peek("login-failures", auth.settings.login_failure_limit, email)
    if decision is not None and not decision.allowed:
        retry = str(max(1, decision.reset_seconds))
        raise TooManyRequests(
            f"Too many failed sign-ins for this email; retry in {retry} seconds.",
            headers={"Retry-After": retry},
        )


def _failure_key(email: str, device: Device | None) -> str:
    """Failures of a known device count for it alone; all others for the email."""
    return email if device is None else f"{email}\x00device:{device.device_id}"


async def _failed(
    session: AsyncSession,
    auth: AuthComponents,
    email: str,
    device: Device | None,
    user: User | None,
    reason: str,
    code: str | None = None,
) -> Unauthorized:
    limit = auth.settings.login_failure_limit
    decision = await auth.limiter.hit("login-failures", limit, _failure_key(email, device))
    locked = decision is not None and decision.remaining == 0
    security_events.sign_in_refused(
        session,
        auth.settings,
        email,
        user,
        reason,
        locked_scope=("email" if device is None else "device") if locked else None,
        retry_after=max(1, decision.reset_seconds) if decision is not None else 0,
    )
    if locked and decision is not None:
        # This failure locked the email (or the known device): say so, without the email.
        log.warning(
            "login.locked",
            extra={
                "event": "login.locked",
                "email_hash": devices.fingerprint(auth.settings, email),
                "scope": "email" if device is None else "device",
                "device_hash": devices.fingerprint(auth.settings, device.device_id)
                if device
                else None,
                "limit": limit,
                "retry_after_s": max(1, decision.reset_seconds),
            },
        )
    if code == "totp_invalid":
        return Unauthorized(
            "The one-time code is wrong or was already used.", headers=BEARER, extra={"code": code}
        )
    return Unauthorized(_LOGIN_FAILED, headers=BEARER)


async def login(
    session: AsyncSession,
    auth: AuthComponents,
    *,
    email: str,
    password: str,
    totp_code: str | None,
    device_token: str | None = None,
) -> LoginTokens:
    """Check the credentials (and TOTP) and open a new login session.

    Five failures in 15 minutes lock the email for unknown devices; a device that signed
    in to this account before (its `device_token`) is locked only by its own failures.
    """
    normalized = normalize_email(email)
    device = devices.verify(auth.settings, device_token)
    async with auth.signin_locks.lock(normalized):
        return await _login(session, auth, normalized, password, totp_code, device)


async def _login(
    session: AsyncSession,
    auth: AuthComponents,
    normalized: str,
    password: str,
    totp_code: str | None,
    device: Device | None,
) -> LoginTokens:
    presented = device is not None
    if not presented:
        await _lockout(auth, normalized)
    user = await repository.get_user_by_email(session, normalized)
    if device is not None and (user is None or user.id != device.user_id):
        device = None  # a token of another account is no better than none
    if presented:  # whose failures count was known only once the user was looked up
        await _lockout(auth, _failure_key(normalized, device))
    if user is None or user.password_hash is None:
        await auth.hashing.verify_dummy(password)  # look the same as a wrong password
        reason = "unknown_email" if user is None else "no_password"
        raise await _failed(session, auth, normalized, device, user, reason)
    if not await auth.hashing.verify(user.password_hash, password):
        raise await _failed(session, auth, normalized, device, user, "wrong_password")
    if not user.is_active:
        security_events.sign_in_refused(session, auth.settings, normalized, user, "disabled")
        # Said only to whoever knows the password: it tells a stranger nothing.
        raise Unauthorized(
            "This account is disabled; ask an administrator of this smarttask to enable it.",
            headers=BEARER,
            extra={"code": "account_disabled"},
        )
    if user.totp_enabled:
        if not totp_code:
            raise Unauthorized(
                "A one-time code is required.", headers=BEARER, extra={"code": "totp_required"}
            )
        if not await verify_totp_once(session, user, totp_code):
            raise await _failed(
                session, auth, normalized, device, user, "wrong_code", "totp_invalid"
            )
    if auth.hashing.needs_rehash(user.password_hash):
        user.password_hash = await auth.hashing.hash(password)
    return await _signed_in(session, auth, user, device)


async def _signed_in(
    session: AsyncSession,
    auth: AuthComponents,
    user: User,
    device: Device | None,
    **how: str,
) -> LoginTokens:
    """Open a new login for the user (checked) and log it; its tokens and device token.

    `how` adds to the log entry how the person proved it was them (single sign-on's
    `method` and `provider`).
    """
    family_id = new_id()
    pair = await _issue(session, auth, user, family_id=family_id, expires_at=None)
    security_events.signed_in(session, user, family_id, known_device=device is not None, **how)
    token = devices.issue(auth.settings, user.id, device.device_id if device else None)
    return LoginTokens(**pair.model_dump(), device_token=token)


async def open_login(
    session: AsyncSession,
    auth: AuthComponents,
    user: User,
    *,
    device_token: str | None,
    **how: str,
) -> LoginTokens:
    """Open a login for an active user whose identity was proven another way (a single
    sign-on provider, sso/): the same login, tokens and log entry as a password sign-in."""
    if not user.is_active or user.email is None:
        raise Unauthorized(_LOGIN_FAILED, headers=BEARER)
    device = devices.verify(auth.settings, device_token)
    if device is not None and device.user_id != user.id:
        device = None
    return await _signed_in(session, auth, user, device, **how)


async def login_with_code(
    session: AsyncSession,
    auth: AuthComponents,
    *,
    user_id: str,
    totp_code: str,
    device_token: str | None = None,
) -> LoginTokens:
    """The second step of a sign-in whose password was already checked (the web app's).

    The caller proves the first step itself (a short-lived signed token, web/signin.py);
    here the one-time code is checked like `login` checks it, failures counted alike.
    """
    user = await repository.get_user(session, user_id)
    if user is None or not user.is_active or user.email is None or not user.totp_enabled:
        raise Unauthorized(_LOGIN_FAILED, headers=BEARER)
    device = devices.verify(auth.settings, device_token)
    if device is not None and device.user_id != user.id:
        device = None
    async with auth.signin_locks.lock(user.email):
        await _lockout(auth, _failure_key(user.email, device))
        if not await verify_totp_once(session, user, totp_code):
            raise await _failed(
                session, auth, user.email, device, user, "wrong_code", "totp_invalid"
            )
    return await _signed_in(session, auth, user, device)


async def verify_totp_once(session: AsyncSession, user: User, code: str) -> bool:
    """Whether the code is valid now and was never used before (replays are refused)."""
    if user.totp_secret is None:
        return False
    step = totp.matching_step(user.totp_secret, code)
    return step is not None and await repository.claim_totp_step(session, user.id, step)


async def _issue(
    session: AsyncSession,
    auth: AuthComponents,
    user: User,
    *,
    family_id: str,
    expires_at: datetime | None,
) -> TokenPair:
    now = utcnow()
    secret = new_refresh_token()
    session.add(
        RefreshToken(
            id=new_id(),
            user_id=user.id,
            family_id=family_id,
            token_hash=hash_secret(secret),
            created_at=now,
            expires_at=expires_at
            or now + timedelta(seconds=auth.settings.refresh_token_ttl_seconds),
        )
    )
    await session.flush()
    return TokenPair(
        access_token=auth.tokens.issue(user.id, family_id, now),
        refresh_token=secret,
        expires_in=auth.tokens.ttl_seconds,
    )


async def refresh(session: AsyncSession, auth: AuthComponents, token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; a reused one revokes its whole login."""
    now = utcnow()
    row = await repository.get_refresh_token(session, hash_secret(token))
    if row is None:
        raise Unauthorized("The refresh token is not valid.", headers=BEARER)
    if (
        row.revoked_at is not None
        or row.used_at is not None
        or not (await repository.mark_refresh_used(session, row.id, now))
    ):
        await repository.revoke_family(session, row.family_id, now)
        securitylog.record(  # kept with the revocation: the answer keeps the changes
            session,
            "refresh.reused",
            actor_id=row.user_id,
            target_id=row.user_id,
            details={"session_id": row.family_id},
        )
        raise Unauthorized(
            "This refresh token was already used; every token of its sign-in is now revoked.",
            headers=BEARER,
            keep_changes=True,
        )
    if row.expires_at <= now:
        raise Unauthorized("The refresh token has expired; sign in again.", headers=BEARER)
    user = await repository.get_user(session, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("The refresh token is not valid.", headers=BEARER)
    return await _issue(session, auth, user, family_id=row.family_id, expires_at=row.expires_at)


async def logout(session: AsyncSession, token: str) -> None:
    """Revoke the login the refresh token belongs to (unknown tokens are ignored)."""
    row = await repository.get_refresh_token(session, hash_secret(token))
    if row is not None:
        await repository.revoke_family(session, row.family_id, utcnow())


@dataclass(frozen=True, slots=True)
class Revoked:
    """What a password change took away: live sign-ins and API tokens."""

    sessions: int
    api_tokens: int


def _reauth_refused(detail: str, code: str) -> Unauthorized:
    return Unauthorized(detail, headers=STEP_UP, extra={"code": code})


async def reauthenticate(
    session: AsyncSession,
    auth: AuthComponents,
    user: User,
    *,
    password: str | None,
    totp_code: str | None,
) -> None:
    """Check the proof an account-control request carries: 401 when missing or wrong.

    A valid current password, or (TOTP on) a one-time code not used before, is enough.
    Wrong proofs count as failed sign-ins of the email, so that a stolen access token is
    no unlimited password-guessing oracle; once the email is locked out the answer is 429.
    """
    if not password and not totp_code:
        raise _reauth_refused(
            "This action needs proof that it is you: send current_password (or totp_code "
            "when two-factor authentication is on) in the request body.",
            "reauth_required",
        )
    key = user.email or user.id
    async with auth.signin_locks.lock(key):
        await _lockout(auth, key)
        if (
            password
            and user.password_hash is not None
            and await auth.hashing.verify(user.password_hash, password)
        ):
            return
        if totp_code and user.totp_enabled and await verify_totp_once(session, user, totp_code):
            return
        await auth.limiter.hit("login-failures", auth.settings.login_failure_limit, key)
    securitylog.record_after(session, "reauth.failed", actor_id=user.id, target_id=user.id)
    raise _reauth_refused(
        "The current password or one-time code is wrong (or the code was already used).",
        "reauth_invalid",
    )


async def set_password(
    session: AsyncSession, auth: AuthComponents, user: User, new: str
) -> Revoked:
    """Store a new password and revoke every sign-in and API token of the user.

    Whoever held a token before the change (perhaps the reason for it) holds nothing after.
    """
    await check_password_policy(new, user.email, user.name, field="new_password")
    now = utcnow()
    user.password_hash = await auth.hashing.hash(new)
    user.updated_at = now
    sessions = await repository.revoke_user_refresh_tokens(session, user.id, now)
    api_tokens = await repository.revoke_user_api_tokens(session, user.id, now)
    await session.flush()
    return Revoked(sessions=sessions, api_tokens=api_tokens)


async def change_password(
    session: AsyncSession,
    auth: AuthComponents,
    user: User,
    *,
    current: str | None,
    totp_code: str | None = None,
    new: str,
) -> Revoked:
    """Replace the password after checking the proof; every login and API token is revoked."""
    await reauthenticate(session, auth, user, password=current, totp_code=totp_code)
    revoked = await set_password(session, auth, user, new)
    security_events.on_own_account(
        session,
        "password.changed",
        user,
        revoked_session_count=revoked.sessions,
        revoked_api_token_count=revoked.api_tokens,
    )
    return revoked


async def disable(session: AsyncSession, user: User) -> None:
    """Stop a user from signing in or using any token."""
    now = utcnow()
    user.is_active = False
    user.updated_at = now
    await repository.revoke_user_refresh_tokens(session, user.id, now)
    await repository.revoke_user_api_tokens(session, user.id, now)
    await session.flush()


async def erase(session: AsyncSession, user: User) -> None:
    """Erase personal data and disable the account; what they made stays, unattributed."""
    await disable(session, user)
    user.email = None
    user.name = "Deleted user"
    user.password_hash = None
    user.totp_secret = None
    user.totp_enabled = False
    user.deleted_at = utcnow()
    await session.flush()
