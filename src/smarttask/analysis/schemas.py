"""Analysis bodies (docs/api.md, AI analysis)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from smarttask.kit.schemas import OutputSchema
from smarttask.tasks.schemas import Priority

AnalysisStatus = Literal["pending", "running", "done", "failed"]


class FindingRead(OutputSchema):
    """Something the guardrail noticed in the answer or the task."""

    code: str
    message: str
    field: str | None
    severity: Literal["blocking", "warning"]


class GuardrailRead(OutputSchema):
    """The guardrail's verdict: `passed` is false when a finding is blocking."""

    passed: bool
    findings: list[FindingRead]


class UsageRead(OutputSchema):
    """Tokens this analysis cost (0 for a cached result)."""

    input_tokens: int
    output_tokens: int


class AnalysisRead(OutputSchema):
    """An analysis of a task: only suggestions, never applied to the task."""

    id: str
    task_id: str
    status: AnalysisStatus
    provider: str
    model: str
    prompt_version: str
    summary: str | None
    suggested_priority: Priority | None
    estimate_minutes: int | None
    subtasks: list[str]
    concerns: list[str]
    questions: list[str]
    risk: dict[str, Any] | None
    guardrail: GuardrailRead | None
    usage: UsageRead
    cached: bool
    error: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
