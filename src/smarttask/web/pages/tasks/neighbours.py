"""Adding subtasks (also from an analysis's suggestions) and dependencies to a task."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.projects import service as projects
from smarttask.tasks import related
from smarttask.tasks import service as tasks
from smarttask.tasks.schemas import DependencyCreate, TaskCreate
from smarttask.web import forms
from smarttask.web.deps import Id, PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.tasks.respond import back, is_htmx, parts
from smarttask.web.pages.tasks.view import gather
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=1000)]


async def _refused(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    task_id: str,
    part: str,
    problem: ProblemError,
    values: dict[str, str],
) -> Response:
    """The part again with the refusal beside its field (the full page without htmx)."""
    full = not is_htmx(request)
    context = await gather(request, session, caller, task_id, (part,), full=full)
    errors = forms.field_errors(problem)
    context |= {
        "errors": errors,
        "values": values,
        "notice": None if errors else problem.detail,
        "notice_for": part,
    }
    if full:
        return await page(
            request,
            session,
            caller,
            "tasks/page.html",
            context,
            workspace_id=context["workspace"].id,
            status=problem.status,
        )
    return parts(request, context, (part,), status=problem.status)


@router.post("/tasks/{task_id}/subtasks")
async def add_subtask(
    request: Request, task_id: Id, session: SessionDep, caller: PageCaller, title: Text
) -> Response:
    """Create a subtask in the task's project (members)."""
    task, _ = await tasks.load(session, caller.user, task_id, Role.MEMBER)
    try:
        body = forms.parse(TaskCreate, {"title": title, "parent_id": task.id})
        project = await projects.load(session, caller.user, task.project_id, Role.MEMBER)
        await tasks.create(session, caller.user, project, body)
    except ProblemError as problem:
        if problem.status != 422:
            raise
        return await _refused(
            request, session, caller, task_id, "subtasks", problem, {"title": title}
        )
    if not is_htmx(request):
        return back(task_id, "task-subtasks")
    names = ("subtasks", "analysis")
    return parts(request, await gather(request, session, caller, task_id, names), names)


@router.post("/tasks/{task_id}/dependencies")
async def add_dependency(
    request: Request, task_id: Id, session: SessionDep, caller: PageCaller, depends_on: Text
) -> Response:
    """Make the task depend on another, named by its key (WEB-12) or id (members)."""
    task, _ = await tasks.load(session, caller.user, task_id, Role.MEMBER)
    wanted = depends_on.strip()
    try:
        found = await related.find_by_key(session, task.workspace_id, wanted)
        target = found[0].id if found else wanted
        body = forms.parse(DependencyCreate, {"depends_on_id": target})
        await tasks.add_dependency(session, caller.user, task, body.depends_on_id)
    except ProblemError as problem:
        if problem.status != 422:
            raise
        return await _refused(
            request, session, caller, task_id, "dependencies", problem, {"depends_on": depends_on}
        )
    return await _dependencies_now(request, session, caller, task_id)


async def _dependencies_now(
    request: Request, session: SessionDep, caller: PageCaller, task_id: str
) -> Response:
    if not is_htmx(request):
        return back(task_id, "task-dependencies")
    names = ("dependencies", "badges", "risk")
    return parts(request, await gather(request, session, caller, task_id, names), names)


@router.post("/tasks/{task_id}/dependencies/{depends_on_id}/delete")
async def remove_dependency(
    request: Request, task_id: Id, depends_on_id: Id, session: SessionDep, caller: PageCaller
) -> Response:
    """Remove one of the task's dependencies (members)."""
    task, _ = await tasks.load(session, caller.user, task_id, Role.MEMBER)
    await tasks.remove_dependency(session, caller.user, task, depends_on_id)
    return await _dependencies_now(request, session, caller, task_id)
