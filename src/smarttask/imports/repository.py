"""All SQL of imports and exports: the import rows, and what an export reads of a project."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import not_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from smarttask.accounts.models import User
from smarttask.comments.models import Comment
from smarttask.imports.models import PENDING, RUNNING, ProjectImport
from smarttask.projects.models import Project
from smarttask.tasks.models import Label, Task
from smarttask.timetracking.models import RUNNING_ENTRY, TimeEntry
from smarttask.workspaces.models import Membership


async def add(session: AsyncSession, row: ProjectImport) -> None:
    """Insert an import."""
    session.add(row)
    await session.flush()


async def get(
    session: AsyncSession, import_id: str, *, content: bool = False
) -> ProjectImport | None:
    """One import; its file's bytes only when asked for (the job's read)."""
    statement = select(ProjectImport).where(ProjectImport.id == import_id)
    if not content:
        statement = statement.options(defer(ProjectImport.content))
    return (await session.execute(statement)).scalar_one_or_none()


async def list_for_project(
    session: AsyncSession, project_id: str, after: tuple[datetime, str] | None, limit: int
) -> Sequence[ProjectImport]:
    """A project's imports, newest first, after a keyset position."""
    statement = (
        select(ProjectImport)
        .options(defer(ProjectImport.content))
        .where(ProjectImport.project_id == project_id)
    )
    if after is not None:
        statement = statement.where(
            tuple_(ProjectImport.created_at, ProjectImport.id) < tuple_(*after)
        )
    statement = statement.order_by(ProjectImport.created_at.desc(), ProjectImport.id.desc()).limit(
        limit
    )
    return (await session.execute(statement)).scalars().all()


async def mark_running(session: AsyncSession, import_id: str) -> bool:
    """Mark a pending (or interrupted) import running; False if it already ended."""
    result = await session.execute(
        update(ProjectImport)
        .where(ProjectImport.id == import_id, ProjectImport.status.in_((PENDING, RUNNING)))
        .values(status=RUNNING)
    )
    return bool(getattr(result, "rowcount", 0))


async def finish(
    session: AsyncSession,
    import_id: str,
    status: str,
    now: datetime,
    *,
    report: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Record how an import ended and drop its file's bytes."""
    await session.execute(
        update(ProjectImport)
        .where(ProjectImport.id == import_id)
        .values(status=status, report=report, error=error, finished_at=now, content=None)
    )


async def members_by_email(
    session: AsyncSession,
    workspace_id: str,
    emails: Iterable[str],
    roles: Collection[str] | None = None,
) -> dict[str, str]:
    """User ids of the workspace's members among `emails` (given as accounts store them,
    so that the unique email index finds them), by email; only those of `roles` if given."""
    wanted = sorted(set(emails))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        statement = (
            select(User.email, User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.workspace_id == workspace_id,
                User.email.in_(wanted[start : start + 500]),
            )
        )
        if roles is not None:
            statement = statement.where(Membership.role.in_(sorted(roles)))
        found.update({email or "": user_id for email, user_id in await session.execute(statement)})
    return found


async def emails_of(session: AsyncSession, user_ids: set[str]) -> dict[str, str]:
    """The email of each user (erased users have none)."""
    if not user_ids:
        return {}
    statement = select(User.id, User.email).where(User.id.in_(sorted(user_ids)))
    return {user_id: email for user_id, email in await session.execute(statement) if email}


async def existing_label_keys(
    session: AsyncSession, workspace_id: str, keys: Iterable[str]
) -> set[str]:
    """Which of the (case-folded) label names the workspace already has."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        statement = select(Label.name_key).where(
            Label.workspace_id == workspace_id, Label.name_key.in_(wanted[start : start + 500])
        )
        found.update((await session.execute(statement)).scalars())
    return found


async def task_page(
    session: AsyncSession, project_id: str, after_number: int, limit: int
) -> Sequence[Task]:
    """A project's tasks by number, after `after_number` (the (project_id, number) key)."""
    statement = (
        select(Task)
        .where(Task.project_id == project_id, Task.number > after_number)
        .order_by(Task.number)
        .limit(limit)
    )
    return (await session.execute(statement)).scalars().all()


async def comments_of(session: AsyncSession, task_ids: list[str]) -> Sequence[Comment]:
    """The comments of a page of tasks, oldest first (the (task_id, created_at) index)."""
    if not task_ids:
        return []
    statement = (
        select(Comment)
        .where(Comment.task_id.in_(task_ids))
        .order_by(Comment.task_id, Comment.created_at, Comment.id)
    )
    return (await session.execute(statement)).scalars().all()


async def time_entries_of(session: AsyncSession, task_ids: list[str]) -> Sequence[TimeEntry]:
    """The finished time entries of a page of tasks, oldest first (the (task_id,
    created_at) index); a running timer is not time spent yet."""
    if not task_ids:
        return []
    statement = (
        select(TimeEntry)
        .where(
            TimeEntry.task_id.in_(task_ids),
            not_(RUNNING_ENTRY),
        )
        .order_by(TimeEntry.task_id, TimeEntry.created_at, TimeEntry.id)
    )
    return (await session.execute(statement)).scalars().all()


async def refs_of(session: AsyncSession, task_ids: set[str]) -> dict[str, str]:
    """The key (`WEB-12`) of each task."""
    if not task_ids:
        return {}
    statement = (
        select(Task.id, Project.key, Task.number)
        .join(Project, Project.id == Task.project_id)
        .where(Task.id.in_(sorted(task_ids)))
    )
    rows = (await session.execute(statement)).all()
    return {task_id: f"{key}-{number}" for task_id, key, number in rows}


async def workspace_projects(session: AsyncSession, workspace_id: str) -> Sequence[Project]:
    """Every project of a workspace, oldest first."""
    statement = (
        select(Project)
        .where(Project.workspace_id == workspace_id)
        .order_by(Project.created_at, Project.id)
    )
    return (await session.execute(statement)).scalars().all()


async def members_with_email(session: AsyncSession, workspace_id: str) -> list[tuple[str, str]]:
    """(email, role) of each member of the workspace who still has an email."""
    statement = (
        select(User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id, User.email.is_not(None))
        .order_by(User.email)
    )
    return [(email or "", role) for email, role in await session.execute(statement)]


async def label_names(session: AsyncSession, workspace_id: str) -> list[str]:
    """Every label name of a workspace."""
    statement = select(Label.name).where(Label.workspace_id == workspace_id).order_by(Label.name)
    return list((await session.execute(statement)).scalars())


async def first_owner(session: AsyncSession, workspace_id: str) -> User | None:
    """The workspace's earliest owner."""
    statement = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id, Membership.role == "owner")
        .order_by(Membership.created_at)
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    """The user with this (stored-form) email."""
    statement = select(User).where(User.email == email)
    return (await session.execute(statement)).scalar_one_or_none()


async def is_member(session: AsyncSession, workspace_id: str, email: str) -> bool:
    """Whether the user with this email is a member of the workspace."""
    found = await members_by_email(session, workspace_id, [email])
    return bool(found)
