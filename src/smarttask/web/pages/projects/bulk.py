"""The list view's bulk-edit bar: one change (or a move to the trash) for the checked tasks.

The bar is a plain form (the cards' checkboxes belong to it through their `form`
attribute); it posts one request that the bulk service applies all or nothing, so a
refusal changes no task and is shown above the list.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from smarttask.kit.problems import ProblemError, ValidationFailed
from smarttask.kit.session import SessionDep
from smarttask.tasks.bulk import service as bulk
from smarttask.tasks.bulk.schemas import BulkDelete, BulkUpdate
from smarttask.web import forms
from smarttask.web.deps import Id, PageCaller
from smarttask.web.pages.projects.common import open_project
from smarttask.web.pages.projects.filters import list_filters
from smarttask.web.pages.projects.listing import render_list
from smarttask.web.pages.tasks.changes import END_OF_DAY, labels_of
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=1000)]
# "Unassign" in the assignee menu (an empty choice leaves assignees as they are).
NOBODY = "-"


def _changes(
    status: str, state: str, priority: str, assignee: str, due: str, labels: str
) -> dict[str, Any]:
    """The fields the bar sets; an empty one is left as it is."""
    changes: dict[str, Any] = {}
    if state:
        changes["state_id"] = state  # the bar's status menu: a workflow state of the project
    elif status:
        changes["status"] = status
    if priority:
        changes["priority"] = priority
    if assignee:
        changes["assignee_id"] = None if assignee == NOBODY else assignee
    if due.strip():
        try:
            changes["due_at"] = date.fromisoformat(due.strip()).isoformat() + END_OF_DAY
        except ValueError as error:
            raise ValidationFailed(
                "Enter a due date such as 2026-12-01.",
                errors=[{"loc": ["body", "due_at"], "msg": "not a date", "type": "value_error"}],
            ) from error
    if labels.strip():
        changes["labels"] = labels_of(labels)
    if not changes:
        raise ValidationFailed("Choose at least one change to apply.")
    return changes


@router.post("/projects/{project_id}/bulk")
async def bulk_edit(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    project_id: Id,
    task_ids: Annotated[list[str], Form(max_length=200)] = [],  # noqa: B006 (FastAPI copies)
    action: Annotated[str, Form(max_length=10)] = "update",
    status: Field = "",
    state_id: Field = "",
    priority: Field = "",
    assignee_id: Field = "",
    due: Field = "",
    labels: Field = "",
) -> Response:
    """Apply the bar's change to the checked tasks (members), or move them to the trash."""
    opened = await open_project(request, session, caller, project_id, "list", minimum=Role.MEMBER)
    try:
        if not task_ids:
            raise ValidationFailed("Check the tasks to change first.")
        # A savepoint: a refusal half-way undoes the tasks already changed before the list
        # is drawn again in this transaction (which then rolls back as a whole).
        async with session.begin_nested():
            if action == "trash":
                found = forms.parse(BulkDelete, {"task_ids": task_ids})
                days = request.app.state.settings.trash.retention_days
                await bulk.delete(session, caller.user, found.task_ids, days)
                done = "trashed"
            else:
                changes = _changes(status, state_id, priority, assignee_id, due, labels)
                body = forms.parse(BulkUpdate, {"task_ids": task_ids, "changes": changes})
                await bulk.update(session, caller.user, body.task_ids, body.changes)
                done = "updated"
    except ProblemError as problem:
        if problem.status not in (403, 404, 409, 422):
            raise
        filters = await list_filters()
        return await render_list(
            request,
            session,
            caller,
            opened,
            filters,
            None,
            bulk_error=_message(problem),
            status=problem.status,
        )
    return RedirectResponse(f"/projects/{opened.project.id}?bulk={done}", status_code=303)


def _message(problem: ProblemError) -> str:
    """What to show for a refused bulk edit: nothing was changed."""
    details = "; ".join(str(e.get("msg")) for e in (problem.errors or [])[:3] if e.get("msg"))
    text = f"{problem.detail} {details}".strip() if details else problem.detail
    return f"Nothing was changed: {text}"
