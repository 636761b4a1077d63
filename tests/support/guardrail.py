"""A task snapshot and a good model answer, shared by the guardrail tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smarttask.adapters.llm.base import TaskSnapshot

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TASK = TaskSnapshot(
    key="WEB-1",
    title="Fix the login page",
    description="Users cannot sign in. See https://example.com/issue/42 for the report.",
    status="todo",
    priority="medium",
    labels=("auth",),
    due_at=NOW + timedelta(days=10),
    has_assignee=True,
    estimate_minutes=None,
    risk_score=0.2,
    risk_level="low",
)
GOOD = {
    "summary": "Sign-in is broken for users.",
    "suggested_priority": "high",
    "estimate_minutes": 90,
    "subtasks": ["Reproduce the bug", "Fix the session cookie"],
    "concerns": ["Users are locked out"],
    "questions": ["Which browsers are affected?"],
}
