"""Attachments on the task page: declare an upload, confirm it, delete a file.

The bytes never pass through here: upload.js asks this route for a presigned upload,
sends the file straight to storage, then confirms it; the answers of the first step are
JSON for the script (its refusals too, in words a person can read).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import JSONResponse, Response

from smarttask.attachments import service as attachments
from smarttask.attachments.deps import FilesDep, StorageDep
from smarttask.attachments.models import Attachment
from smarttask.attachments.schemas import AttachmentCreate
from smarttask.kit.problems import NotFound, ProblemError
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.web import forms
from smarttask.web.deps import Id, PageCaller
from smarttask.web.pages.tasks.respond import back, is_htmx, parts
from smarttask.web.pages.tasks.view import gather
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)


def _readable(problem: ProblemError) -> str:
    """The refusal in words: the first field's message, else the problem's detail."""
    for error in problem.errors or ():
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        if message:
            return message
    return problem.detail


def _refused(problem: ProblemError) -> Response:
    return JSONResponse(
        {"error": _readable(problem), "status": problem.status},
        status_code=problem.status,
        headers=problem.headers,
    )


@router.post("/tasks/{task_id}/attachments")
async def declare(
    request: Request,
    task_id: Id,
    session: SessionDep,
    caller: PageCaller,
    storage: StorageDep,
    files: FilesDep,
    filename: Annotated[str, Form(max_length=2000)],
    content_type: Annotated[str, Form(max_length=200)] = "",
    size: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Declare a file (members): JSON with where to send its bytes, or why not."""
    task, _ = await tasks.load(session, caller.user, task_id, Role.MEMBER)
    try:
        body = forms.parse(
            AttachmentCreate,
            {
                "filename": filename,
                "content_type": content_type or "application/octet-stream",
                "size": int(size) if size.isdigit() else size,
            },
        )
        attachment, ticket = await attachments.create(
            session, caller.user, task, body, storage, files
        )
    except ProblemError as problem:
        return _refused(problem)
    read = attachments.to_read(attachment, storage, files, ticket)
    assert read.upload is not None
    return JSONResponse(
        {
            "id": attachment.id,
            "filename": attachment.filename,
            "upload": {
                "method": read.upload.method,
                "url": read.upload.url,
                "headers": read.upload.headers,
            },
            "complete_url": f"/tasks/{task_id}/attachments/{attachment.id}/complete",
        },
        status_code=201,
    )


async def _attachment_of(
    session: SessionDep, caller: PageCaller, task_id: str, attachment_id: str, minimum: Role
) -> tuple[Attachment, Role]:
    found, role = await attachments.load(session, caller.user, attachment_id, minimum)
    if found.task_id != task_id:
        raise NotFound(attachments.MISSING)
    return found, role


@router.post("/tasks/{task_id}/attachments/{attachment_id}/complete")
async def complete(
    request: Request,
    task_id: Id,
    attachment_id: Id,
    session: SessionDep,
    caller: PageCaller,
    storage: StorageDep,
) -> Response:
    """Confirm an upload (members): the task's attachments as they are now."""
    found, _ = await _attachment_of(session, caller, task_id, attachment_id, Role.MEMBER)
    try:
        await attachments.complete(session, caller.user, found, storage)
    except ProblemError as problem:
        if problem.status != 409:
            raise
        return _refused(problem)
    return await _listed(request, session, caller, task_id)


async def _listed(
    request: Request, session: SessionDep, caller: PageCaller, task_id: str
) -> Response:
    context = await gather(request, session, caller, task_id, ("attachments",))
    return parts(request, context, ("attachments",))


@router.post("/tasks/{task_id}/attachments/{attachment_id}/delete")
async def delete(
    request: Request,
    task_id: Id,
    attachment_id: Id,
    session: SessionDep,
    caller: PageCaller,
    storage: StorageDep,
) -> Response:
    """Delete a file (its uploader while a member, or an admin)."""
    found, role = await _attachment_of(session, caller, task_id, attachment_id, Role.MEMBER)
    await attachments.delete(session, caller.user, found, role, storage)
    if not is_htmx(request):
        return back(task_id, "task-attachments")
    return await _listed(request, session, caller, task_id)
