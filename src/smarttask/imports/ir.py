"""The neutral representation every format parses into, and the applier writes.

A new task property (a workflow state, a custom field, a rank, a recurrence, time entries)
is one field here, one line in each format that carries it, and one line in `applier.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# The most tasks one file may hold, and the most comments.
MAX_TASKS = 50_000
MAX_COMMENTS = 200_000


class FormatError(ValueError):
    """The file as a whole cannot be read in its format (nothing is imported)."""


@dataclass(slots=True)
class ImportedComment:
    """A comment on an imported task."""

    body: str
    author_email: str | None = None
    author_name: str | None = None
    created_at: datetime | None = None


@dataclass(slots=True)
class ImportedTimeEntry:
    """Time a person logged on an imported task: `values` as a new entry's body takes them
    (`{started_at, ended_at}` or `{minutes, date}`, and a `note`), checked when applied."""

    user_email: str | None
    values: dict[str, Any]
    created_at: datetime | None = None


@dataclass(slots=True)
class ImportedTask:
    """One task as a file describes it; `ref` names it within the file."""

    ref: str
    title: str
    description: str = ""
    status: str = "todo"
    priority: str = "none"
    state_name: str | None = None
    due_at: datetime | None = None
    estimate_minutes: int | None = None
    labels: list[str] = field(default_factory=list)
    assignee_email: str | None = None
    assignee_name: str | None = None
    parent_ref: str | None = None
    depends_on: list[str] = field(default_factory=list)
    comments: list[ImportedComment] = field(default_factory=list)
    time_entries: list[ImportedTimeEntry] = field(default_factory=list)
    # By field name; the custom fields part maps them to its field ids.
    custom_fields: dict[str, Any] = field(default_factory=dict)
    recurrence: dict[str, Any] | None = None
    # The task's place in its column (a rank key of the source); None: file order.
    rank: str | None = None
    external_id: str | None = None
    # Where in the file it came from (a row number, a card id), for the report.
    origin: str = ""


@dataclass(slots=True)
class Mapping:
    """A value of the source translated into smarttask's (the report's `mapped`)."""

    source: str
    target: str


@dataclass(slots=True)
class Refusal:
    """Something of the file that is not imported, and why (the report's `refused`)."""

    item: str
    reason: str


@dataclass(slots=True)
class ImportedState:
    """A workflow state of the source project."""

    name: str
    category: str = "todo"
    color: str | None = None


@dataclass(slots=True)
class ImportedField:
    """A custom field the file's tasks use, by name, with its options' names."""

    name: str
    type: str
    options: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ImportedProject:
    """What one file holds: a project's tasks, and what parsing it already decided."""

    format: str
    name: str | None = None
    description: str | None = None
    tasks: list[ImportedTask] = field(default_factory=list)
    # In board order; fields by name (the smarttask format carries them).
    states: list[ImportedState] = field(default_factory=list)
    fields: list[ImportedField] = field(default_factory=list)
    mapped: list[Mapping] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    def map(self, source: str, target: str) -> None:
        """Note a translation once (the same one is not repeated in the report)."""
        if not any(m.source == source and m.target == target for m in self.mapped):
            self.mapped.append(Mapping(source, target))

    def refuse(self, item: str, reason: str) -> None:
        """Note something left out, and why."""
        self.refused.append(Refusal(item, reason))

    def add(self, task: ImportedTask) -> None:
        """Keep a task; a file over the limit is refused as a whole."""
        if len(self.tasks) >= MAX_TASKS:
            raise FormatError(f"The file holds more than {MAX_TASKS} tasks, the most allowed.")
        self.tasks.append(task)
