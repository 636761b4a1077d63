"""Project reads without the ORM session: one prebuilt statement on the request's reader.

Pages that only read (a project's board and list) open their project here, on the
connection the caller was looked up on, instead of through the session (two ORM
statements and a second connection). The rule is the session path's
(`service.load_with_access`): a missing project and one in a workspace the caller is not
a member of are the same 404, a role too low is a 403, decided by `workspaces.access.allow`.
"""

from __future__ import annotations

from sqlalchemy import String, and_, bindparam, select

from smarttask.accounts.models import User
from smarttask.db.engine import Reader
from smarttask.projects.models import Project
from smarttask.projects.service import MISSING
from smarttask.workspaces.access import WorkspaceAccess, allow, project_role_sql
from smarttask.workspaces.models import Membership, Workspace
from smarttask.workspaces.roles import Role

# A project with its workspace's name and the caller's (`:user_id`) role there: no row when
# the project does not exist or the caller is not a member of its workspace, a NULL role
# when it is a private project hidden from them (the access rule's SQL form).
PROJECT_WITH_ACCESS = (
    select(
        Project.id,
        Project.workspace_id,
        Project.key,
        Project.name,
        Project.description,
        Project.visibility,
        Workspace.name.label("workspace_name"),
        project_role_sql(
            Membership.role, Project.visibility, Project.id, bindparam("user_id", type_=String())
        ).label("member_role"),
    )
    .join(Workspace, Workspace.id == Project.workspace_id)
    .join(
        Membership,
        and_(
            Membership.workspace_id == Project.workspace_id,
            Membership.user_id == bindparam("user_id", type_=String()),
        ),
    )
    .where(Project.id == bindparam("project_id", type_=String()))
)


async def load_with_access(
    reader: Reader, user: User, project_id: str, minimum: Role
) -> tuple[Project, WorkspaceAccess]:
    """The project and the caller's access to its workspace, as `service.load_with_access`.

    The objects are built from the row, not loaded into a session: for reading only.
    """
    params = {"project_id": project_id, "user_id": user.id}
    row = await reader.fetch_row(PROJECT_WITH_ACCESS, params)
    role = allow(None if row is None else row["member_role"], minimum, missing=MISSING)
    assert row is not None
    project = Project(
        id=row["id"],
        workspace_id=row["workspace_id"],
        key=row["key"],
        name=row["name"],
        description=row["description"],
        visibility=row["visibility"],
    )
    workspace = Workspace(id=row["workspace_id"], name=row["workspace_name"])
    membership = Membership(workspace_id=row["workspace_id"], user_id=user.id, role=role.value)
    return project, WorkspaceAccess(user, workspace, membership)
