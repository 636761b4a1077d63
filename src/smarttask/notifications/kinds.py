"""The notification types, the mail modes and each type's default preference."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a notification tells."""

    TASK_ASSIGNED = "task_assigned"
    MENTIONED = "mentioned"
    COMMENT_ADDED = "comment_added"
    STATUS_CHANGED = "status_changed"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ANALYSIS_DONE = "analysis_done"
    WEBHOOK_DISABLED = "webhook_disabled"


class EmailMode(StrEnum):
    """How a type is mailed: not at all, one mail each, or in the daily digest."""

    OFF = "off"
    INSTANT = "instant"
    DAILY = "daily"


@dataclass(frozen=True, slots=True)
class Choice:
    """One type's preference: shown in the inbox, and how it is mailed."""

    in_app: bool
    email: EmailMode


DEFAULTS: dict[Kind, Choice] = {
    Kind.TASK_ASSIGNED: Choice(True, EmailMode.INSTANT),
    Kind.MENTIONED: Choice(True, EmailMode.INSTANT),
    Kind.COMMENT_ADDED: Choice(True, EmailMode.DAILY),
    Kind.STATUS_CHANGED: Choice(True, EmailMode.DAILY),
    Kind.DUE_SOON: Choice(True, EmailMode.INSTANT),
    Kind.OVERDUE: Choice(True, EmailMode.INSTANT),
    Kind.ANALYSIS_DONE: Choice(True, EmailMode.OFF),
    Kind.WEBHOOK_DISABLED: Choice(True, EmailMode.INSTANT),
}

LABELS: dict[Kind, str] = {
    Kind.TASK_ASSIGNED: "A task is assigned to me",
    Kind.MENTIONED: "Someone mentions me",
    Kind.COMMENT_ADDED: "A comment on a task I watch",
    Kind.STATUS_CHANGED: "A status change of a task I watch",
    Kind.DUE_SOON: "A task of mine is due soon",
    Kind.OVERDUE: "A task of mine is overdue",
    Kind.ANALYSIS_DONE: "An AI analysis I asked for is ready",
    Kind.WEBHOOK_DISABLED: "A webhook of a workspace I administer was disabled",
}

# When one change would tell a person several things, they get the first of these only.
PRECEDENCE: tuple[Kind, ...] = (
    Kind.TASK_ASSIGNED,
    Kind.MENTIONED,
    Kind.COMMENT_ADDED,
    Kind.STATUS_CHANGED,
)
