"""Helpers for analysis tests: run queued jobs, count provider calls, read usage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text

from smarttask.adapters.llm.base import AnalysisProvider, AnalysisRequest, ProviderAnswer
from smarttask.db.engine import Database
from smarttask.jobs.worker import Worker
from smarttask.settings import Settings


@dataclass
class Counting:
    """Wraps a provider and records every request it was given."""

    inner: AnalysisProvider
    requests: list[AnalysisRequest] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def model(self) -> str:
        return self.inner.model

    async def analyse(self, request: AnalysisRequest) -> ProviderAnswer:
        self.requests.append(request)
        return await self.inner.analyse(request)

    async def check(self) -> str:
        return await self.inner.check()


async def drain(app: Any) -> int:
    """Run every due job of the app's database; how many ran."""
    settings: Settings = app.state.settings
    return await Worker(app.state.database, settings, app.state.runtime.jobs, concurrency=1).drain()


async def scalar(database: Database, sql: str, **params: Any) -> Any:
    """One value from the database."""
    async with database.session(writes=False) as session:
        return (await session.execute(text(sql), params)).scalar()


async def tokens_today(app: Any, workspace_id: str) -> int:
    """The workspace's recorded AI usage, all days together."""
    value = await scalar(
        app.state.database,
        "SELECT COALESCE(SUM(tokens), 0) FROM ai_usage WHERE workspace_id = :w",
        w=workspace_id,
    )
    return int(value)


async def queued_jobs(app: Any) -> int:
    """Analysis jobs ever enqueued."""
    value = await scalar(app.state.database, "SELECT COUNT(*) FROM job WHERE kind = 'analysis.run'")
    return int(value)


async def request_analysis(
    client: httpx.AsyncClient, task_id: str, headers: dict[str, str], **kwargs: Any
) -> httpx.Response:
    """POST /tasks/{id}/analysis."""
    return await client.post(f"/api/v1/tasks/{task_id}/analysis", headers=headers, **kwargs)


async def read_analysis(
    client: httpx.AsyncClient, task_id: str, headers: dict[str, str]
) -> httpx.Response:
    """GET /tasks/{id}/analysis."""
    return await client.get(f"/api/v1/tasks/{task_id}/analysis", headers=headers)
