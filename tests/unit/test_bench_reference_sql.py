"""The bench's bare reference runs exactly the SQL smarttask's task reads run (issue 4)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sqlalchemy.dialects.postgresql import asyncpg

from smarttask.tasks import statements
from smarttask.tasks.query import TaskQuery

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import reference_app


def _sql(statement: Any) -> str:
    return str(statement.compile(dialect=asyncpg.dialect()))


def test_the_reference_runs_smarttask_task_read_statements() -> None:
    """One statement each: the task with membership, labels, dependencies; the project page."""
    assert _sql(statements.TASK_READ) == reference_app.TASK
    page = statements.core_page(TaskQuery(workspace_id="", project_id="p", statuses=("todo",)))
    assert _sql(page) == reference_app.TASK_PAGE
