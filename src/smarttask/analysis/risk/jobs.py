"""Job handlers of the risk model (registered on import): rescoring as time passes, retraining."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from smarttask.analysis.risk.retrain import retrain_workspace
from smarttask.analysis.risk.training_repository import workspaces_with_history
from smarttask.jobs.registry import JobContext, JobSet
from smarttask.tasks.scoring import service

log = logging.getLogger("smarttask.risk")
registry = JobSet()
RESCORE_DUE = "risk.rescore_due"
RETRAIN = "risk.retrain"


@registry.handler(RESCORE_DUE)
async def rescore_due(context: JobContext, payload: dict[str, Any]) -> None:
    """Rescore every open task with a due date (time passing moves every score)."""
    summary = await service.rescore_all(context.session, workspace_id=payload.get("workspace_id"))
    log.info("risk rescore", extra={"scanned": summary.scanned, "changed": summary.changed})


@registry.handler(service.RESCORE_ASSIGNEE)
async def rescore_assignee(context: JobContext, payload: dict[str, Any]) -> None:
    """Rescore one assignee's open tasks after their load or record changed."""
    await service.rescore_assignee(
        context.session, str(payload["workspace_id"]), str(payload["assignee_id"])
    )


@registry.handler(RETRAIN)
async def retrain(context: JobContext, payload: dict[str, Any]) -> None:
    """Train each workspace with enough finished tasks; rescore those whose model changed."""
    minimum = context.settings.ai.risk_min_training_tasks
    workspace_id = payload.get("workspace_id")
    candidates = (
        [str(workspace_id)]
        if workspace_id
        else await workspaces_with_history(context.session, minimum)
    )
    for candidate in candidates:
        result, model = await retrain_workspace(context.session, candidate, min_tasks=minimum)
        log.info("risk model trained", extra={"workspace_id": candidate, "note": result.note})
        if model is not None:
            await service.rescore_all(context.session, workspace_id=candidate)


registry.every(timedelta(minutes=15), RESCORE_DUE)
registry.every(timedelta(days=1), RETRAIN)
