"""What an import maps of the planning parts: workflow states, custom fields, ranks, recurrence.

States and fields are matched by name (fields by name and type, options by name, user
values by email). A workspace admin's import creates what is missing; anyone else's maps a
missing state to the first state of its category and refuses values of a missing field or
option. Ranks: within each column the imported tasks keep the file's order (its `rank`
keys when given). A recurrence is validated like the API's; a bad one is refused and the
task imported without it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.accounts.service import normalize_email
from smarttask.fields import repository as field_rows
from smarttask.fields import service as fields
from smarttask.fields import values as field_values
from smarttask.fields.models import CustomField
from smarttask.fields.schemas import MAX_FIELDS, FieldCreate, FieldUpdate
from smarttask.imports.ir import ImportedField, ImportedProject, ImportedState, ImportedTask
from smarttask.kit.problems import Conflict, Forbidden, ValidationFailed
from smarttask.projects.models import Project
from smarttask.recurrence import rules
from smarttask.recurrence.schemas import RecurrenceWrite
from smarttask.tasks.models import Task
from smarttask.workflow import repository as state_rows
from smarttask.workflow import service as workflow
from smarttask.workflow.models import WorkflowState
from smarttask.workflow.schemas import StateCreate
from smarttask.workspaces.access import WorkspaceAccess, require_role
from smarttask.workspaces.roles import Role

Note = Callable[[str, str], None]
_WITH_OPTIONS = ("select", "multi_select")
_DAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}
_UNITS = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
_ADVERBS = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY", "yearly": "YEARLY"}
_EVERY = re.compile(r"^every(!?)\s+(?:(\d{1,3})\s+)?(\w+?)s?$")


def todoist_rule(phrase: str) -> dict[str, str] | None:
    """A simple Todoist "every ..." phrase as a recurrence (None when not simple)."""
    text = " ".join(phrase.strip().casefold().split())
    if text in _ADVERBS:
        return {"rrule": f"FREQ={_ADVERBS[text]}", "from": rules.FROM_DUE}
    match = _EVERY.match(text)
    if match is None:
        return None
    completion, count, word = match.groups()
    origin = rules.FROM_COMPLETION if completion else rules.FROM_DUE
    if word in _DAYS and count is None:
        return {"rrule": f"FREQ=WEEKLY;BYDAY={_DAYS[word]}", "from": origin}
    if word not in _UNITS or count == "0":
        return None
    interval = f";INTERVAL={int(count)}" if count and int(count) > 1 else ""
    return {"rrule": f"FREQ={_UNITS[word]}{interval}", "from": origin}


class Planning:
    """One project's import's states, fields and order (see the module's description)."""

    def __init__(
        self,
        session: AsyncSession,
        user: User,
        project: Project,
        parsed: ImportedProject,
        note: Note,
        refuse: Note,
    ) -> None:
        self.session, self.user, self.project, self.parsed = session, user, project, parsed
        self.note, self.refuse = note, refuse
        self.states: dict[str, WorkflowState] = {}
        self.fields: dict[str, CustomField] = {}
        self.members: dict[str, str] = {}

    def emails(self, tasks: Iterable[ImportedTask]) -> set[str]:
        """The emails named by user-field values (to be looked up with the others)."""
        kinds = {f.name.casefold(): f.type for f in self.parsed.fields}
        return {
            normalize_email(value)
            for task in tasks
            for name, value in task.custom_fields.items()
            if kinds.get(name.casefold()) == "user" and isinstance(value, str) and value
        }

    async def load(self, tasks: list[ImportedTask], members: dict[str, str]) -> None:
        """Find (or, for admins, create) the states and fields the tasks use."""
        self.members = members
        access = await self._admin()
        for state in await state_rows.of_project(self.session, self.project.id):
            self.states[state.name.casefold()] = state
        await self._states(tasks, access)
        await self._fields(tasks, access)

    async def _admin(self) -> WorkspaceAccess | None:
        try:
            return await require_role(
                self.session, self.user, self.project.workspace_id, Role.ADMIN
            )
        except Forbidden:
            return None

    async def _states(self, tasks: list[ImportedTask], access: WorkspaceAccess | None) -> None:
        wanted = {s.name.casefold(): s for s in self.parsed.states}
        for task in tasks:  # a state only tasks name: its category is their status
            if task.state_name and task.state_name.casefold() not in wanted:
                wanted[task.state_name.casefold()] = ImportedState(task.state_name, task.status)
        for key, state in wanted.items():
            if key in self.states:
                continue
            if access is None:
                self.note(f"state {state.name}", f"first state of {state.category}")
                continue
            try:
                body = StateCreate.model_validate(
                    {
                        "name": state.name,
                        "category": state.category,
                        **({"color": state.color} if state.color else {}),
                    }
                )
                created = await workflow.create(self.session, self.user, self.project.id, body)
            except (ValidationError, ValidationFailed, Conflict) as error:
                self.refuse(f"state {state.name}", _why(error))
                continue
            self.states[key] = created
            self.note(f"state {state.name}", "created")

    async def _fields(self, tasks: list[ImportedTask], access: WorkspaceAccess | None) -> None:
        named = {name.casefold(): name for task in tasks for name in task.custom_fields}
        used = set(named)
        if not used:
            return
        existing = await field_rows.list_for_workspace(
            self.session, self.project.workspace_id, after=None, limit=MAX_FIELDS
        )
        by_name = {(f.name.casefold(), f.type): f for f in existing}
        for wanted in self.parsed.fields:
            key = wanted.name.casefold()
            if key not in used or key in self.fields:
                continue
            found = by_name.get((key, wanted.type))
            if found is None and access is not None:
                found = await self._create_field(access, wanted)
            elif found is not None and access is not None:
                found = await self._add_options(found, wanted)
            if found is None:
                if access is None:
                    self.refuse(
                        f"field {wanted.name}",
                        "the workspace has no field of this name and type "
                        "(an admin's import creates it)",
                    )
                continue
            self.fields[key] = found
        for key in used - self.fields.keys():
            if key not in {f.name.casefold() for f in self.parsed.fields}:
                self.refuse(f"field {named[key]}", "the file does not describe this field")

    async def _create_field(
        self, access: WorkspaceAccess, wanted: ImportedField
    ) -> CustomField | None:
        try:
            body = FieldCreate.model_validate(
                {
                    "name": wanted.name,
                    "type": wanted.type,
                    **(
                        {"options": [{"name": o} for o in wanted.options]}
                        if wanted.type in _WITH_OPTIONS
                        else {}
                    ),
                }
            )
            created = await fields.create(self.session, access, body)
        except (ValidationError, ValidationFailed) as error:
            self.refuse(f"field {wanted.name}", _why(error))
            return None
        self.note(f"field {wanted.name}", "created")
        return created

    async def _add_options(self, field: CustomField, wanted: ImportedField) -> CustomField:
        known = {o["name"].casefold() for o in field.options}
        extra = [name for name in wanted.options if name.casefold() not in known]
        if field.type not in _WITH_OPTIONS or not extra:
            return field
        options = [
            {"id": o["id"], "name": o["name"], "color": o.get("color")} for o in field.options
        ]
        try:
            body = FieldUpdate.model_validate({"options": options + [{"name": n} for n in extra]})
            field = await fields.update(self.session, self.user, field, body)
        except (ValidationError, ValidationFailed) as error:
            self.refuse(f"field {field.name} options", _why(error))
            return field
        self.note(f"field {field.name} options {', '.join(extra)}", "created")
        return field

    def state_id(self, task: ImportedTask) -> str | None:
        """The id of the task's state in the project (None: the first of its status)."""
        if not task.state_name:
            return None
        found = self.states.get(task.state_name.casefold())
        if found is None or found.category != task.status:
            return None  # the status wins: the first state of its category
        return found.id

    def values(self, task: ImportedTask) -> dict[str, Any]:
        """The task's custom field values by field id (options and users as ids)."""
        found: dict[str, Any] = {}
        for name, value in task.custom_fields.items():
            field = self.fields.get(name.casefold())
            if field is None:
                continue
            try:
                found[field.id] = self._checked(field, value)
            except ValueError as error:
                self.refuse(f"{task.origin} field {name}", str(error))
        return found

    def _value(self, field: CustomField, value: Any) -> Any:
        if value is None:
            return None
        if field.type == "user":
            member = self.members.get(normalize_email(str(value)))
            if member is None:
                raise ValueError(f"{value} is not a member of the workspace")
            return member
        if field.type not in _WITH_OPTIONS:
            return value
        ids = {o["name"].casefold(): o["id"] for o in field.options}
        names = value if isinstance(value, list) else [value]
        missing = [n for n in names if not isinstance(n, str) or n.casefold() not in ids]
        if missing:
            raise ValueError(f"the field has no option {missing[0]!r}")
        chosen = [ids[n.casefold()] for n in names]
        return chosen if field.type == "multi_select" else chosen[0]

    def _checked(self, field: CustomField, value: Any) -> Any:
        """The value as the API takes it, checked as the fields part checks it (so that
        a bad value is refused alone, before the task is written)."""
        found = self._value(field, value)
        field_values.rows(field, found, set(self.members.values()))  # BadValue: a ValueError
        return found

    def recurrence(self, task: ImportedTask) -> dict[str, Any] | None:
        """The task's recurrence as the API takes it; a bad one refused (the task stays)."""
        raw = task.recurrence
        if not raw:
            return None
        item = f"{task.origin} recurrence"
        if "todoist" in raw:
            phrase = str(raw["todoist"])
            translated = todoist_rule(phrase)
            if translated is None:
                self.refuse(item, f"{phrase!r} is not a simple repetition; imported once")
                return None
            self.note(f"every {phrase}", translated["rrule"])
            raw = translated
        try:
            checked = RecurrenceWrite.model_validate(raw)
        except ValidationError as error:
            self.refuse(item, _why(error))
            return None
        if checked.from_ == rules.FROM_DUE and task.due_at is None:
            self.refuse(item, "a task that repeats from its due date needs a due date")
            return None
        if checked.from_ == rules.FROM_COMPLETION and rules.has_count(checked.rrule):
            self.refuse(item, 'COUNT applies to "from": "due" series')
            return None
        return {"rrule": checked.rrule, "from": checked.from_}

    async def reorder(self, created: dict[str, Task]) -> None:
        """Give the imported tasks of each column the file's order (their rank keys first)."""
        columns: dict[str, list[tuple[int, ImportedTask, Task]]] = {}
        for index, task in enumerate(self.parsed.tasks):
            row = created.get(task.ref)
            if row is not None and row.project_id == self.project.id:
                columns.setdefault(row.state_id, []).append((index, task, row))
        changed = False
        for items in columns.values():
            slots = sorted(row.rank for _, _, row in items)
            wanted = sorted(items, key=lambda it: (it[1].rank is None, it[1].rank or "", it[0]))
            for (_, _, row), rank in zip(wanted, slots, strict=True):
                if row.rank != rank:
                    row.rank, changed = rank, True
        if changed:
            await self.session.flush()


def _why(error: ValidationError | ValidationFailed | Conflict) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return str(error.detail)
