"""Members of a workspace: adding one by email, changing a role, removing, leaving."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from smarttask.kit.problems import ProblemError, ValidationFailed
from smarttask.kit.session import SessionDep
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.pages.workspaces.common import ItemId, Short, WorkspaceId, access
from smarttask.web.pages.workspaces.view import settings_page, shown
from smarttask.workspaces import service as workspaces
from smarttask.workspaces.roles import Role
from smarttask.workspaces.schemas import MemberAdd, MemberUpdate

router = APIRouter()


def _settings(workspace_id: str) -> Response:
    return RedirectResponse(f"/workspaces/{workspace_id}/settings", status_code=303)


@router.post("/workspaces/{workspace_id}/members")
async def add_member(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    email: Short = "",
    role: Short = Role.MEMBER.value,
) -> Response:
    """Add a registered user by email with a role (admins; only owners grant admin, owner)."""
    found = await access(session, caller, workspace_id, Role.ADMIN)
    values = {"email": email, "role": role}
    try:
        body = forms.parse(MemberAdd, values)
        try:
            await workspaces.add_member(session, found, body.email, body.role)
        except ProblemError as problem:
            if problem.status != 404:
                raise
            # Nobody with that email: a mistake in the field, said beside it.
            error = {"loc": ["body", "email"], "msg": problem.detail, "type": "not_found"}
            raise ValidationFailed(problem.detail, errors=[error]) from problem
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await settings_page(
            request, session, caller, found, form="add", values=values, problem=problem
        )
    return _settings(workspace_id)


@router.post("/workspaces/{workspace_id}/members/{user_id}/role")
async def change_role(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    user_id: ItemId,
    role: Short = "",
) -> Response:
    """Change a member's role (admins; the last owner stays an owner)."""
    found = await access(session, caller, workspace_id, Role.ADMIN)
    try:
        body = forms.parse(MemberUpdate, {"role": role})
        await workspaces.change_role(session, found, user_id, body.role)
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await settings_page(
            request, session, caller, found, form=f"member-{user_id}", problem=problem
        )
    return _settings(workspace_id)


@router.post("/workspaces/{workspace_id}/members/{user_id}/remove")
async def remove_member(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    user_id: ItemId,
) -> Response:
    """Remove a member (admins), or leave (anyone but the last owner)."""
    found = await access(session, caller, workspace_id)
    try:
        await workspaces.remove_member(session, found, user_id)
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await settings_page(
            request, session, caller, found, form=f"member-{user_id}", problem=problem
        )
    if user_id == caller.user.id:
        return RedirectResponse("/workspaces", status_code=303)
    return _settings(workspace_id)
