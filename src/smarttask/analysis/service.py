"""Analysis rules: the cache, the budget, one job per request, and the stored result's shape.

An analysis never changes its task: this module reads tasks and writes only analyses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts import repository as accounts_repository
from smarttask.accounts.models import User
from smarttask.adapters.llm.base import PROMPT_VERSION
from smarttask.analysis import budget, repository, snapshot
from smarttask.analysis.models import Analysis
from smarttask.analysis.schemas import AnalysisRead
from smarttask.db.types import new_id, utcnow
from smarttask.kit.context import current_request_id
from smarttask.kit.problems import NotFound
from smarttask.settings import AISettings
from smarttask.tasks import repository as tasks
from smarttask.tasks.models import Task

JOB_KIND = "analysis.run"
NEVER_REQUESTED = "This task has no analysis yet; request one with POST."
_EMPTY_RESULT: dict[str, Any] = {
    "summary": None,
    "suggested_priority": None,
    "estimate_minutes": None,
    "subtasks": [],
    "concerns": [],
    "questions": [],
}


@dataclass(frozen=True, slots=True)
class Requested:
    """The analysis a request led to, and whether work was queued for it."""

    analysis: Analysis
    queued: bool


def _new(task: Task, user: User, ai: AISettings, digest: str, **values: Any) -> Analysis:
    return Analysis(
        id=new_id(),
        task_id=task.id,
        workspace_id=task.workspace_id,
        requested_by=user.id,
        provider=ai.provider,
        model=ai.model,
        prompt_version=PROMPT_VERSION,
        content_hash=digest,
        risk=snapshot.risk_of(task),
        input_tokens=0,
        output_tokens=0,
        attempts=0,
        request_id=current_request_id(),
        created_at=utcnow(),
        **values,
    )


async def request(
    session: AsyncSession, user: User, task: Task, ai: AISettings, *, max_attempts: int
) -> Requested:
    """Serve identical content from the cache, join an open analysis, or queue a new one."""
    digest = snapshot.content_hash(
        task, await snapshot.labels(session, task), ai.provider, ai.model
    )
    key = {
        "workspace_id": task.workspace_id,
        "content_hash": digest,
        "provider": ai.provider,
        "model": ai.model,
        "prompt_version": PROMPT_VERSION,
    }
    latest = await repository.latest_for_task(session, task.id)
    if latest is not None and latest.content_hash == digest and latest.status == "done":
        return Requested(latest, queued=False)
    done = await repository.find(session, **key, statuses=("done",))
    if done is not None:  # the same content in another task (or earlier here): copy, no call
        copy = _new(
            task,
            user,
            ai,
            digest,
            status="done",
            cached_from=done.cached_from or done.id,
            result=done.result,
            guardrail=done.guardrail,
            started_at=done.started_at,
            completed_at=utcnow(),
        )
        session.add(copy)
        await session.flush()
        return Requested(copy, queued=False)
    # The requester's lock (their budget spans workspaces), then one open analysis per content.
    await accounts_repository.lock_user(session, user.id)
    await tasks.lock_workspace(session, task.workspace_id)
    running = await repository.find(session, **key, statuses=repository.OPEN, task_id=task.id)
    if running is not None:
        return Requested(running, queued=True)
    await budget.ensure_available(session, task.workspace_id, user.id, ai, utcnow())
    analysis = _new(task, user, ai, digest, status="pending")
    session.add(analysis)
    await session.flush()
    from smarttask.jobs.queue import enqueue  # the queue is only needed when work is queued

    await enqueue(
        session,
        JOB_KIND,
        {"analysis_id": analysis.id, "max_attempts": max_attempts},
        dedupe_key=f"{JOB_KIND}:{analysis.id}",
        max_attempts=max_attempts,
    )
    return Requested(analysis, queued=True)


async def latest(session: AsyncSession, task: Task) -> Analysis:
    """The task's most recent analysis; 404 if none was ever requested."""
    found = await repository.latest_for_task(session, task.id)
    if found is None:
        raise NotFound(NEVER_REQUESTED)
    return found


def to_read(analysis: Analysis) -> AnalysisRead:
    """The body of an analysis."""
    result = _EMPTY_RESULT | (analysis.result or {})
    return AnalysisRead.model_validate(
        {
            **result,
            "id": analysis.id,
            "task_id": analysis.task_id,
            "status": analysis.status,
            "provider": analysis.provider,
            "model": analysis.model,
            "prompt_version": analysis.prompt_version,
            "risk": analysis.risk,
            "guardrail": analysis.guardrail,
            "usage": {
                "input_tokens": analysis.input_tokens,
                "output_tokens": analysis.output_tokens,
            },
            "cached": analysis.cached_from is not None,
            "error": analysis.error,
            "attempts": analysis.attempts,
            "created_at": analysis.created_at,
            "started_at": analysis.started_at,
            "completed_at": analysis.completed_at,
        }
    )
