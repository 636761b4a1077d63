"""All SQL of what an export reads of one user, each list in keyset pages on an index.

What may be exported is decided in one place, `readable_projects`: tasks, comments, files
and the activity about them are exported only from projects the user may read today (a
workspace they are still a member of; a private project only as one of its members or as
a workspace admin or owner). Of other people only ids appear (an assignee, a reporter, an
actor), never an email or a name, except as the text of the user's own notifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Select, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import ApiToken, User
from smarttask.attachments.models import Attachment
from smarttask.attachments.repository import READY
from smarttask.comments.models import Comment
from smarttask.notifications.models import Notification, NotificationPreference
from smarttask.projects.models import Project
from smarttask.tasks.models import Label, Task, TaskDependency, TaskLabel
from smarttask.timetracking.models import TimeEntry
from smarttask.workspaces.access import visible_project_sql
from smarttask.workspaces.models import Membership, ProjectMember, Workspace

Rows = Sequence[Row[Any]]
AnySelect = Select[*tuple[Any, ...]]


def readable_projects(user_id: str) -> Select[str]:
    """The ids of the projects the user may read now: the one rule of what is exported.

    Those of the workspaces they are a member of, a private one only when they are one of
    its members or a workspace admin or owner (workspaces/access.py).
    """
    return (
        select(Project.id)
        .join(
            Membership,
            (Membership.workspace_id == Project.workspace_id) & (Membership.user_id == user_id),
        )
        .where(visible_project_sql(Membership.role, Project.visibility, Project.id, user_id))
    )


def member_of(user_id: str) -> Select[str]:
    """The ids of the workspaces the user is a member of."""
    return select(Membership.workspace_id).where(Membership.user_id == user_id)


async def fetch_all(session: AsyncSession, statement: AnySelect) -> Rows:
    """Every row of a statement."""
    return (await session.execute(statement)).all()


async def profile(session: AsyncSession, user_id: str) -> Row[Any]:
    """The user's own account fields (never the password hash or the TOTP secret)."""
    statement = select(
        User.id,
        User.email,
        User.name,
        User.timezone,
        User.email_verified,
        User.totp_enabled,
        User.is_admin,
        User.is_active,
        User.created_at,
        User.updated_at,
    ).where(User.id == user_id)
    return cast("Row[Any]", (await session.execute(statement)).one())


async def preferences(session: AsyncSession, user_id: str) -> Rows:
    """The user's notification choices (one row per type they changed; a handful)."""
    statement = (
        select(
            NotificationPreference.type,
            NotificationPreference.in_app,
            NotificationPreference.email,
            NotificationPreference.updated_at,
        )
        .where(NotificationPreference.user_id == user_id)
        .order_by(NotificationPreference.type)
    )
    return await fetch_all(session, statement)


