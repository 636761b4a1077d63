"""Write a parsed file into a project through the task, comment and dependency services.

Everything runs in the caller's transaction: the job commits once at the end, or rolls the
whole import back, so an import never half-applies. A row the services refuse (a bad
title, a cycle) is left out with its reason; the rest is applied.

States, custom fields, ranks and recurrence are mapped by `planning.Planning`: loaded once
per project before the first task, used in `_task_body`, and the order of each column set
once every task exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.accounts.service import normalize_email
from smarttask.comments import service as comments
from smarttask.comments.schemas import CommentCreate
from smarttask.imports import repository
from smarttask.imports.ir import (
    ImportedComment,
    ImportedProject,
    ImportedTask,
    ImportedTimeEntry,
    Mapping,
    Refusal,
)
from smarttask.imports.planning import Planning
from smarttask.kit.problems import ValidationFailed
from smarttask.projects.models import Project
from smarttask.tasks import service as tasks
from smarttask.tasks.models import Task
from smarttask.tasks.schemas import TaskCreate
from smarttask.timetracking import service as timetracking
from smarttask.timetracking.schemas import TimeEntryCreate
from smarttask.workspaces.roles import Role

# The report lists at most this many mappings and refusals (then says how many more).
MAX_REPORTED = 500
# The roles whose time an import keeps (the roles that may log time through the API).
_LOGGERS = tuple(role.value for role in Role if role.at_least(Role.MEMBER))


@dataclass(slots=True)
class Counts:
    """What an import created."""

    tasks: int = 0
    labels: int = 0
    comments: int = 0
    dependencies: int = 0
    time_entries: int = 0


@dataclass(slots=True)
class Report:
    """What an import created, translated and refused."""

    created: Counts = field(default_factory=Counts)
    mapped: list[Mapping] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The report's body (`{created, mapped, refused}`), its lists capped."""
        return {
            "created": {
                "tasks": self.created.tasks,
                "labels": self.created.labels,
                "comments": self.created.comments,
                "dependencies": self.created.dependencies,
                "time_entries": self.created.time_entries,
            },
            "mapped": [{"from": m.source, "to": m.target} for m in self.mapped[:MAX_REPORTED]],
            "refused": [{"item": r.item, "reason": r.reason} for r in self.refused[:MAX_REPORTED]],
            "refused_total": len(self.refused),
        }


def _reason(error: ValidationError | ValidationFailed) -> str:
    if isinstance(error, ValidationFailed):
        return str(error.detail)
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def _ordered(parsed: ImportedProject, report: Report) -> list[ImportedTask]:
    """The tasks, each parent before its subtasks; duplicates, orphans and cycles refused."""
    by_ref: dict[str, ImportedTask] = {}
    for task in parsed.tasks:
        if task.ref in by_ref:
            report.refused.append(Refusal(task.origin, f"ref {task.ref!r} appears twice"))
            continue
        by_ref[task.ref] = task
    ordered: list[ImportedTask] = []
    placed: set[str] = set()
    refused: set[str] = set()
    for task in by_ref.values():
        # Walk up to the first placed (or top-level) ancestor, then place downwards.
        chain: list[ImportedTask] = []
        seen: set[str] = set()
        current: ImportedTask | None = task
        reason = ""
        while current is not None and current.ref not in placed:
            if current.ref in refused:
                reason = "its parent is not imported"
                break
            if current.ref in seen:
                reason = "its parents form a cycle"
                break
            seen.add(current.ref)
            chain.append(current)
            parent = current.parent_ref
            if parent is None:
                current = None
            elif parent not in by_ref:
                reason = f"its parent {parent!r} is not in the file"
                break
            else:
                current = by_ref[parent]
        if reason:
            for failed in chain:
                if failed.ref not in refused:
                    refused.add(failed.ref)
                    report.refused.append(Refusal(failed.origin, reason))
            continue
        for ready in reversed(chain):
            placed.add(ready.ref)
            ordered.append(ready)
    return ordered


