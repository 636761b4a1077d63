"""What an analysis sees of a task: the snapshot, similar finished tasks, the cache key."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.adapters.llm.base import PROMPT_VERSION, SimilarTask, TaskSnapshot
from smarttask.analysis import repository
from smarttask.tasks import repository as tasks
from smarttask.tasks.models import Task
from smarttask.tasks.schemas import Priority

SIMILAR_MAX = 10
_WORD = re.compile(r"[a-z0-9]+")
_ACTUAL_CAP_MINUTES = 5 * 8 * 60  # elapsed time beyond a working week says little about effort


def risk_of(task: Task) -> dict[str, Any] | None:
    """Layer 1's verdict on the task as stored on it, or None when it does not apply."""
    level = getattr(task, "risk_level", None)
    score = getattr(task, "risk_score", None)
    if level is None or score is None:
        return None
    return {"score": score, "level": level, "factors": getattr(task, "risk_factors", None) or []}


def content_hash(task: Task, labels: list[str], provider: str, model: str) -> str:
    """The cache key: sha256 of the canonical task content, provider, model and prompt."""
    canonical = {
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "priority": Priority.of_rank(task.priority).value,
        "labels": sorted(label.casefold() for label in labels),
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "estimate_minutes": task.estimate_minutes,
        "has_assignee": task.assignee_id is not None,
        "provider": provider,
        "model": model,
        "prompt_version": PROMPT_VERSION,
    }
    encoded = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


async def labels(session: AsyncSession, task: Task) -> list[str]:
    """The task's label names."""
    return (await tasks.labels_of(session, [task.id])).get(task.id, [])


async def snapshot(session: AsyncSession, task: Task, key: str) -> TaskSnapshot:
    """The task as an analysis sees it (redaction happens in the vendor providers)."""
    risk = risk_of(task)
    return TaskSnapshot(
        key=f"{key}-{task.number}",
        title=task.title,
        description=task.description,
        status=task.status,
        priority=Priority.of_rank(task.priority).value,
        labels=tuple(await labels(session, task)),
        due_at=task.due_at,
        has_assignee=task.assignee_id is not None,
        estimate_minutes=task.estimate_minutes,
        risk_score=risk["score"] if risk else None,
        risk_level=risk["level"] if risk else None,
        open_dependencies=await repository.open_dependencies(session, task.id),
    )


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2}


def _minutes(created: datetime, completed: datetime | None) -> int | None:
    if completed is None or completed <= created:
        return None
    return min(_ACTUAL_CAP_MINUTES, round((completed - created).total_seconds() / 60))


async def similar(session: AsyncSession, task: Task) -> tuple[SimilarTask, ...]:
    """Up to ten finished tasks of the workspace whose titles share the most words (one query)."""
    words = _words(task.title)
    scored = []
    for title, estimate, created, completed in await repository.finished_tasks(
        session, task.workspace_id, task.id
    ):
        overlap = len(words & _words(title))
        if overlap:
            scored.append((overlap, SimilarTask(title, estimate, _minutes(created, completed))))
    scored.sort(key=lambda pair: -pair[0])
    return tuple(item for _, item in scored[:SIMILAR_MAX])