async def memberships(session: AsyncSession, user_id: str, after: str | None, limit: int) -> Rows:
    """The user's workspaces and roles, by workspace id."""
    statement = (
        select(
            Membership.workspace_id,
            Workspace.name.label("workspace_name"),
            Membership.role,
            Membership.created_at,
        )
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.workspace_id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(Membership.workspace_id > after)
    return await fetch_all(session, statement)


async def project_memberships(
    session: AsyncSession, user_id: str, after: str | None, limit: int
) -> Rows:
    """The private projects the user was made a member of (and may still read), by id."""
    statement = (
        select(
            ProjectMember.project_id,
            Project.name.label("project_name"),
            Project.workspace_id,
            ProjectMember.created_at,
        )
        .join(Project, Project.id == ProjectMember.project_id)
        .where(
            ProjectMember.user_id == user_id,
            ProjectMember.project_id.in_(readable_projects(user_id)),
        )
        .order_by(ProjectMember.project_id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(ProjectMember.project_id > after)
    return await fetch_all(session, statement)


def _tasks(user_id: str, after: str | None, limit: int) -> AnySelect:
    statement = (
        select(
            Task.id,
            Task.workspace_id,
            Task.project_id,
            Project.key.label("project_key"),
            Project.name.label("project_name"),
            Task.number,
            Task.title,
            Task.description,
            Task.status,
            Task.priority,
            Task.assignee_id,
            Task.reporter_id,
            Task.parent_id,
            Task.due_at,
            Task.estimate_minutes,
            Task.created_at,
            Task.updated_at,
            Task.completed_at,
            Task.risk_level,
            Task.risk_score,
        )
        .join(Project, Project.id == Task.project_id)
        .where(Task.project_id.in_(readable_projects(user_id)))
        .order_by(Task.id)
        .limit(limit)
    )
    return statement if after is None else statement.where(Task.id > after)


async def tasks_created(session: AsyncSession, user_id: str, after: str | None, limit: int) -> Rows:
    """The tasks the user created (reported), by id (index on task (reporter_id, id))."""
    return await fetch_all(
        session, _tasks(user_id, after, limit).where(Task.reporter_id == user_id)
    )


async def tasks_assigned(
    session: AsyncSession, user_id: str, after: str | None, limit: int
) -> Rows:
    """The tasks assigned to the user that someone else created, by id (index on task
    (assignee_id, id)); with `tasks_created`, each of the user's tasks exactly once."""
    others = or_(Task.reporter_id.is_(None), Task.reporter_id != user_id)
    statement = _tasks(user_id, after, limit).where(Task.assignee_id == user_id, others)
    return await fetch_all(session, statement)


async def labels_of(session: AsyncSession, task_ids: Sequence[str]) -> Rows:
    """(task id, label name) of these tasks, one statement for a page of tasks."""
    statement = (
        select(TaskLabel.task_id, Label.name)
        .join(Label, Label.id == TaskLabel.label_id)
        .where(TaskLabel.task_id.in_(task_ids))
        .order_by(TaskLabel.task_id, Label.name)
    )
    return await fetch_all(session, statement)


async def dependencies_of(session: AsyncSession, task_ids: Sequence[str]) -> Rows:
    """(task id, the id of a task it depends on) of these tasks, one statement per page."""
    statement = (
        select(TaskDependency.task_id, TaskDependency.depends_on_id)
        .where(TaskDependency.task_id.in_(task_ids))
        .order_by(TaskDependency.task_id, TaskDependency.depends_on_id)
    )
    return await fetch_all(session, statement)


def _mine_on_tasks(
    model: Any,
    owner: Any,
    user_id: str,
    columns: Sequence[Any],
    after: tuple[datetime, str] | None,
    limit: int,
) -> AnySelect:
    """The user's rows of a table of task things (comments, time entries) on tasks they may
    read, oldest first, a keyset page of (created_at, id), each with its task's key."""
    statement = (
        select(
            model.id,
            model.task_id,
            Project.key.label("project_key"),
            Task.number,
            model.workspace_id,
            *columns,
            model.created_at,
            model.updated_at,
        )
        .join(Task, Task.id == model.task_id)
        .join(Project, Project.id == Task.project_id)
        .where(owner == user_id, Task.project_id.in_(readable_projects(user_id)))
        .order_by(model.created_at, model.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(model.created_at, model.id) > tuple_(*after))
    return statement


async def comments(
    session: AsyncSession, user_id: str, after: tuple[datetime, str] | None, limit: int
) -> Rows:
    """The user's comments on tasks they may read, oldest first."""
    statement = _mine_on_tasks(Comment, Comment.author_id, user_id, [Comment.body], after, limit)
    return await fetch_all(session, statement)


async def time_entries(
    session: AsyncSession, user_id: str, after: tuple[datetime, str] | None, limit: int
) -> Rows:
    """The user's time entries on tasks they may read, oldest first (a running timer too);
    a page of the (user_id, created_at, id) index."""
    columns = [
        TimeEntry.started_at,
        TimeEntry.ended_at,
        TimeEntry.minutes,
        TimeEntry.date,
        TimeEntry.note,
    ]
    statement = _mine_on_tasks(TimeEntry, TimeEntry.user_id, user_id, columns, after, limit)
    return await fetch_all(session, statement)


async def attachments(
    session: AsyncSession,
    user_id: str,
    after: tuple[str, datetime, str] | None,
    limit: int,
) -> Rows:
    """The ready files the user uploaded to tasks they may read, task by task."""
    statement = (
        select(
            Attachment.id,
            Attachment.task_id,
            Project.key.label("project_key"),
            Task.number,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
            Attachment.storage_key,
            Attachment.created_at,
        )
        .join(Task, Task.id == Attachment.task_id)
        .join(Project, Project.id == Task.project_id)
        .where(
            Attachment.uploader_id == user_id,
            Attachment.status == READY,
            Task.project_id.in_(readable_projects(user_id)),
        )
        .order_by(Attachment.task_id, Attachment.created_at, Attachment.id)
        .limit(limit)
    )
    if after is not None:
        position = tuple_(Attachment.task_id, Attachment.created_at, Attachment.id)
        statement = statement.where(position > tuple_(*after))
    return await fetch_all(session, statement)


async def notifications(
    session: AsyncSession, user_id: str, after: tuple[datetime, str] | None, limit: int
) -> Rows:
    """The user's inbox, oldest first: of workspaces they are still a member of, about no
    task or a task they may still read."""
    statement = (
        select(
            Notification.id,
            Notification.workspace_id,
            Notification.task_id,
            Notification.actor_id,
            Notification.type,
            Notification.summary,
            Notification.created_at,
            Notification.read_at,
        )
        .outerjoin(Task, Task.id == Notification.task_id)  # by primary key, row by row
        .where(
            Notification.user_id == user_id,
            Notification.workspace_id.in_(member_of(user_id)),
            or_(
                Notification.task_id.is_(None),
                Task.project_id.in_(readable_projects(user_id)),
            ),
        )
        .order_by(Notification.created_at, Notification.id)
        .limit(limit)
    )
    if after is not None:
        position = tuple_(Notification.created_at, Notification.id)
        statement = statement.where(position > tuple_(*after))
    return await fetch_all(session, statement)


async def api_tokens(
    session: AsyncSession, user_id: str, after: tuple[datetime, str] | None, limit: int
) -> Rows:
    """The user's API tokens, revoked ones too: metadata only, never the hash."""
    statement = (
        select(
            ApiToken.id,
            ApiToken.name,
            ApiToken.created_at,
            ApiToken.last_used_at,
            ApiToken.expires_at,
            ApiToken.revoked_at,
        )
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.created_at, ApiToken.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(ApiToken.created_at, ApiToken.id) > tuple_(*after))
    return await fetch_all(session, statement)