class _Applier:
    def __init__(
        self,
        session: AsyncSession,
        user: User,
        project: Project,
        parsed: ImportedProject,
        created: dict[str, Task] | None = None,
    ) -> None:
        self.session, self.user, self.project = session, user, project
        self.parsed = parsed
        self.report = Report(mapped=list(parsed.mapped), refused=list(parsed.refused))
        self.members: dict[str, str] = {}
        # Of the members, those who may log time (members and up), by email.
        self.loggers: dict[str, str] = {}
        # Imported tasks by ref; shared by the projects of a workspace's import.
        self.created: dict[str, Task] = {} if created is None else created
        self.ordered: list[ImportedTask] = []
        self.existing: set[str] = set()
        self.planning = Planning(session, user, project, parsed, self.map, self.refuse)

    def map(self, source: str, target: str) -> None:
        if not any(m.source == source and m.target == target for m in self.report.mapped):
            self.report.mapped.append(Mapping(source, target))

    def refuse(self, item: str, reason: str) -> None:
        self.report.refused.append(Refusal(item, reason))

    async def create_all(self) -> None:
        """Create the tasks and their comments (the first pass)."""
        ordered = self.ordered = _ordered(self.parsed, self.report)
        emails = {
            normalize_email(e)
            for t in ordered
            for e in (t.assignee_email, *(c.author_email for c in t.comments))
            if e
        } | self.planning.emails(ordered)
        workspace_id = self.project.workspace_id
        self.members = await repository.members_by_email(self.session, workspace_id, emails)
        people = {
            normalize_email(e.user_email) for t in ordered for e in t.time_entries if e.user_email
        }
        self.loggers = await repository.members_by_email(
            self.session, workspace_id, people, roles=_LOGGERS
        )
        keys = {name.strip().casefold() for t in ordered for name in t.labels if name.strip()}
        self.existing = await repository.existing_label_keys(self.session, workspace_id, keys)
        await self.planning.load(ordered, self.members)
        for task in ordered:
            await self._create(task)
        await self.planning.reorder(self.created)

    async def link_all(self) -> Report:
        """Add the dependencies (the second pass, once every task exists); the report."""
        for task in self.ordered:
            await self._link(task)
        used = {
            name.strip().casefold()
            for t in self.ordered
            if t.ref in self.created
            for name in t.labels
            if name.strip()
        }
        self.report.created.labels = len(used - self.existing)
        return self.report

    def _member(self, email: str | None, what: str) -> str | None:
        if not email:
            return None
        found = self.members.get(normalize_email(email))
        self.map(f"{what} {email}", "member" if found else "unassigned (not a member)")
        return found

    def _task_body(self, task: ImportedTask, parent: Task | None) -> TaskCreate:
        """The task as the tasks service takes it (states, fields, recurrence plug in here)."""
        state_id = self.planning.state_id(task)
        recurrence = self.planning.recurrence(task)
        return TaskCreate.model_validate(
            {
                "title": task.title,
                "description": task.description,
                # A state found sets the status (its category); otherwise the status places it.
                **({"state_id": state_id} if state_id else {"status": task.status}),
                **({"recurrence": recurrence} if recurrence else {}),
                "fields": self.planning.values(task),
                "priority": task.priority,
                "assignee_id": self._member(task.assignee_email, "user"),
                "labels": [name for name in task.labels if name.strip()],
                "parent_id": parent.id if parent is not None else None,
                "due_at": task.due_at,
                "estimate_minutes": task.estimate_minutes,
            }
        )

    async def _create(self, task: ImportedTask) -> None:
        parent = self.created.get(task.parent_ref) if task.parent_ref else None
        if task.parent_ref and parent is None:
            self.refuse(task.origin, f"its parent {task.parent_ref!r} is not imported")
            return
        try:
            body = self._task_body(task, parent)
        except ValidationError as error:
            self.refuse(task.origin, _reason(error))
            return
        try:
            created, _ = await tasks.create(self.session, self.user, self.project, body)
        except ValidationFailed as error:
            self.refuse(task.origin, _reason(error))
            return
        self.created[task.ref] = created
        self.report.created.tasks += 1
        for index, comment in enumerate(task.comments):
            await self._comment(task, created, index, comment.body, comment)
        for index, entry in enumerate(task.time_entries):
            await self._time_entry(task, created, index, entry)

    async def _comment(
        self, task: ImportedTask, created: Task, index: int, body: str, source: ImportedComment
    ) -> None:
        try:
            text = CommentCreate.model_validate({"body": body}).body
        except ValidationError as error:
            self.refuse(f"{task.origin} comment {index + 1}", _reason(error))
            return
        comment = await comments.create(self.session, self.user, created, text)
        author = self._member(source.author_email, "comment author")
        if author is not None or source.created_at is not None:
            comment.author_id = author or comment.author_id
            comment.created_at = source.created_at or comment.created_at
            await self.session.flush()
        self.report.created.comments += 1

    async def _time_entry(
        self, task: ImportedTask, created: Task, index: int, source: ImportedTimeEntry
    ) -> None:
        """One entry, checked as a new entry through the API is; its person must be a member
        who may log time (time is never moved onto the importer)."""
        item = f"{task.origin} time entry {index + 1}"
        email = source.user_email
        user_id = self.loggers.get(normalize_email(email)) if email else None
        if user_id is None:
            who = email or "an erased person"
            self.refuse(item, f"{who} is not a member of the workspace who may log time")
            return
        try:
            body = TimeEntryCreate.model_validate(source.values)
            await timetracking.add_entry(
                self.session, self.user, created, user_id, body, source.created_at
            )
        except (ValidationError, ValidationFailed) as error:
            self.refuse(item, _reason(error))
            return
        self.report.created.time_entries += 1

    async def _link(self, task: ImportedTask) -> None:
        created = self.created.get(task.ref)
        if created is None:
            return
        for ref in task.depends_on:
            other = self.created.get(ref)
            item = f"{task.origin} dependency on {ref}"
            if other is None:
                self.refuse(item, "the task depended on is not imported")
                continue
            try:
                await tasks.add_dependency(self.session, self.user, created, other.id)
            except ValidationFailed as error:
                self.refuse(item, _reason(error))
                continue
            self.report.created.dependencies += 1


async def apply(
    session: AsyncSession, user: User, project: Project, parsed: ImportedProject
) -> Report:
    """Write the parsed file into the project as `user`; the report of what happened."""
    return (await apply_many(session, user, [(project, parsed)]))[0]


async def apply_many(
    session: AsyncSession, user: User, parts: list[tuple[Project, ImportedProject]]
) -> list[Report]:
    """Write several projects' files, their tasks' refs shared (a workspace's import:
    dependencies may cross projects); a report per project."""
    created: dict[str, Task] = {}
    appliers = [_Applier(session, user, p, parsed, created) for p, parsed in parts]
    for one in appliers:
        await one.create_all()
    return [await one.link_all() for one in appliers]
