"""Job handlers of imports (registered on import): running one uploaded file."""

from __future__ import annotations

from typing import Any

from smarttask.imports import running
from smarttask.imports.service import RUN
from smarttask.jobs.registry import JobContext, JobSet

registry = JobSet()


@registry.handler(RUN)
async def run_import(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Parse and apply the payload's import in the job's transaction."""
    await running.run(ctx, str(payload["import_id"]))
