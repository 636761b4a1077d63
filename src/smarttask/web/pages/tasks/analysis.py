"""Asking for an AI analysis from the task page.

The page then shows the analysis while it is pending or running by polling its part
(`/tasks/{id}/part/analysis`, every second, templates/tasks/_analysis.html) until it is
done or failed; a live event stream will replace the polling in a later change.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from smarttask.analysis import service as analysis
from smarttask.kit.deps import SettingsDep
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.web.deps import Id, PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.tasks.respond import back, is_htmx, parts
from smarttask.web.pages.tasks.view import gather
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)


@router.post("/tasks/{task_id}/analysis")
async def analyze(
    request: Request, task_id: Id, session: SessionDep, caller: PageCaller, settings: SettingsDep
) -> Response:
    """Queue an analysis of the task (members), or reuse an identical one."""
    task, _ = await tasks.load(session, caller.user, task_id, Role.MEMBER)
    try:
        await analysis.request(
            session, caller.user, task, settings.ai, max_attempts=settings.jobs.max_attempts
        )
    except ProblemError as problem:
        if problem.status not in (409, 429, 503):
            raise
        # The budget is spent (429) or the analysis cannot be queued: said in the part.
        context = await gather(
            request, session, caller, task_id, ("analysis",), full=not is_htmx(request)
        )
        context["analysis_error"] = problem.detail
        if is_htmx(request):
            return parts(request, context, ("analysis",), status=problem.status)
        return await page(
            request,
            session,
            caller,
            "tasks/page.html",
            context,
            workspace_id=context["workspace"].id,
            status=problem.status,
            headers=problem.headers,
        )
    if not is_htmx(request):
        return back(task_id, "task-analysis")
    return parts(
        request, await gather(request, session, caller, task_id, ("analysis",)), ("analysis",)
    )
