"""The event types a webhook may subscribe to, apart from the schemas (reactions need only them)."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """The event types a webhook may subscribe to."""

    TASK_CREATED = "task.created"
    TASK_UPDATED = "task.updated"
    TASK_DELETED = "task.deleted"
    COMMENT_CREATED = "comment.created"
    COMMENT_UPDATED = "comment.updated"
    COMMENT_DELETED = "comment.deleted"
    ANALYSIS_COMPLETED = "analysis.completed"
