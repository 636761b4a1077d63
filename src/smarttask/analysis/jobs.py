"""The `analysis.run` job: call the provider outside any transaction, review, store.

Status changes that must be visible while the model works (running, back to pending before
a retry, failed) are written in short transactions of their own: a provider call can take
many seconds and must never hold a database transaction (on SQLite, the write lock) open.
The result itself is written in the runner's session, which the runner commits.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from smarttask.adapters.llm.base import (
    AnalysisProvider,
    AnalysisRequest,
    ProviderAnswer,
    ProviderError,
    ProviderUnavailable,
    TaskSnapshot,
)
from smarttask.analysis import budget, guardrail, repository, snapshot
from smarttask.analysis.service import JOB_KIND
from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.events import outbox
from smarttask.jobs.registry import JobContext, JobSet, PermanentFailure, RetryLater
from smarttask.kit import metrics
from smarttask.settings import AISettings
from smarttask.tasks import repository as tasks

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("smarttask.analysis")
registry = JobSet()
TASK_DELETED = "The task was deleted before it could be analysed."
_OPEN = repository.OPEN


@dataclass(frozen=True, slots=True)
class Prepared:
    """An analysis marked running, with everything the provider needs."""

    analysis_id: str
    workspace_id: str
    requested_by: str | None
    request: AnalysisRequest
    task_id: str
    project_id: str

    @property
    def task(self) -> TaskSnapshot:
        """The task as the provider sees it."""
        return self.request.task


def provider_for(settings: AISettings) -> AnalysisProvider:
    """The configured provider (vendor SDKs are imported only when chosen)."""
    from smarttask.adapters.llm.factory import build_provider

    return build_provider(settings)


def hard_timeout(settings: AISettings) -> float:
    """The longest one attempt may take: two calls (a truncated answer is retried once with a
    larger budget), each with its retries and their waits, plus a little slack."""
    from smarttask.adapters.llm._retry import total_deadline

    return 2 * total_deadline(settings.timeout, settings.max_retries) + 5.0


async def _write(database: Database, analysis_id: str, attempt: int, **values: Any) -> bool:
    async with database.session() as session:
        changed = await repository.set_state(
            session, analysis_id, only_if=_OPEN, attempt=attempt, **values
        )
        await session.commit()
    return changed


def _failed(message: str, now: datetime) -> dict[str, Any]:
    return {"status": "failed", "error": message, "completed_at": now}


async def _fail(database: Database, analysis_id: str, attempt: int, message: str) -> None:
    await _write(database, analysis_id, attempt, **_failed(message, utcnow()))


def review_outcome(status: str) -> str:
    """The metrics' outcome of a stored answer: done, or rejected by the guardrail."""
    return "done" if status == "done" else "rejected"


def _completed(session: AsyncSession, prepared: Prepared, status: str) -> None:
    """Publish `analysis.completed` (done or failed) with the transaction that finished it."""
    outbox.emit(
        session,
        "analysis.completed",
        {
            "analysis": {
                "id": prepared.analysis_id,
                "task_id": prepared.task_id,
                "status": status,
                "requested_by": prepared.requested_by,
            },
            "task": {"id": prepared.task_id, "project_id": prepared.project_id},
        },
        workspace_id=prepared.workspace_id,
        project_id=prepared.project_id,
    )


async def _fail_billed(
    database: Database, prepared: Prepared, attempt: int, message: str, error: ProviderError
) -> None:
    """Mark the analysis failed, recording and budgeting the tokens the failure still cost."""
    now = utcnow()
    spent = error.input_tokens + error.output_tokens
    async with database.session() as session:
        values = _failed(message, now)
        if spent:
            values |= {"input_tokens": error.input_tokens, "output_tokens": error.output_tokens}
        if await repository.set_state(
            session, prepared.analysis_id, only_if=_OPEN, attempt=attempt, **values
        ):
            await budget.spend(session, prepared.workspace_id, prepared.requested_by, spent, now)
            _completed(session, prepared, "failed")
        await session.commit()


