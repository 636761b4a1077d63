"""Job handlers of the account mails (registered on import): reset and verification mails,
and the purge of expired tokens."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from smarttask.accounts import recovery
from smarttask.accounts.mail_queue import PASSWORD_RESET_MAIL, VERIFICATION_MAIL, attempt
from smarttask.jobs.registry import JobContext, JobSet

log = logging.getLogger("smarttask.accounts")
registry = JobSet()

PURGE_TOKENS = "accounts.purge_tokens"
# Expired tokens can no longer be used; their rows go a day after they expired.
KEEP_EXPIRED = timedelta(days=1)


@registry.handler(PASSWORD_RESET_MAIL)
async def password_reset_mail(context: JobContext, payload: dict[str, Any]) -> None:
    """Mail a reset link to the account with the payload's email, if there is one."""
    mail = context.settings.mail
    email = str(payload["email"])
    await attempt(context, recovery.send_password_reset(context.session, mail, email))


@registry.handler(VERIFICATION_MAIL)
async def verification_mail(context: JobContext, payload: dict[str, Any]) -> None:
    """Mail a verification link to the payload's user, unless verified already."""
    mail = context.settings.mail
    user_id = str(payload["user_id"])
    await attempt(context, recovery.send_verification(context.session, mail, user_id))


@registry.handler(PURGE_TOKENS)
async def purge_tokens(context: JobContext, _payload: dict[str, Any]) -> None:
    """Delete reset and verification tokens that expired more than a day ago."""
    purged = await recovery.purge_expired_tokens(context.session, keep=KEEP_EXPIRED)
    if purged:
        log.info("expired account tokens purged", extra={"purged": purged})


registry.every(timedelta(hours=6), PURGE_TOKENS)
