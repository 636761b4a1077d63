"""A whole workspace as one JSON document (`smarttask-workspace/1`), and back: the CLI's.

`{"format": "smarttask-workspace/1", "workspace": {name, timezone}, "members": [{email,
role}], "labels": [name], "fields": [{name, type, options}], "projects": [{name, key,
description, visibility, states: [{name, category, color, position}], tasks: [task]}]}`
where a task is the project export's (formats/smarttask.py); refs are `KEY-number`, so a
dependency may name a task of another project.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.db.types import utcnow
from smarttask.fields import repository as field_rows
from smarttask.fields import service as fields
from smarttask.fields.schemas import MAX_FIELDS, FieldCreate
from smarttask.imports import applier, exporter, repository
from smarttask.imports.formats.smarttask import planning_from, task_from
from smarttask.imports.ir import FormatError, ImportedField, ImportedProject, ImportedState
from smarttask.projects import service as projects
from smarttask.projects.models import Project
from smarttask.projects.schemas import ProjectCreate
from smarttask.tasks import repository as task_rows
from smarttask.workflow import repository as state_rows
from smarttask.workflow import service as workflow
from smarttask.workflow.schemas import StateCreate, StateUpdate
from smarttask.workspaces import service as workspaces
from smarttask.workspaces.access import require_role
from smarttask.workspaces.models import Workspace
from smarttask.workspaces.roles import Role

FORMAT = "smarttask-workspace/1"


async def chunks(session: AsyncSession, workspace: Workspace) -> AsyncIterator[bytes]:
    """The workspace as JSON, a project's page of tasks at a time."""
    members = await repository.members_with_email(session, workspace.id)
    head = {
        "format": FORMAT,
        "workspace": {"name": workspace.name, "timezone": workspace.timezone},
        "members": [{"email": email, "role": role} for email, role in members],
        "labels": await repository.label_names(session, workspace.id),
        "fields": await _field_definitions(session, workspace.id),
    }
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "projects": [').encode()
    for index, project in enumerate(await repository.workspace_projects(session, workspace.id)):
        planning = await exporter.Planning.of(session, project)
        record = {
            **exporter.project_record(project),
            "visibility": project.visibility,
            "states": planning.head()["states"],
        }
        yield (("," if index else "") + "\n" + json.dumps(record)[:-1] + ', "tasks": [').encode()
        first = True
        async for task in exporter.task_records(session, project, planning):
            yield (("" if first else ",") + "\n" + json.dumps(task, ensure_ascii=False)).encode()
            first = False
        yield b"]}"
    yield b"\n]}\n"


async def _field_definitions(session: AsyncSession, workspace_id: str) -> list[dict[str, Any]]:
    found = await field_rows.list_for_workspace(session, workspace_id, after=None, limit=MAX_FIELDS)
    return [
        {"name": f.name, "type": f.type, "options": [o["name"] for o in f.options]} for f in found
    ]


@dataclass(frozen=True, slots=True)
class Loaded:
    """What a workspace import made."""

    workspace_id: str
    projects: int
    reports: list[applier.Report]


def _project_part(
    raw: Any, index: int, document: dict[str, Any]
) -> tuple[ProjectCreate, ImportedProject]:
    if not isinstance(raw, dict) or not isinstance(raw.get("tasks"), list):
        raise FormatError(f"projects[{index}] needs a `tasks` list.")
    body = ProjectCreate.model_validate(
        {k: raw.get(k) for k in ("name", "key", "description", "visibility") if k in raw}
    )
    parsed = ImportedProject(format=FORMAT, name=body.name)
    planning_from({"states": raw.get("states"), "fields": document.get("fields")}, parsed)
    for number, task in enumerate(raw["tasks"]):
        origin = f"{body.key} tasks[{number}]"
        try:
            parsed.add(task_from(task, origin))
        except ValueError as error:
            parsed.refuse(origin, str(error))
    return body, parsed


async def _same_states(
    session: AsyncSession, actor: User, project: Project, wanted: list[ImportedState]
) -> None:
    """A new project's default states become the file's, in the file's order: each default
    takes the name and colour of the file's first state of its category, the others are
    added (the project holds no task yet, and the file has a state of every category)."""
    if not wanted:
        return
    defaults = await state_rows.of_project(session, project.id)
    for default in defaults:  # out of the way of the file's names first
        await workflow.update(session, actor, default, StateUpdate(name=f"~{default.id}"[:50]))
    try:
        for position, state in enumerate(wanted):
            claimed = next((d for d in defaults if d.category == state.category), None)
            color = {"color": state.color} if state.color else {}
            if claimed is None:
                body = {"name": state.name, "category": state.category, "position": position}
                created = StateCreate.model_validate(body | color)
                await workflow.create(session, actor, project.id, created)
                continue
            defaults.remove(claimed)
            change = StateUpdate.model_validate({"name": state.name, "position": position} | color)
            await workflow.update(session, actor, claimed, change)
    except ValidationError as error:
        raise FormatError(f"The states of project {project.key} are not valid: {error}") from None
    if defaults:
        missing = ", ".join(sorted({d.category for d in defaults}))
        raise FormatError(f"The states of project {project.key} have no {missing} state.")


def _field_body(wanted: ImportedField) -> dict[str, Any]:
    options = [{"name": name} for name in wanted.options]
    return {"name": wanted.name, "type": wanted.type, **({"options": options} if options else {})}


async def load(
    session: AsyncSession,
    document: Any,
    *,
    workspace_id: str | None,
    owner: User | None,
    max_workspaces: int,
) -> Loaded:
    """Load a workspace document into an empty workspace (as one of its owners) or into a
    new one owned by `owner`; one transaction, the caller's to commit."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise FormatError(f"The file is not of format {FORMAT}.")
    raw_projects = document.get("projects")
    if not isinstance(raw_projects, list):
        raise FormatError("The file needs a `projects` list.")
    parts = [_project_part(raw, i, document) for i, raw in enumerate(raw_projects)]
    if workspace_id is not None:
        actor = await repository.first_owner(session, workspace_id)
        if actor is None:
            raise FormatError("There is no such workspace (or it has no owner).")
        if await repository.workspace_projects(session, workspace_id):
            raise FormatError("The workspace is not empty: it has projects.")
    else:
        assert owner is not None
        found = document.get("workspace")
        info: dict[str, Any] = found if isinstance(found, dict) else {}
        made, _ = await workspaces.create(
            session,
            owner,
            str(info.get("name") or "Imported workspace"),
            max_workspaces=max_workspaces,
            timezone=str(info.get("timezone") or "UTC"),
        )
        actor, workspace_id = owner, made.id
    access = await require_role(session, actor, workspace_id, Role.ADMIN)
    for member in document.get("members") or []:
        if not isinstance(member, dict) or member.get("role") not in tuple(Role):
            continue
        email = str(member.get("email") or "")
        user = await repository.user_by_email(session, email) if email else None
        if user is not None and not await repository.is_member(session, workspace_id, email):
            await workspaces.add_member(session, access, email, Role(member["role"]))
    names = [n for n in document.get("labels") or [] if isinstance(n, str) and n.strip()]
    await task_rows.ensure_labels(session, workspace_id, names, utcnow())
    for wanted in parts[0][1].fields if parts else []:  # every field, even one no task uses
        try:
            body = FieldCreate.model_validate(_field_body(wanted))
        except ValidationError as error:
            raise FormatError(f"The field {wanted.name!r} is not valid: {error}") from None
        await fields.create(session, access, body)
    made_projects = [await projects.create(session, access, body) for body, _ in parts]
    for project, (_, parsed) in zip(made_projects, parts, strict=True):
        await _same_states(session, actor, project, parsed.states)
    reports = await applier.apply_many(
        session,
        actor,
        [(project, parsed) for project, (_, parsed) in zip(made_projects, parts, strict=True)],
    )
    return Loaded(workspace_id, len(made_projects), reports)
