"""Sending mail later: the message is a job of the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.adapters.mail.base import MailError, Message
from smarttask.adapters.mail.factory import build_mailer
from smarttask.jobs.queue import enqueue
from smarttask.jobs.registry import PermanentFailure, RetryLater
from smarttask.kit import metrics
from smarttask.settings import MailSettings

SEND = "mail.send"


def message_payload(message: Message) -> dict[str, Any]:
    """A message as a job's JSON payload (attachments are not carried by jobs)."""
    if message.attachments:
        raise ValueError("a queued mail cannot carry attachments; link to the file instead")
    return {
        "to": list(message.to),
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "headers": [list(pair) for pair in message.headers],
    }


def message_of(payload: dict[str, Any]) -> Message:
    """The message of a `mail.send` job's payload."""
    return Message(
        to=tuple(str(address) for address in payload["to"]),
        subject=str(payload["subject"]),
        text=str(payload["text"]),
        html=payload.get("html"),
        headers=tuple((str(name), str(value)) for name, value in payload.get("headers", ())),
    )


async def send_later(
    session: AsyncSession,
    message: Message,
    *,
    dedupe_key: str | None = None,
    max_attempts: int | None = None,
) -> str:
    """Queue `message` with the caller's transaction; the job's id.

    A `dedupe_key` makes a second call with the same key (while the first is unsent) reuse the
    first job: what must be mailed once is.
    """
    return await enqueue(
        session,
        SEND,
        message_payload(message),
        dedupe_key=dedupe_key,
        max_attempts=max_attempts,
    )


async def send_now(settings: MailSettings, message: Message) -> None:
    """Send through the configured mailer, counted by outcome; MailError as the mailer raises."""
    try:
        await build_mailer(settings).send(message)
    except MailError as error:
        metrics.mail_finished("deferred" if error.retryable else "failed")
        raise
    metrics.mail_finished("sent")


async def deliver(settings: MailSettings, message: Message) -> None:
    """Send now, for a job: RetryLater when another attempt may succeed, else PermanentFailure."""
    try:
        await send_now(settings, message)
    except MailError as error:
        if error.retryable:
            raise RetryLater(error.reason) from error
        raise PermanentFailure(error.reason) from error
