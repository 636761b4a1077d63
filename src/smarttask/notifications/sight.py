"""The SQL of who may see what (notifications/visibility.py holds the rule's use): which
notifications their reader may still see, and who is in which private project."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, exists, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from smarttask.notifications.models import Notification
from smarttask.projects.models import Project
from smarttask.tasks.models import Task
from smarttask.workspaces.access import PRIVATE, visible_project_sql
from smarttask.workspaces.models import Membership, ProjectMember


def readable() -> ColumnElement[bool]:
    """A notification its reader may still see: of no task, or of a task in a project they
    can see now (workspaces/access.py's rule, with their role in the notification's
    workspace; none once they left it). Correlated with the `notification` row."""
    # The row again, under another name: the subqueries of the rule correlate with the
    # statement right around them, so the notification must be in its FROM.
    item = aliased(Notification)
    role = (
        select(Membership.role)
        .where(Membership.workspace_id == item.workspace_id, Membership.user_id == item.user_id)
        .scalar_subquery()
    )
    seen = visible_project_sql(
        func.coalesce(role, ""), Project.visibility, Project.id, item.user_id
    )
    hidden = exists().where(
        item.id == Notification.id,
        Task.id == item.task_id,
        Project.id == Task.project_id,
        not_(seen),
    )
    return not_(hidden)


async def private_projects(
    session: AsyncSession,
    workspace_id: str,
    user_ids: Iterable[str],
    project_ids: Iterable[str] | None = None,
) -> dict[str, set[str]]:
    """The workspace's private projects (those among `project_ids`, when given), each with
    which of `user_ids` are its project members (one statement)."""
    users = sorted(set(user_ids))
    statement = (
        select(Project.id, ProjectMember.user_id)
        .outerjoin(
            ProjectMember,
            and_(ProjectMember.project_id == Project.id, ProjectMember.user_id.in_(users)),
        )
        .where(Project.workspace_id == workspace_id, Project.visibility == PRIVATE)
    )
    if project_ids is not None:
        statement = statement.where(Project.id.in_(sorted(set(project_ids))))
    found: dict[str, set[str]] = {}
    for project_id, user_id in await session.execute(statement):
        members = found.setdefault(project_id, set())
        if user_id is not None:
            members.add(user_id)
    return found
