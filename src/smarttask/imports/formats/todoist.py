"""Todoist's project CSV (export or template), as its help centre describes it.

Columns TYPE, CONTENT, DESCRIPTION, PRIORITY, INDENT, AUTHOR, RESPONSIBLE, DATE, DATE_LANG,
TIMEZONE, DURATION, DURATION_UNIT (older exports lack DESCRIPTION and the DURATION pair).
`task` rows are tasks (INDENT 2 and deeper are subtasks of the task above at one level
less), `note` rows comment on the task above, `section` rows head the tasks below them.
PRIORITY 1 is Todoist's highest (p1), 4 its lowest (p4, "no priority"). Labels are written
into CONTENT as `@name`. Todoist writes people as "Name (id)", never with an email.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smarttask.imports.formats.common import csv_rows, read_rows
from smarttask.imports.ir import FormatError, ImportedComment, ImportedProject, ImportedTask

NAME = "todoist-csv"
PRIORITIES = {"1": "urgent", "2": "high", "3": "medium", "4": "none"}
_LABEL = re.compile(r"(?<!\S)@(\S+)")
_MINUTES_PER = {"minute": 1, "day": 24 * 60}


def is_todoist(header: list[str]) -> bool:
    """Whether a CSV header is Todoist's."""
    return header[:2] == ["TYPE", "CONTENT"] and "PRIORITY" in header and "INDENT" in header


def _title_and_labels(content: str) -> tuple[str, list[str]]:
    labels = _LABEL.findall(content)
    title = " ".join(_LABEL.sub(" ", content).split())
    return title, labels


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _due(value: str, zone_name: str) -> datetime | None:
    """A calendar DATE (2026-08-13, 2026-08-13 18:30, with or without an offset); else None."""
    value = value.strip()
    zone = _zone(zone_name) or UTC
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), zone).astimezone(UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def _person(value: str) -> str:
    """The name of "Name (12345)"."""
    return re.sub(r"\s*\(\d+\)\s*$", "", value).strip()


class _Reader:
    def __init__(self) -> None:
        self.project = ImportedProject(format=NAME)
        self.section: str | None = None
        self.stack: list[ImportedTask] = []  # the last task at each indent
        self.last: ImportedTask | None = None

    def task(self, number: int, cells: dict[str, str]) -> None:
        origin = f"row {number}"
        title, labels = _title_and_labels(cells.get("CONTENT", ""))
        if labels:
            self.project.map("@label in CONTENT", "label")
        indent_text = cells.get("INDENT", "").strip() or "1"
        if not indent_text.isdigit() or int(indent_text) < 1:
            self.project.refuse(origin, f"INDENT {indent_text!r} is not 1, 2, 3 or 4")
            self.last = None
            return
        indent = int(indent_text)
        if indent > len(self.stack) + 1:
            self.project.refuse(origin, f"INDENT {indent} has no task at INDENT {indent - 1} above")
            self.last = None
            return
        del self.stack[indent - 1 :]
        task = ImportedTask(
            ref=f"row-{number}",
            title=title,
            description=cells.get("DESCRIPTION", ""),
            origin=origin,
        )
        task.parent_ref = self.stack[-1].ref if self.stack else None
        task.labels = labels
        self._priority(task, cells.get("PRIORITY", "").strip())
        if self.section:
            task.state_name = self.section
            task.labels.append(self.section)
            self.project.map(f"section {self.section}", f"label {self.section}")
        self._date(task, cells.get("DATE", ""), cells.get("TIMEZONE", ""))
        self._duration(task, cells.get("DURATION", ""), cells.get("DURATION_UNIT", ""))
        responsible = cells.get("RESPONSIBLE", "").strip()
        if responsible:
            task.assignee_name = _person(responsible)
            self.project.map(
                f"RESPONSIBLE {responsible}", "unassigned (Todoist exports no email to match)"
            )
        self.project.add(task)
        self.stack.append(task)
        self.last = task

    def _priority(self, task: ImportedTask, value: str) -> None:
        if not value:
            return
        if value not in PRIORITIES:
            self.project.refuse(task.origin, f"PRIORITY {value!r} is not 1-4: imported without")
            return
        task.priority = PRIORITIES[value]
        self.project.map(f"PRIORITY {value} (p{value})", task.priority)

    def _date(self, task: ImportedTask, value: str, zone: str) -> None:
        if not value.strip():
            return
        task.due_at = _due(value, zone)
        if task.due_at is not None:
            return
        if value.strip().lower().startswith("every"):
            task.recurrence = {"todoist": value.strip()}
        self.project.refuse(
            f"{task.origin} DATE {value.strip()!r}",
            "not a calendar date (Todoist's own phrase); the task is imported without a due date",
        )

    def _duration(self, task: ImportedTask, value: str, unit: str) -> None:
        if not value.strip():
            return
        factor = _MINUTES_PER.get(unit.strip().lower() or "minute")
        if not value.strip().isdigit() or factor is None:
            self.project.refuse(f"{task.origin} DURATION", f"{value} {unit} is not understood")
            return
        task.estimate_minutes = int(value) * factor
        self.project.map(f"DURATION ({unit or 'minute'})", "estimate_minutes")

    def note(self, number: int, cells: dict[str, str]) -> None:
        if self.last is None:
            self.project.refuse(f"row {number}", "a note with no imported task above it")
            return
        author = _person(cells.get("AUTHOR", ""))
        self.last.comments.append(
            ImportedComment(body=cells.get("CONTENT", ""), author_name=author)
        )
        if author:
            self.project.map(f"note AUTHOR {author}", "the importing user")


def parse(text: str) -> ImportedProject:
    """The tasks, subtasks and comments of a Todoist CSV."""
    header, rows = csv_rows(text)
    if not is_todoist(header):
        raise FormatError("The CSV header is not Todoist's (TYPE, CONTENT, ...).")
    reader = _Reader()
    for number, row in read_rows(rows):
        cells = {name: row[i] if i < len(row) else "" for i, name in enumerate(header)}
        kind = cells["TYPE"].strip()
        if kind == "task":
            reader.task(number, cells)
        elif kind == "note":
            reader.note(number, cells)
        elif kind == "section":
            reader.section = cells["CONTENT"].strip() or None
            reader.stack, reader.last = [], None
        elif kind or any(cell.strip() for cell in row):
            reader.project.refuse(f"row {number}", f"TYPE {kind!r} is not task, note or section")
    return reader.project
