"""The one-sentence summaries of notifications: plain text, never HTML."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

TITLE_LENGTH = 120
STATUS_NAMES = {
    "todo": "To do",
    "in_progress": "In progress",
    "done": "Done",
    "cancelled": "Cancelled",
}


def _clean(text: str, length: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "\u2026"


def task_name(key: str, title: str) -> str:
    """A task as a sentence names it: WEB-12 \u201cFix login\u201d."""
    return f"{key} \u201c{_clean(title, TITLE_LENGTH)}\u201d"


def who(name: str | None) -> str:
    """The person who acted ("Someone" when unknown)."""
    return _clean(name, 80) if name else "Someone"


def assigned(actor: str | None, task: str) -> str:
    """Ada assigned you WEB-12 \u201cFix login\u201d."""
    return f"{who(actor)} assigned you {task}"


def mentioned_in_comment(actor: str | None, task: str) -> str:
    """Ada mentioned you in a comment on WEB-12 \u201cFix login\u201d."""
    return f"{who(actor)} mentioned you in a comment on {task}"


def mentioned_in_description(actor: str | None, task: str) -> str:
    """Ada mentioned you in the description of WEB-12 \u201cFix login\u201d."""
    return f"{who(actor)} mentioned you in the description of {task}"


def commented(actor: str | None, task: str) -> str:
    """Ada commented on WEB-12 \u201cFix login\u201d."""
    return f"{who(actor)} commented on {task}"


def status_changed(actor: str | None, task: str, status: str) -> str:
    """Ada moved WEB-12 \u201cFix login\u201d to Done."""
    return f"{who(actor)} moved {task} to {STATUS_NAMES.get(status, status)}"


def local_moment(moment: datetime, timezone: str) -> str:
    """A moment in a person's zone: Fri 04 Dec 2026, 14:00 (Europe/Paris)."""
    try:
        zone = ZoneInfo(timezone)
    except (ValueError, KeyError):
        zone, timezone = ZoneInfo("UTC"), "UTC"
    return f"{moment.astimezone(zone).strftime('%a %d %b %Y, %H:%M')} ({timezone})"


def due_soon(task: str, due_at: datetime, timezone: str) -> str:
    """WEB-12 \u201cFix login\u201d is due Fri 04 Dec 2026, 14:00 (Europe/Paris)."""
    return f"{task} is due {local_moment(due_at, timezone)}"


def overdue(task: str, due_at: datetime, timezone: str) -> str:
    """WEB-12 \u201cFix login\u201d is overdue: it was due Fri 04 Dec 2026, 14:00 (UTC)."""
    return f"{task} is overdue: it was due {local_moment(due_at, timezone)}"


def analysis_done(task: str, status: str) -> str:
    """The AI analysis of WEB-12 \u201cFix login\u201d is ready (or failed)."""
    if status == "done":
        return f"The AI analysis of {task} is ready"
    return f"The AI analysis of {task} failed"


def webhook_disabled(url: str, reason: str | None) -> str:
    """The webhook to https://... was disabled: reason."""
    text = f"The webhook to {_clean(url, 200)} was disabled"
    return f"{text}: {_clean(reason, 200)}" if reason else text
