"""Quick create: a task from its title, on the list or the board."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.tasks.schemas import TaskCreate
from smarttask.web import forms
from smarttask.web.deps import Id, PageCaller
from smarttask.web.pages.projects.board import render_board
from smarttask.web.pages.projects.common import Quick, is_htmx, open_project
from smarttask.web.pages.projects.filters import list_filters
from smarttask.web.pages.projects.listing import render_list
from smarttask.web.render import render
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)


@router.post("/projects/{project_id}/tasks")
async def quick_create(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    project_id: Id,
    title: Annotated[str, Form(max_length=1000)] = "",
    view: Annotated[str, Form(max_length=10)] = "list",
) -> Response:
    """Create a task (members): htmx gets its card, a plain form goes back to the view."""
    view = "board" if view == "board" else "list"
    opened = await open_project(request, session, caller, project_id, view, minimum=Role.MEMBER)
    try:
        body = forms.parse(TaskCreate, {"title": title})
    except ProblemError as problem:
        quick = Quick(title, forms.field_errors(problem).get("title", problem.detail))
        if is_htmx(request):
            context = {"project": opened.project, "view": view, "quick": quick}
            headers = {"HX-Retarget": "#quick-create", "HX-Reswap": "outerHTML"}
            return render(
                request, "projects/_quick_create.html", context, status=422, headers=headers
            )
        if view == "board":
            return await render_board(request, session, caller, opened, quick=quick, status=422)
        filters = await list_filters()
        return await render_list(
            request, session, caller, opened, filters, None, quick=quick, status=422
        )
    task, key = await tasks.create(session, caller.user, opened.project, body)
    if not is_htmx(request):
        suffix = "/board" if view == "board" else ""
        return RedirectResponse(f"/projects/{opened.project.id}{suffix}", status_code=303)
    card = await tasks.read_one(session, task, key)
    return render(request, "partials/task_card.html", {"task": card, "cards": opened.cards})
