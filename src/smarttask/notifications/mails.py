"""The mails of notifications: one notification at once, and the daily digest."""

from __future__ import annotations

from collections.abc import Sequence

from smarttask.adapters.mail.base import Message
from smarttask.mailing.compose import compose, link
from smarttask.notifications.models import Notification

PREFERENCES_PATH = "/profile/notifications"
SUBJECT_LENGTH = 140


def _subject(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SUBJECT_LENGTH else flat[: SUBJECT_LENGTH - 1] + "\u2026"


def _unsubscribe(public_url: str) -> tuple[tuple[str, str], ...]:
    return (("List-Unsubscribe", f"<{link(public_url, PREFERENCES_PATH)}>"),)


def target(public_url: str, notification: Notification) -> str:
    """Where the notification leads: its task, else the inbox."""
    if notification.task_id:
        return link(public_url, f"/tasks/{notification.task_id}")
    return link(public_url, "/notifications")


def instant(public_url: str, to: str, notification: Notification) -> Message:
    """The mail of one notification, with a link to its task and to the preferences."""
    text, html = compose(
        "notification",
        subject=_subject(notification.summary),
        summary=notification.summary,
        url=target(public_url, notification),
        preferences_url=link(public_url, PREFERENCES_PATH),
    )
    return Message(
        to=(to,),
        subject=_subject(notification.summary),
        text=text,
        html=html,
        headers=_unsubscribe(public_url),
    )


def digest(
    public_url: str, to: str, name: str, items: Sequence[Notification], day: str, more: int
) -> Message:
    """The daily digest of a person's pending notifications (`more` left out of the list)."""
    count = len(items) + more
    subject = f"Your smarttask digest: {count} update{'s' if count != 1 else ''}"
    text, html = compose(
        "digest",
        subject=subject,
        person=name,
        day=day,
        items=[(item.summary, target(public_url, item)) for item in items],
        more=more,
        inbox_url=link(public_url, "/notifications"),
        preferences_url=link(public_url, PREFERENCES_PATH),
    )
    return Message(
        to=(to,), subject=subject, text=text, html=html, headers=_unsubscribe(public_url)
    )
