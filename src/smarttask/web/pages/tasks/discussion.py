"""Comments on the task page: add, edit one's own, delete (the author or an admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from smarttask.comments import service as comments
from smarttask.comments.models import Comment
from smarttask.comments.schemas import CommentCreate, CommentUpdate
from smarttask.kit.etag import check_if_match, etag
from smarttask.kit.problems import NotFound, ProblemError
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.web import forms
from smarttask.web.deps import Id, PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.tasks.respond import back, is_htmx, parts
from smarttask.web.pages.tasks.view import gather
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
Body = Annotated[str, Form(max_length=100_000)]
Version = Annotated[str, Form(max_length=20)]
STALE = "This comment changed meanwhile; what you wrote is kept below. Save again to replace it."


async def _comment(
    session: SessionDep, caller: PageCaller, task_id: str, comment_id: str
) -> tuple[Comment, Role]:
    """A comment of this task (another task's is missing here)."""
    comment, role = await comments.load(session, caller.user, comment_id)
    if comment.task_id != task_id:
        raise NotFound(comments.MISSING)
    return comment, role


async def _answer(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    task_id: str,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The comments part (htmx) or the whole page, with a form state if any."""
    if is_htmx(request):
        context = await gather(request, session, caller, task_id, ("comments",))
        return parts(request, {**context, **(extra or {})}, ("comments",), status=status)
    if not extra:
        return back(task_id, "task-comments")
    context = await gather(request, session, caller, task_id, (), full=True)
    return await page(
        request,
        session,
        caller,
        "tasks/page.html",
        {**context, **extra},
        workspace_id=context["workspace"].id,
        status=status,
    )


def _refusal(problem: ProblemError, body: str, editing: str | None = None) -> dict[str, Any]:
    errors = forms.field_errors(problem)
    return {
        "errors": errors,
        "values": {"comment": body},
        "notice": STALE if problem.status == 412 else None if errors else problem.detail,
        "notice_for": "comment" if editing else "comments",
        "editing_comment": editing,
    }


@router.post("/tasks/{task_id}/comments")
async def add_comment(
    request: Request, task_id: Id, session: SessionDep, caller: PageCaller, body: Body
) -> Response:
    """Comment on the task (members); Markdown."""
    task, _ = await tasks.load(session, caller.user, task_id, Role.MEMBER)
    try:
        parsed = forms.parse(CommentCreate, {"body": body.replace("\r\n", "\n")})
    except ProblemError as problem:
        return await _answer(request, session, caller, task_id, _refusal(problem, body), 422)
    await comments.create(session, caller.user, task, parsed.body)
    return await _answer(request, session, caller, task_id)


@router.get("/tasks/{task_id}/comments/{comment_id}/edit")
async def edit_comment_form(
    request: Request, task_id: Id, comment_id: Id, session: SessionDep, caller: PageCaller
) -> Response:
    """The comment's edit form, in place of the comment (the whole page without htmx)."""
    comment, _ = await _comment(session, caller, task_id, comment_id)
    extra = {"editing_comment": comment.id, "values": {"comment": comment.body}}
    return await _answer(request, session, caller, task_id, extra)


@router.post("/tasks/{task_id}/comments/{comment_id}")
async def edit_comment(
    request: Request,
    task_id: Id,
    comment_id: Id,
    session: SessionDep,
    caller: PageCaller,
    body: Body,
    version: Version = "",
) -> Response:
    """Save an edited comment (its author, while a member)."""
    comment, role = await _comment(session, caller, task_id, comment_id)
    try:
        check_if_match(etag(int(version)) if version.isdigit() else None, comment.version)
        parsed = forms.parse(CommentUpdate, {"body": body.replace("\r\n", "\n")})
        await comments.edit(session, caller.user, comment, role, parsed.body)
    except ProblemError as problem:
        if problem.status not in (412, 422):
            raise
        extra = _refusal(problem, body, comment.id)
        return await _answer(request, session, caller, task_id, extra, problem.status)
    return await _answer(request, session, caller, task_id)


@router.post("/tasks/{task_id}/comments/{comment_id}/delete")
async def delete_comment(
    request: Request, task_id: Id, comment_id: Id, session: SessionDep, caller: PageCaller
) -> Response:
    """Delete a comment (its author while a member, or an admin)."""
    comment, role = await _comment(session, caller, task_id, comment_id)
    await comments.delete(session, caller.user, comment, role)
    return await _answer(request, session, caller, task_id)
