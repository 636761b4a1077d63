"""Custom field pages: a workspace's fields (admins add, rename, change options, delete;
everyone in it sees them) and a task's field values (members edit them on the task page).

Every change goes through `fields.service` or `tasks.service` with the API's own schemas, so
a page refuses what the API refuses, shown beside the form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from smarttask.fields import service
from smarttask.fields.models import CustomField
from smarttask.fields.schemas import FieldCreate, FieldType, FieldUpdate
from smarttask.kit.etag import check_if_match, etag
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.tasks.schemas import TaskUpdate
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.workspaces.common import Short, WorkspaceId, access
from smarttask.web.signin import WebCaller
from smarttask.workspaces import service as workspaces
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
FieldId = Annotated[str, Path(min_length=1, max_length=64)]
TaskId = Annotated[str, Path(min_length=1, max_length=64)]
Lines = Annotated[str, Form(max_length=10_000)]
TYPES = [kind.value for kind in FieldType]
MEMBERS = 100
_SAVED = {"created": "The field is added.", "saved": "Saved.", "deleted": "The field is deleted."}


def _lines(text: str) -> list[dict[str, Any]]:
    """New options, one name per line."""
    return [{"name": line.strip()} for line in text.splitlines() if line.strip()]


async def _fields_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    found: WorkspaceAccess,
    *,
    values: dict[str, Any] | None = None,
    problem: ProblemError | None = None,
    status: int = 200,
) -> Response:
    context = {
        "workspace": found.workspace,
        "fields": await service.all_of(session, found.workspace.id),
        "can_manage": found.role.at_least(Role.ADMIN),
        "types": TYPES,
        "values": values or {"name": "", "type": "text", "options": ""},
        "errors": forms.field_errors(problem) if problem else {},
        "error": problem.detail if problem else None,
        "notice": _SAVED.get(request.query_params.get("saved", "")),
    }
    return await page(
        request,
        session,
        caller,
        "fields/list.html",
        context,
        workspace_id=found.workspace.id,
        status=status,
    )


@router.get("/workspaces/{workspace_id}/fields")
async def fields_page(
    request: Request, session: SessionDep, caller: PageCaller, workspace_id: WorkspaceId
) -> Response:
    """The workspace's custom fields, and (admins) the form that adds one."""
    found = await access(session, caller, workspace_id)
    return await _fields_page(request, session, caller, found)


@router.post("/workspaces/{workspace_id}/fields")
async def create_field(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    name: Short = "",
    type: Short = "text",
    options: Lines = "",
) -> Response:
    """Add a field (admins); options one per line for select types."""
    found = await access(session, caller, workspace_id, Role.ADMIN)
    values = {"name": name, "type": type, "options": options}
    try:
        wanted = {"name": name, "type": type}
        if type in ("select", "multi_select"):
            wanted["options"] = _lines(options)  # type: ignore[assignment]
        await service.create(session, found, forms.parse(FieldCreate, wanted))
    except ProblemError as problem:
        if problem.status != 422:
            raise
        return await _fields_page(
            request, session, caller, found, values=values, problem=problem, status=422
        )
    return RedirectResponse(f"/workspaces/{workspace_id}/fields?saved=created", status_code=303)


async def _field_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    field: CustomField,
    *,
    problem: ProblemError | None = None,
    status: int = 200,
) -> Response:
    found = await access(session, caller, field.workspace_id, Role.ADMIN)
    context = {
        "workspace": found.workspace,
        "field": service.to_read(field),
        "errors": forms.field_errors(problem) if problem else {},
        "error": problem.detail if problem else None,
        "notice": _SAVED.get(request.query_params.get("saved", "")),
    }
    return await page(
        request,
        session,
        caller,
        "fields/edit.html",
        context,
        workspace_id=found.workspace.id,
        status=status,
    )


@router.get("/fields/{field_id}")
async def field_page(
    request: Request, session: SessionDep, caller: PageCaller, field_id: FieldId
) -> Response:
    """One field's edit form (admins): its name, its options, delete."""
    field = await service.load(session, caller.user, field_id, Role.ADMIN)
    return await _field_page(request, session, caller, field)


