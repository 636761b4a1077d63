"""The account mails' jobs, queued in the caller's transaction (accounts/jobs.py sends them).

A job carries who is to be mailed, never a token: each attempt of the job makes its own
token, stored (hashed) only if that attempt's mail went out, so no usable token ever sits in
the job table, and the request that asked for a mail costs the same whether the account
exists or not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.jobs.queue import enqueue
from smarttask.jobs.registry import JobContext, PermanentFailure

T = TypeVar("T")

PASSWORD_RESET_MAIL = "accounts.password_reset_mail"  # noqa: S105 - a job kind
VERIFICATION_MAIL = "accounts.verification_mail"
# The jobs' own attempt limit: the highest SMARTTASK_MAIL_MAX_ATTEMPTS may be. The handler
# (`attempt`) gives up at the configured number, so that setting alone decides.
MAIL_JOB_MAX_ATTEMPTS = 50


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


async def queue_password_reset(session: AsyncSession, email: str) -> None:
    """Queue the reset mail of whichever enabled account has this (normalised) email.

    While one is unsent, asking again for the same email adds nothing.
    """
    await enqueue(
        session,
        PASSWORD_RESET_MAIL,
        {"email": email},
        dedupe_key=f"password-reset:{_digest(email)}",
        max_attempts=MAIL_JOB_MAX_ATTEMPTS,
    )


async def queue_verification(session: AsyncSession, user_id: str) -> None:
    """Queue the mail that asks the user to confirm their email address."""
    await enqueue(
        session,
        VERIFICATION_MAIL,
        {"user_id": user_id},
        dedupe_key=f"verify-email:{user_id}",
        max_attempts=MAIL_JOB_MAX_ATTEMPTS,
    )


async def attempt(context: JobContext, sending: Awaitable[T]) -> T:
    """One attempt of a mail job; after SMARTTASK_MAIL_MAX_ATTEMPTS failures it is dead.

    Failures before that (RetryLater from an unreachable server, any other error) are
    retried with the job system's backoff.
    """
    try:
        return await sending
    except PermanentFailure:
        raise
    except Exception as error:
        if context.attempt >= context.settings.mail.max_attempts:
            raise PermanentFailure(f"{error} (gave up after {context.attempt} attempts)") from error
        raise