async def _prepare(ctx: JobContext, analysis_id: str) -> Prepared | None:
    """Load the analysis and its task, mark it running; None when there is nothing to do."""
    async with ctx.database.session() as session:
        analysis = await repository.get(session, analysis_id)
        if analysis is None or analysis.status not in _OPEN:
            return None  # deleted with its task, or already finished (a repeated delivery)
        found = await tasks.get(session, analysis.task_id)
        now = utcnow()
        if found is None:
            await repository.set_state(
                session,
                analysis_id,
                only_if=_OPEN,
                attempt=ctx.attempt,
                **_failed(TASK_DELETED, now),
            )
            await session.commit()
            return None
        task, key = found
        request = AnalysisRequest(
            task=await snapshot.snapshot(session, task, key),
            similar=await snapshot.similar(session, task),
            now=now,
        )
        running = {"status": "running", "started_at": now, "attempts": ctx.attempt, "error": None}
        if not await repository.set_state(
            session, analysis_id, only_if=_OPEN, attempt=ctx.attempt, **running
        ):
            return None  # a later attempt took it over while this worker was away
        await session.commit()
    return Prepared(
        analysis_id,
        analysis.workspace_id,
        analysis.requested_by,
        request,
        task.id,
        task.project_id,
    )


async def _call(
    provider: AnalysisProvider, request: AnalysisRequest, limit: float
) -> ProviderAnswer:
    try:
        return await asyncio.wait_for(provider.analyse(request), timeout=limit)
    except TimeoutError as error:
        raise ProviderUnavailable(
            f"{provider.name} did not answer within {limit:g} seconds."
        ) from error


async def _store(ctx: JobContext, prepared: Prepared, answer: ProviderAnswer) -> None:
    """Review the answer and store it with its usage, in the runner's transaction."""
    now = utcnow()
    review = guardrail.review(answer.data, answer.raw_text, prepared.task, now, answer.notes)
    values: dict[str, Any] = {
        "guardrail": review.guardrail(),
        "input_tokens": answer.input_tokens,
        "output_tokens": answer.output_tokens,
        "completed_at": now,
    }
    if review.result is None:
        reason = next((f.message for f in review.findings if f.blocking), "answer rejected")
        values |= {
            "status": "failed",
            "error": f"The provider's answer was rejected by the guardrail: {reason}.",
        }
    else:
        values |= {"status": "done", "result": review.result, "error": None}
    if await repository.set_state(
        ctx.session, prepared.analysis_id, only_if=("running",), attempt=ctx.attempt, **values
    ):
        _completed(ctx.session, prepared, values["status"])
        metrics.analysis_finished(ctx.settings.ai.provider, review_outcome(values["status"]))
        await budget.spend(
            ctx.session,
            prepared.workspace_id,
            prepared.requested_by,
            answer.input_tokens + answer.output_tokens,
            now,
        )


@registry.handler(JOB_KIND)
async def run_analysis(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Produce one analysis; retried while the provider is unavailable."""
    analysis_id = str(payload["analysis_id"])
    final = ctx.attempt >= int(payload.get("max_attempts") or ctx.settings.jobs.max_attempts)
    prepared = await _prepare(ctx, analysis_id)
    if prepared is None:
        return
    try:
        provider = provider_for(ctx.settings.ai)
        answer = await _call(provider, prepared.request, hard_timeout(ctx.settings.ai))
    except ProviderError as error:
        if error.retryable and not final:
            await _write(
                ctx.database, analysis_id, ctx.attempt, status="pending", error=error.message
            )
            metrics.analysis_finished(ctx.settings.ai.provider, "retry")
            raise RetryLater(error.message, after_seconds=error.retry_after) from error
        message = error.message
        if error.retryable:
            message = f"{message} (gave up after {ctx.attempt} attempts)"
        await _fail_billed(ctx.database, prepared, ctx.attempt, message, error)
        metrics.analysis_finished(ctx.settings.ai.provider, "failed")
        raise PermanentFailure(message) from error
    except Exception as error:  # a bug or an SDK surprise: fail clearly, never leave it running
        message = f"The analysis failed unexpectedly ({type(error).__name__})."
        log.exception("analysis failed", extra={"analysis_id": analysis_id})
        async with ctx.database.session() as session:
            if await repository.set_state(
                session,
                analysis_id,
                only_if=_OPEN,
                attempt=ctx.attempt,
                **_failed(message, utcnow()),
            ):
                _completed(session, prepared, "failed")
            await session.commit()
        metrics.analysis_finished(ctx.settings.ai.provider, "error")
        raise PermanentFailure(message) from error
    await _store(ctx, prepared, answer)
