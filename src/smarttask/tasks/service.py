"""Task rules: numbering, assignees, subtasks, dependencies, labels, and the trail of changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from smarttask.accounts.models import User
from smarttask.activity import feed
from smarttask.activity import service as activity
from smarttask.activity.schemas import ActivityRead
from smarttask.db.types import new_id, utcnow
from smarttask.fields import service as custom_fields
from smarttask.kit.pagination import Page, fetch_page
from smarttask.kit.problems import NotFound, ValidationFailed
from smarttask.projects import repository as projects
from smarttask.projects.models import Project
from smarttask.tasks import field_lists, placing, recurring, repository
from smarttask.tasks.bodies import ObjectValues, task_body
from smarttask.tasks.models import Task
from smarttask.tasks.query import TaskQuery, encode_position
from smarttask.tasks.schemas import (
    Priority,
    Status,
    TaskCounts,
    TaskCreate,
    TaskRead,
    TaskUpdate,
)
from smarttask.workflow import repository as workflow
from smarttask.workspaces import repository as workspaces
from smarttask.workspaces.access import (
    PRIVATE,
    WorkspaceAccess,
    check_project,
    project_access,
    require_role,
)
from smarttask.workspaces.roles import Role

# Risk, history, trash and events are imported by the writes that use them: a first task
# read (a Lambda cold start) does not load them.
if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from smarttask.history import service as history
    from smarttask.history.effects import State

MISSING = "There is no such task."
_TRACKED = (
    "project_id",
    "title",
    "description",
    "status",
    "priority",
    "assignee_id",
    "parent_id",
    "due_at",
    "estimate_minutes",
    "labels",
    "state_id",
)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[{"loc": ["body", field], "msg": message, "type": "value_error"}]
    )


def _values(task: Task, labels: list[str]) -> dict[str, Any]:
    values = {field: getattr(task, field) for field in _TRACKED if field != "labels"}
    values["priority"] = Priority.of_rank(task.priority).value
    values["labels"] = sorted(labels, key=str.casefold)
    values["recurrence"] = recurring.value(task)
    return values


async def to_read(session: AsyncSession, rows: list[tuple[Task, str]]) -> list[TaskRead]:
    """Task bodies for a page, loading labels and dependencies in two queries in all."""
    ids = [task.id for task, _ in rows]
    labels = await repository.labels_of(session, ids)
    depends = await repository.dependencies_of(session, ids)
    names = await workflow.names_of(session, [task.state_id for task, _ in rows])
    fields = await custom_fields.read_values(session, ids)
    return [
        TaskRead.model_validate(
            task_body(
                ObjectValues(task, state_name=names.get(task.state_id)),
                key,
                labels.get(task.id, ()),
                depends.get(task.id, ()),
                fields.get(task.id),
            )
        )
        for task, key in rows
    ]


async def read_one(session: AsyncSession, task: Task, key: str) -> TaskRead:
    """The body of one task."""
    return (await to_read(session, [(task, key)]))[0]


async def list_page(session: AsyncSession, query: TaskQuery, limit: int) -> Page[TaskRead]:
    """One page of a validated task list query, read through the session."""
    rows = await fetch_page(
        query.after,
        limit,
        lambda after, size: field_lists.phased(
            replace(query, after=after),
            size,
            lambda part, n: repository.list_tasks(session, part, limit=n),
        ),
        lambda row: encode_position(query.cursor_tag, row[2], row[0].id),
    )
    items = await to_read(session, [(task, key) for task, key, _ in rows.items])
    return Page(items=items, next_cursor=rows.next_cursor)


async def count_by_status(session: AsyncSession, project: Project) -> TaskCounts:
    """How many tasks of the project are in each status (the project's access is checked)."""
    found = await repository.count_by_status(session, project.id)
    return TaskCounts.model_validate(
        {status.value: found.get(status.value, 0) for status in Status}
    )


async def load(session: AsyncSession, user: User, task_id: str, minimum: Role) -> tuple[Task, str]:
    """A task the user may act on with at least `minimum`; 404 or 403 otherwise."""
    task, key, _ = await load_with_access(session, user, task_id, minimum)
    return task, key


async def load_with_access(
    session: AsyncSession, user: User, task_id: str, minimum: Role
) -> tuple[Task, str, WorkspaceAccess]:
    """As `load`, with the caller's access to the task's workspace (its role, its name).

    One statement reads the task and what decides the access (`repository.get_for_caller`).
    """
    found = await repository.get_for_caller(session, task_id, user.id)
    if found is None:
        raise NotFound(MISSING)
    task, key, workspace, membership, visibility, project_member = found
    access = project_access(
        user,
        workspace,
        membership,
        minimum,
        private=visibility == PRIVATE,
        project_member=project_member,
        missing=MISSING,
    )
    return task, key, access


async def _sees(
    session: AsyncSession,
    user: User,
    workspace_id: str,
    project_id: str | None,
    task_id: str | None,
) -> bool:
    """Whether a project (or a task's) of the workspace exists for the user, as a member."""
    try:
        access = await require_role(session, user, workspace_id, Role.MEMBER, missing=MISSING)
        await check_project(session, access, project_id, task_id=task_id, missing=MISSING)
    except NotFound:
        return False
    return True


async def _check_assignee(
    session: AsyncSession, workspace_id: str, assignee_id: str | None
) -> None:
    if (
        assignee_id is not None
        and await workspaces.get_membership(session, workspace_id, assignee_id) is None
    ):
        raise _invalid("assignee_id", "The assignee must be a member of the workspace.")


async def _check_parent(session: AsyncSession, task: Task, parent_id: str | None) -> None:
    if parent_id is None:
        return
    found = await repository.get(session, parent_id)
    if found is None or found[0].project_id != task.project_id:
        raise _invalid("parent_id", "The parent must be a task of the same project.")
    await repository.lock_workspace(session, task.workspace_id)
    if parent_id == task.id or await repository.reaches(session, parent_id, task.id, via="parent"):
        raise _invalid("parent_id", "A task cannot be its own ancestor.")


async def _apply_labels(
    session: AsyncSession, user: User, task: Task, names: list[str], *, fresh: bool = False
) -> None:
    if fresh and not names:
        return  # a task just inserted has no labels to replace
    ids, created = await repository.ensure_labels(session, task.workspace_id, names, utcnow())
    for label_id, name in created:
        activity.record(
            session,
            workspace_id=task.workspace_id,
            project_id=task.project_id,
            actor_id=user.id,
            action="created",
            entity_type="label",
            entity_id=label_id,
            changes=activity.snapshot({"name": name}),
        )
    await repository.set_labels(session, task.id, list(ids.values()))


def _fields(changes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Custom field changes as one trail entry: {"fields": {old: {...}, new: {...}}}."""
    if not changes:
        return {}
    old = {field_id: change["old"] for field_id, change in changes.items()}
    return {"fields": {"old": old, "new": {i: c["new"] for i, c in changes.items()}}}


def _event_task(task: Task) -> dict[str, Any]:
    """What a task event says of the task (its state after the change)."""
    return {
        "id": task.id,
        "workspace_id": task.workspace_id,
        "project_id": task.project_id,
        "number": task.number,
        "title": task.title,
        "status": task.status,
        "state_id": task.state_id,
        "priority": Priority.of_rank(task.priority).value,
        "assignee_id": task.assignee_id,
        "reporter_id": task.reporter_id,
        "parent_id": task.parent_id,
        "due_at": task.due_at,
        "version": task.version,
        "updated_at": task.updated_at,
    }


def publish(
    session: AsyncSession,
    type: str,
    user: User,
    task: Task,
    changes: dict[str, Any],
    **extra: Any,
) -> None:
    """Publish a task event (`type`) with the task's state after the change."""
    from smarttask.events import outbox

    outbox.emit(
        session,
        type,
        {"task": _event_task(task), "changes": changes, **extra},
        workspace_id=task.workspace_id,
        project_id=task.project_id,
        actor_id=user.id,
    )


def publish_update(session: AsyncSession, user: User, task: Task, changes: dict[str, Any]) -> None:
    """Publish `task.updated` with these changes (a change made outside `update`)."""
    publish(session, "task.updated", user, task, changes)


def _state(task: Task) -> State:
    """What the history keeps of a task."""
    from smarttask.history.effects import State

    return State(
        project_id=task.project_id,
        assignee_id=task.assignee_id,
        status=task.status,
        priority=task.priority,
        due_at=task.due_at,
        estimate_minutes=task.estimate_minutes,
        created_at=task.created_at,
    )


def _completion(task: Task, status: str, now: datetime) -> None:
    if status == Status.DONE and task.completed_at is None:
        task.completed_at = now
    elif status != Status.DONE:
        task.completed_at = None


async def create(
    session: AsyncSession,
    user: User,
    project: Project,
    body: TaskCreate,
    *,
    series_of: Task | None = None,
) -> tuple[Task, str]:
    """A new task numbered by the project's counter; the reporter is the caller.

    `series_of`: the recurring task whose completion this next occurrence follows.
    """
    from smarttask.history import service as history
    from smarttask.tasks.scoring import service as risk

    await _check_assignee(session, project.workspace_id, body.assignee_id)
    sent_status = body.status.value if "status" in body.model_fields_set else None
    state = await placing.for_create(session, project.id, body.state_id, sent_status)
    now = utcnow()
    task = Task(
        id=new_id(),
        workspace_id=project.workspace_id,
        project_id=project.id,
        number=await projects.next_task_number(session, project.id),
        title=body.title,
        description=body.description,
        status=state.category,
        state_id=state.id,
        rank=await placing.end_of(session, project.id, state.id),
        priority=body.priority.rank,
        assignee_id=body.assignee_id,
        reporter_id=user.id,
        parent_id=None,
        due_at=body.due_at,
        estimate_minutes=body.estimate_minutes,
        created_at=now,
        updated_at=now,
        version=1,
        reschedule_count=0,
    )
    _completion(task, task.status, now)
    await _check_parent(session, task, body.parent_id)
    task.parent_id = body.parent_id
    # Every check before the task is written: a refusal leaves nothing behind, even for a
    # caller that goes on in the same transaction (an import).
    planned_fields = await custom_fields.plan_values(session, task.workspace_id, body.fields)
    sent = "recurrence" in body.model_fields_set
    await recurring.write(session, task, body.recurrence, sent=sent, now=now, series_of=series_of)
    await risk.score_task(session, task, dependencies=False, now=now)
    session.add(task)
    await session.flush()
    await _apply_labels(session, user, task, body.labels, fresh=True)
    field_changes = await custom_fields.write_planned(session, task.id, planned_fields)
    await history.record(
        session, task.workspace_id, [history.Change(task.id, task.version, now, None, _state(task))]
    )
    activity.record(
        session,
        workspace_id=task.workspace_id,
        project_id=task.project_id,
        actor_id=user.id,
        action="created",
        entity_type="task",
        entity_id=task.id,
        changes={**activity.snapshot(_values(task, body.labels)), **_fields(field_changes)},
    )
    publish(
        session,
        "task.created",
        user,
        task,
        _fields(field_changes),
        key=f"{project.key}-{task.number}",
        description=task.description,
        **({"recurrence_of": series_of.id} if series_of is not None else {}),
    )
    return task, project.key


async def update(session: AsyncSession, user: User, task: Task, body: TaskUpdate) -> Task:
    """Apply a partial change; the version check keeps concurrent writers from losing updates."""
    from smarttask.history import service as history
    from smarttask.tasks.scoring import service as risk

    changes = body.model_dump(exclude_unset=True)
    # The labels are read only when they may change: otherwise they diff as equal anyway.
    labels_before: list[str] = []
    if "labels" in changes:
        labels_before = (await repository.labels_of(session, [task.id])).get(task.id, [])
    before = _values(task, labels_before)
    state_before = _state(task)
    now = utcnow()  # the completion, the update and the history's fact share one instant
    for required in ("title", "status", "priority", "description", "project_id", "state_id"):
        if required in changes and changes[required] is None:
            raise _invalid(required, f"{required} cannot be null.")
    if "status" in changes:
        changes["status"] = Status(changes["status"]).value
    new_rank = await placing.for_update(session, task, changes)
    if "assignee_id" in changes:
        await _check_assignee(session, task.workspace_id, changes["assignee_id"])
    if "parent_id" in changes:
        await _check_parent(session, task, changes["parent_id"])
    for field, value in changes.items():
        if field in ("labels", "project_id", "fields", "recurrence"):
            continue
        if field == "priority":
            value = Priority(value).rank
        elif field == "status":
            value = Status(value).value
            _completion(task, value, now)
        elif field == "due_at" and task.due_at is not None and value not in (None, task.due_at):
            task.reschedule_count = (task.reschedule_count or 0) + 1
        setattr(task, field, value)
    await recurring.write(session, task, body.recurrence, sent="recurrence" in changes, now=now)
    moved: list[history.Change] = []
    if changes.get("project_id", task.project_id) != task.project_id:
        moved = await _move(session, user, task, changes["project_id"], now)
    if new_rank is not None:
        task.rank = new_rank
    labels_after = labels_before
    if "labels" in changes:
        labels_after = changes["labels"] or []  # null clears them, like an empty list
        await _apply_labels(session, user, task, labels_after)
    changed = activity.diff(before, _values(task, labels_after))
    fields = await custom_fields.write_values(
        session, task.workspace_id, task.id, changes.get("fields")
    )
    changed.update(_fields(fields))
    if changed:
        task.updated_at = now  # also bumps the version, even when only labels changed
        await risk.score_task(session, task, now=task.updated_at)
        await session.flush()
        if _state(task) != state_before:
            change = history.Change(
                task.id, task.version, task.updated_at, state_before, _state(task)
            )
            await history.record(session, task.workspace_id, [change, *moved])
        if "status" in changed or "due_at" in changed:
            await risk.rescore_dependents(session, [task.id])
        was_open, is_open = (
            s in (Status.TODO, Status.IN_PROGRESS) for s in (before["status"], task.status)
        )
        if was_open != is_open or "assignee_id" in changed:
            await risk.assignees_changed(
                session, task.workspace_id, [before["assignee_id"], task.assignee_id]
            )
        activity.record(
            session,
            workspace_id=task.workspace_id,
            project_id=task.project_id,
            actor_id=user.id,
            action="updated",
            entity_type="task",
            entity_id=task.id,
            changes=changed,
        )
        publish(session, "task.updated", user, task, changed)
        if "status" in changed and task.status == Status.DONE:
            await recurring.complete(session, user, task, now, create)
    return task


async def _move(
    session: AsyncSession, user: User, task: Task, project_id: str, now: datetime
) -> list[history.Change]:
    """Move a task and its subtasks to another project of the workspace, renumbered there.

    The subtasks' history changes; the task's own is the caller's to record with its other
    changes.
    """
    from smarttask.history import service as history

    target = await projects.get(session, project_id)
    if (
        target is None
        or target.workspace_id != task.workspace_id
        or not await _sees(session, user, task.workspace_id, target.id, None)
    ):
        raise _invalid("project_id", "The project must be one of the task's workspace.")
    if task.parent_id is not None:
        raise _invalid(
            "project_id", "A subtask moves with its parent: move the parent, or detach it first."
        )
    subtasks = await repository.load_many(
        session, [i for i in await repository.subtree_ids(session, task.id) if i != task.id]
    )
    befores = {sub.id: _state(sub) for sub in subtasks}
    for moving in (task, *subtasks):
        moving.project_id = target.id
        moving.number = await projects.next_task_number(session, target.id)
    for sub in subtasks:
        sub.updated_at = now
        await placing.follow_project(session, sub, target.id)
    await session.flush()
    changes = []
    for sub in subtasks:
        changes.append(history.Change(sub.id, sub.version, now, befores[sub.id], _state(sub)))
        activity.record(
            session,
            workspace_id=task.workspace_id,
            project_id=task.project_id,
            actor_id=user.id,
            action="updated",
            entity_type="task",
            entity_id=sub.id,
            changes={"project_id": {"old": befores[sub.id].project_id, "new": target.id}},
        )
        publish(
            session,
            "task.updated",
            user,
            sub,
            {"project_id": {"old": befores[sub.id].project_id, "new": target.id}},
        )
    return changes


async def delete(session: AsyncSession, user: User, task: Task, retention_days: int) -> None:
    """Move a task with its subtasks, comments and links to the trash; each is in the trail."""
    from smarttask.events import outbox
    from smarttask.history import service as history
    from smarttask.tasks.scoring import service as risk
    from smarttask.tasks.trash import keeping as trash

    doomed = await repository.subtree_ids(session, task.id)
    await trash.keep(session, user, task, doomed, retention_days)
    for task_id in doomed:
        activity.record(
            session,
            workspace_id=task.workspace_id,
            project_id=task.project_id,
            actor_id=user.id,
            action="deleted",
            entity_type="task",
            entity_id=task_id,
            changes={"subtask_of": {"old": task.id, "new": None}}
            if task_id != task.id
            else activity.removal({"title": task.title, "number": task.number}),
        )
    for task_id in doomed:
        outbox.emit(
            session,
            "task.deleted",
            {
                "task": {
                    "id": task_id,
                    "workspace_id": task.workspace_id,
                    "project_id": task.project_id,
                }
            },
            workspace_id=task.workspace_id,
            project_id=task.project_id,
            actor_id=user.id,
        )
    dependents = await risk.dependents(session, doomed)
    await history.forget(session, task.workspace_id, doomed, utcnow())
    await repository.delete_tasks(session, doomed)
    await risk.rescore_tasks(session, dependents)
    await risk.assignees_changed(session, task.workspace_id, [task.assignee_id])


async def add_dependency(session: AsyncSession, user: User, task: Task, depends_on_id: str) -> None:
    """Make `task` depend on another task of the same workspace; cycles are refused."""
    from smarttask.tasks.scoring import service as risk

    other = await repository.get(session, depends_on_id)
    if (
        other is None
        or other[0].workspace_id != task.workspace_id
        or not await _sees(session, user, task.workspace_id, other[0].project_id, None)
    ):
        raise _invalid("depends_on_id", "The task depended on must be in the same workspace.")
    if depends_on_id == task.id:
        raise _invalid("depends_on_id", "A task cannot depend on itself.")
    await repository.lock_workspace(session, task.workspace_id)
    if await repository.reaches(session, depends_on_id, task.id, via="dependency"):
        raise _invalid("depends_on_id", "This dependency would close a cycle.")
    if await repository.add_dependency(session, task.id, depends_on_id, utcnow()):
        activity.record(
            session,
            workspace_id=task.workspace_id,
            project_id=task.project_id,
            actor_id=user.id,
            action="created",
            entity_type="dependency",
            entity_id=task.id,
            changes=activity.snapshot({"task_id": task.id, "depends_on_id": depends_on_id}),
        )
        await risk.rescore_task(session, task)


async def remove_dependency(
    session: AsyncSession, user: User, task: Task, depends_on_id: str
) -> None:
    """Drop a dependency; 404 if there is none."""
    from smarttask.tasks.scoring import service as risk

    if not await repository.remove_dependency(session, task.id, depends_on_id):
        raise NotFound("This task has no such dependency.")
    activity.record(
        session,
        workspace_id=task.workspace_id,
        project_id=task.project_id,
        actor_id=user.id,
        action="deleted",
        entity_type="dependency",
        entity_id=task.id,
        changes=activity.removal({"task_id": task.id, "depends_on_id": depends_on_id}),
    )
    await risk.rescore_task(session, task)


async def list_activity(
    session: AsyncSession, user: User, task_id: str, cursor: str | None, limit: int
) -> Page[ActivityRead]:
    """Everything that happened to one task, newest first, to its workspace's viewers."""
    task, _ = await load(session, user, task_id, Role.VIEWER)
    return await feed.for_entity(session, task.workspace_id, ("task", task.id), cursor, limit)
