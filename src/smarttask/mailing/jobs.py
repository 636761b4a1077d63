"""The `mail.send` job: one queued message to the configured mailer."""

from __future__ import annotations

from typing import Any

from smarttask.jobs.registry import JobContext, JobSet, PermanentFailure, RetryLater
from smarttask.mailing.service import SEND, deliver, message_of

registry = JobSet()


@registry.handler(SEND)
async def send(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Send the message; retried with backoff while the server cannot take it, at most
    SMARTTASK_MAIL_MAX_ATTEMPTS times."""
    try:
        await deliver(ctx.settings.mail, message_of(payload))
    except RetryLater as error:
        if ctx.attempt >= ctx.settings.mail.max_attempts:
            raise PermanentFailure(f"{error} (gave up after {ctx.attempt} attempts)") from error
        raise
