"""Account mail: password reset and email verification. Services flush; the caller commits.

A request only queues a job (accounts/mail_queue.py); the job looks the account up, makes a
random token, stores its SHA-256 and mails the link (`send_password_reset`,
`send_verification`). An attempt that fails to send is rolled back with its token, so a
token exists only for a mail that went out. Tokens are single use: spending one is one
conditional UPDATE, and a new mail of the same kind deletes the user's unused ones.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts import mail_queue, repository, service, token_repository
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.models import AccountToken, User
from smarttask.accounts.security_events import on_own_account
from smarttask.accounts.tokens import hash_secret
from smarttask.adapters.mail.base import Message
from smarttask.db.types import new_id, utcnow
from smarttask.kit.problems import BadRequest, Conflict, TooManyRequests
from smarttask.mailing.compose import compose, link
from smarttask.mailing.service import deliver
from smarttask.settings import MailSettings

PASSWORD_RESET = "password_reset"  # noqa: S105 - a token purpose, not a secret
VERIFY_EMAIL = "verify_email"
RESET_TTL = timedelta(minutes=30)
VERIFY_TTL = timedelta(hours=48)
# Mails one address (reset) or one account (verification) may ask for, like sign-in failures.
RESET_POLICY = "password-reset-mail"
VERIFY_POLICY = "verification-mail"
ACCEPTED = "If an enabled account has this email address, a mail with a link is on its way."

log = logging.getLogger("smarttask.accounts")
security_log = logging.getLogger("smarttask.security")


def invalid_link() -> BadRequest:
    """The answer to a used, expired, replaced or unknown token (all alike)."""
    return BadRequest(
        "This link is not valid any more: it was already used, has expired or was replaced "
        "by a newer one. Ask for a new mail.",
        extra={"code": "token_invalid"},
    )


def new_link_token() -> str:
    """A fresh token for a mailed link (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


async def request_password_reset(session: AsyncSession, auth: AuthComponents, email: str) -> None:
    """Queue a reset mail for whoever has this email; the same work whether anyone has it.

    The account is looked up by the job, not here: the answer and its timing say nothing
    about which addresses have accounts. Past the per-address limit (the sign-in failure
    limit's) nothing more is queued, and the answer stays the same.
    """
    normalized = service.normalize_email(email)
    limit = auth.settings.login_failure_limit
    decision = await auth.limiter.hit(RESET_POLICY, limit, normalized)
    if decision is not None and not decision.allowed:
        log.info("password reset mail not queued: per-address limit", extra={"limit": limit})
        return
    await mail_queue.queue_password_reset(session, normalized)


async def reset_link_valid(session: AsyncSession, token: str) -> bool:
    """Whether a reset token would be accepted now (nothing is spent: pages only look)."""
    row = await token_repository.find(session, hash_secret(token), PASSWORD_RESET)
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return False
    user = await repository.get_user(session, row.user_id)
    return user is not None and user.is_active and user.email == row.email


async def _usable(session: AsyncSession, token: str, purpose: str) -> tuple[AccountToken, User]:
    """The unused, unexpired token and its user (who still has the mailed address), else 400."""
    row = await token_repository.find(session, hash_secret(token), purpose)
    now = utcnow()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise invalid_link()
    user = await repository.get_user(session, row.user_id)
    if user is None or not user.is_active or user.email != row.email:
        raise invalid_link()
    if not await token_repository.spend(session, row.id, now):  # a concurrent use won
        raise invalid_link()
    return row, user


async def confirm_password_reset(
    session: AsyncSession, auth: AuthComponents, token: str, new_password: str
) -> User:
    """Set the new password with a reset token (once); every sign-in and API token is revoked.

    A refused password (422) changes nothing: the token stays usable until it expires.
    Opening the link proved the mailbox, so the email counts as verified too.
    """
    _row, user = await _usable(session, token, PASSWORD_RESET)
    revoked = await service.set_password(session, auth, user, new_password)
    now = utcnow()
    await token_repository.spend_all(session, user.id, PASSWORD_RESET, now)
    user.email_verified = True
    await session.flush()
    on_own_account(
        session,
        "password.reset",
        user,
        revoked_session_count=revoked.sessions,
        revoked_api_token_count=revoked.api_tokens,
    )
    security_log.info(
        "password.reset",
        extra={
            "event": "password.reset",
            "user_id": user.id,
            "revoked_sessions": revoked.sessions,
            "revoked_api_tokens": revoked.api_tokens,
        },
    )
    return user


async def verify_email(session: AsyncSession, token: str) -> User:
    """Mark the user's email verified with a verification token (once)."""
    _row, user = await _usable(session, token, VERIFY_EMAIL)
    user.email_verified = True
    user.updated_at = utcnow()
    await token_repository.spend_all(session, user.id, VERIFY_EMAIL, user.updated_at)
    await session.flush()
    return user


async def resend_verification(session: AsyncSession, auth: AuthComponents, user: User) -> None:
    """Queue a new verification mail for the signed-in user (409 once verified; limited)."""
    if user.email_verified:
        raise Conflict("Your email address is already verified.")
    if user.email is None:
        raise Conflict("This account has no email address.")
    limit = auth.settings.login_failure_limit
    decision = await auth.limiter.hit(VERIFY_POLICY, limit, user.id)
    if decision is not None and not decision.allowed:
        retry = str(max(1, decision.reset_seconds))
        raise TooManyRequests(
            f"Too many verification mails asked for; retry in {retry} seconds.",
            headers={"Retry-After": retry},
        )
    await mail_queue.queue_verification(session, user.id)


async def _issue(session: AsyncSession, user: User, purpose: str, ttl: timedelta) -> str:
    """A new token of the purpose for the user (replacing their unused ones); its secret."""
    assert user.email is not None
    secret = new_link_token()
    now = utcnow()
    await token_repository.drop_unused(session, user.id, purpose)
    await token_repository.add(
        session,
        AccountToken(
            id=new_id(),
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_secret(secret),
            email=user.email,
            created_at=now,
            expires_at=now + ttl,
        ),
    )
    return secret


async def send_password_reset(session: AsyncSession, mail: MailSettings, email: str) -> bool:
    """Mail a reset link to the enabled account with this email, if any (for the job).

    False when there is nobody to mail. Raises RetryLater / PermanentFailure when sending
    fails; the job's transaction, and with it the new token, is then rolled back.
    """
    user = await repository.get_user_by_email(session, email)
    if user is None or not user.is_active or user.email is None:
        return False
    secret = await _issue(session, user, PASSWORD_RESET, RESET_TTL)
    url = link(mail.public_url, "/reset-password", token=secret)
    minutes = int(RESET_TTL.total_seconds() // 60)
    subject = "Reset your smarttask password"
    text, html = compose(
        "password_reset", subject=subject, person=user.name, url=url, minutes=minutes
    )
    await deliver(mail, Message(to=(user.email,), subject=subject, text=text, html=html))
    return True


async def send_verification(session: AsyncSession, mail: MailSettings, user_id: str) -> bool:
    """Mail a verification link to the user, unless verified already (for the job)."""
    user = await repository.get_user(session, user_id)
    if user is None or not user.is_active or user.email is None or user.email_verified:
        return False
    secret = await _issue(session, user, VERIFY_EMAIL, VERIFY_TTL)
    url = link(mail.public_url, "/verify-email", token=secret)
    hours = int(VERIFY_TTL.total_seconds() // 3600)
    subject = "Confirm your email address for smarttask"
    text, html = compose(
        "verify_email", subject=subject, person=user.name, email=user.email, url=url, hours=hours
    )
    await deliver(mail, Message(to=(user.email,), subject=subject, text=text, html=html))
    return True


async def purge_expired_tokens(session: AsyncSession, *, keep: timedelta) -> int:
    """Delete tokens expired for longer than `keep`; how many."""
    return await token_repository.purge_expired(session, utcnow() - keep)