def _options_of(form: FormData, field: CustomField) -> list[dict[str, Any]]:
    """The options a field's form keeps (renamed, not ticked "remove"), then the new ones."""
    removed = set(form.getlist("remove"))
    kept = [
        {"id": option["id"], "name": str(form.get(f"option.{option['id']}", option["name"]))}
        for option in field.options
        if option["id"] not in removed
    ]
    return kept + _lines(str(form.get("new_options", "")))


@router.post("/fields/{field_id}")
async def save_field(
    request: Request, session: SessionDep, caller: PageCaller, field_id: FieldId
) -> Response:
    """Rename the field or change its options (removed options leave every task)."""
    field = await service.load(session, caller.user, field_id, Role.ADMIN)
    form = await request.form()
    try:
        version = str(form.get("version", ""))
        check_if_match(etag(int(version)) if version.isdigit() else None, field.version)
        wanted: dict[str, Any] = {"name": str(form.get("name", ""))}
        if field.type in ("select", "multi_select"):
            wanted["options"] = _options_of(form, field)
        await service.update(session, caller.user, field, forms.parse(FieldUpdate, wanted))
    except ProblemError as problem:
        if problem.status not in (412, 422):
            raise
        return await _field_page(
            request, session, caller, field, problem=problem, status=problem.status
        )
    return RedirectResponse(f"/fields/{field_id}?saved=saved", status_code=303)


@router.post("/fields/{field_id}/delete")
async def delete_field(session: SessionDep, caller: PageCaller, field_id: FieldId) -> Response:
    """Delete the field and every task's value of it; back to the workspace's fields."""
    field = await service.load(session, caller.user, field_id, Role.ADMIN)
    workspace_id = field.workspace_id
    await service.delete(session, caller.user, field)
    return RedirectResponse(f"/workspaces/{workspace_id}/fields?saved=deleted", status_code=303)


def _typed(kind: str, form: FormData, name: str) -> Any:
    """A form's value of one field, as the API takes it (the service checks it)."""
    if kind == "multi_select":
        return [str(value) for value in form.getlist(name)]
    if kind == "checkbox":
        return True if form.get(name) else None
    raw = str(form.get(name, "")).strip()
    if raw == "":
        return None
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            return raw  # refused by the service, with the field's name
    return raw


async def _task_fields_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    task_id: str,
    *,
    values: dict[str, Any] | None = None,
    problem: ProblemError | None = None,
    status: int = 200,
) -> Response:
    task, key, found = await tasks.load_with_access(session, caller.user, task_id, Role.VIEWER)
    read = await tasks.read_one(session, task, key)
    members = await workspaces.list_members(session, found, None, MEMBERS)
    context = {
        "workspace": found.workspace,
        "task": read,
        "custom_fields": await service.all_of(session, task.workspace_id),
        "field_values": read.fields if values is None else values,
        "members": members.items,
        "can_edit": found.role.at_least(Role.MEMBER),
        "error": problem.detail if problem else None,
    }
    return await page(
        request,
        session,
        caller,
        "fields/task.html",
        context,
        workspace_id=found.workspace.id,
        status=status,
    )


@router.get("/tasks/{task_id}/fields")
async def task_fields_page(
    request: Request, session: SessionDep, caller: PageCaller, task_id: TaskId
) -> Response:
    """A task's custom field values, and (members) the form that changes them."""
    return await _task_fields_page(request, session, caller, task_id)


@router.post("/tasks/{task_id}/fields")
async def save_task_fields(
    request: Request, session: SessionDep, caller: PageCaller, task_id: TaskId
) -> Response:
    """Save a task's custom field values (members), unless the task changed since."""
    task, _ = await tasks.load(session, caller.user, task_id, Role.MEMBER)
    form = await request.form()
    defined = await service.all_of(session, task.workspace_id)
    wanted = {f.id: _typed(f.type, form, f"field.{f.id}") for f in defined}
    try:
        version = str(form.get("version", ""))
        check_if_match(etag(int(version)) if version.isdigit() else None, task.version)
        await tasks.update(session, caller.user, task, forms.parse(TaskUpdate, {"fields": wanted}))
    except ProblemError as problem:
        if problem.status not in (412, 422):
            raise
        return await _task_fields_page(
            request,
            session,
            caller,
            task_id,
            values={k: v for k, v in wanted.items() if v is not None},
            problem=problem,
            status=problem.status,
        )
    return RedirectResponse(f"/tasks/{task_id}#task-fields", status_code=303)
