"""The task page itself, its parts, its edit form, and saving the task's fields."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from smarttask.kit.etag import check_if_match, etag
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.web import forms
from smarttask.web.deps import Id, PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.tasks import changes
from smarttask.web.pages.tasks.respond import back, is_htmx, parts
from smarttask.web.pages.tasks.view import gather
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
Part = Literal[
    "header", "badges", "details", "risk", "description", "subtasks", "dependencies", "analysis",
    "comments", "attachments", "activity",
]  # fmt: skip
# What a save re-renders: the form's own part first, then what the change may move.
_AFTER = {
    "title": ("header", "activity"),
    "description": ("description", "badges", "risk", "activity"),
    "details": ("details", "badges", "risk", "activity"),
}
STALE = (
    "This task changed meanwhile (someone saved it after you opened this form). "
    "What you entered is kept below; save again to replace their change."
)


@router.get("/tasks/{task_id}")
async def task_page(
    request: Request, task_id: Id, session: SessionDep, caller: PageCaller
) -> Response:
    """Everything about one task."""
    context = await gather(request, session, caller, task_id, (), full=True)
    return await page(
        request,
        session,
        caller,
        "tasks/page.html",
        context,
        workspace_id=context["workspace"].id,
    )


@router.get("/tasks/{task_id}/part/{name}")
async def task_part(
    request: Request, task_id: Id, name: Part, session: SessionDep, caller: PageCaller
) -> Response:
    """One part of the page, as it is now (htmx: cancel an edit, poll the analysis)."""
    return parts(request, await gather(request, session, caller, task_id, (name,)), (name,))


@router.get("/tasks/{task_id}/edit")
async def edit_page(
    request: Request,
    task_id: Id,
    session: SessionDep,
    caller: PageCaller,
    part: Annotated[Literal["title", "description"] | None, Query()] = None,
) -> Response:
    """The task's edit form: a whole page, or (htmx) the title or description form alone."""
    if is_htmx(request) and part is not None:
        names = ("header",) if part == "title" else ("description",)
        context = await gather(request, session, caller, task_id, names, minimum=Role.MEMBER)
        return parts(request, {**context, "edit": part}, names)
    context = await gather(request, session, caller, task_id, ("details",), minimum=Role.MEMBER)
    return await _edit_page(request, session, caller, context)


async def _edit_page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    return await page(
        request,
        session,
        caller,
        "tasks/edit.html",
        context,
        workspace_id=context["workspace"].id,
        status=status,
    )


@router.post("/tasks/{task_id}")
async def save(request: Request, task_id: Id, session: SessionDep, caller: PageCaller) -> Response:
    """Save the fields of one of the task's forms (members), unless the task changed since."""
    form = await request.form()
    part = str(form.get("part", "all"))
    if part not in changes.FIELDS:
        part = "all"
    task, key = await tasks.load(session, caller.user, task_id, Role.MEMBER)
    current = await tasks.read_one(session, task, key)
    names = _AFTER.get(part, ("details",))
    try:
        version = str(form.get("version", ""))
        check_if_match(etag(int(version)) if version.isdigit() else None, task.version)
        update = changes.update_of(part, form, current)
        task = await tasks.update(session, caller.user, task, update)
    except ProblemError as problem:
        if problem.status not in (412, 422):
            raise
        inline = is_htmx(request) and part != "all"
        shown = names if inline else ("details",)
        context = await gather(request, session, caller, task_id, shown, minimum=Role.MEMBER)
        errors = forms.field_errors(problem)
        context |= {
            "values": changes.form_values(form),
            "errors": errors,
            "notice": STALE if problem.status == 412 else None if errors else problem.detail,
            "notice_for": part,
            "edit": part if part in ("title", "description") else None,
        }
        if inline:
            return parts(request, context, names[:1], status=problem.status, version=task.version)
        return await _edit_page(request, session, caller, context, problem.status)
    if not is_htmx(request) or part == "all":
        return back(task_id)
    context = await gather(request, session, caller, task_id, names)
    return parts(request, context, names, version=task.version)
