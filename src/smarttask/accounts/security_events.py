"""What accounts write to the security log (docs/security.md, Security log).

Successes are recorded in the transaction of the change; refusals roll their transaction
back, so theirs are written apart once it has ended (`securitylog.record_after`). An email
that names no account is kept only as its keyed fingerprint: a password typed into the
email field by mistake stays unreadable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smarttask import securitylog
from smarttask.accounts import devices

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from smarttask.accounts.models import User
    from smarttask.settings import AuthSettings


def sign_in_refused(
    session: AsyncSession,
    settings: AuthSettings,
    email: str,
    user: User | None,
    reason: str,
    *,
    locked_scope: str | None = None,
    retry_after: int = 0,
) -> None:
    """`login.failed` (why), and `login.locked` when this failure locked the email or device."""
    extra = {} if user is not None else {"email_fingerprint": devices.fingerprint(settings, email)}
    user_id = user.id if user is not None else None
    securitylog.record_after(
        session,
        "login.failed",
        actor_id=user_id,
        target_id=user_id,
        details={"reason": reason, **extra},
    )
    if locked_scope is not None:
        securitylog.record_after(
            session,
            "login.locked",
            actor_id=user_id,
            target_id=user_id,
            details={"scope": locked_scope, "retry_after_seconds": retry_after, **extra},
        )


def signed_in(
    session: AsyncSession, user: User, session_id: str, known_device: bool, **how: str
) -> None:
    """`login.succeeded`: a new login (its refresh-token family is `session_id`); `how`
    names another way in than the password (`method`, `provider` of single sign-on)."""
    securitylog.record(
        session,
        "login.succeeded",
        actor_id=user.id,
        target_id=user.id,
        details={
            "session_id": session_id,
            "two_factor": user.totp_enabled,
            "known_device": known_device,
            **how,
        },
    )


def on_own_account(
    session: AsyncSession, event: str, user: User, **details: str | int | bool | None
) -> None:
    """An event the user caused on their own account, in the change's transaction."""
    securitylog.record(session, event, actor_id=user.id, target_id=user.id, details=details)
