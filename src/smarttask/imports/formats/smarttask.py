"""smarttask's own formats, `smarttask/1`: a project as JSON, or its tasks as CSV rows.

JSON: `{"format": "smarttask/1", "project": {name, key, description}, "tasks": [task]}`;
CSV: one row per task under `CSV_HEADER`, every row saying `smarttask/1` in `format`.
A task is `{ref, title, description, status, priority, labels, assignee_email, due_at,
estimate_minutes, parent, depends_on, comments: [{author_email, body, created_at}], state,
rank, fields: {name: value}, recurrence: {rrule, from}, time_entries: [{user_email,
started_at, ended_at, minutes, date, note, created_at}]}`, where `ref` (the task's key, e.g.
`WEB-12`) is what `parent` and `depends_on` name. The JSON's head lists the project's
`states` [{name, category, color, position}] and the `fields` [{name, type, options}] the
values name; a CSV row carries each value as {name, type, value}.
"""

from __future__ import annotations

import json
from typing import Any

from smarttask.imports.formats.common import csv_rows, read_rows, timestamp
from smarttask.imports.ir import (
    FormatError,
    ImportedComment,
    ImportedField,
    ImportedProject,
    ImportedState,
    ImportedTask,
    ImportedTimeEntry,
)

FORMAT = "smarttask/1"
JSON_NAME, CSV_NAME = "smarttask-json", "smarttask-csv"
CSV_HEADER = (
    "ref",
    "title",
    "description",
    "status",
    "priority",
    "labels",
    "assignee_email",
    "due_at",
    "estimate_minutes",
    "parent",
    "depends_on",
    "comments",
    "state",
    "rank",
    "fields",
    "recurrence",
    "time_entries",
    "format",
)
# A spreadsheet runs a cell starting with one of these as a formula: the export writes a
# leading apostrophe, and the import takes it away again.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) or value.startswith("'") else value


def unguard(value: str) -> str:
    """The text of a cell `guard` wrote."""
    return value[1:] if value.startswith("'") else value


def is_csv(header: list[str]) -> bool:
    """Whether a CSV header is smarttask's."""
    return "format" in header and "ref" in header and "title" in header


def is_json(document: Any) -> bool:
    """Whether a JSON document says it is smarttask's project format."""
    return isinstance(document, dict) and document.get("format") == FORMAT


def _comment(raw: Any) -> ImportedComment:
    if not isinstance(raw, dict) or not isinstance(raw.get("body"), str):
        raise ValueError("a comment needs a text `body`")
    author = raw.get("author_email")
    return ImportedComment(
        body=raw["body"],
        author_email=author if isinstance(author, str) else None,
        created_at=timestamp(raw.get("created_at")),
    )


def _time_entry(raw: Any) -> ImportedTimeEntry:
    """An entry of a task's `time_entries`: an interval when it has a start or an end
    (its minutes and day follow from them), otherwise minutes on a day."""
    if not isinstance(raw, dict):
        raise ValueError("a time entry must be an object")
    user = raw.get("user_email")
    shape = ("started_at", "ended_at") if raw.get("started_at") or raw.get("ended_at") else None
    names = (*(shape or ("minutes", "date")), "note")
    return ImportedTimeEntry(
        user_email=user if isinstance(user, str) and user else None,
        values={name: raw[name] for name in names if raw.get(name) is not None},
        created_at=timestamp(raw.get("created_at")),
    )


def _strings(raw: Any, name: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ValueError(f"`{name}` must be a list of texts")
    return list(raw)


def task_from(raw: Any, origin: str) -> ImportedTask:
    """One task of the JSON (or of a CSV row read into the same shape); ValueError if bad."""
    if not isinstance(raw, dict):
        raise ValueError("a task must be an object")
    ref, title = raw.get("ref"), raw.get("title")
    if not isinstance(ref, str) or not ref:
        raise ValueError("a task needs a `ref`")
    if not isinstance(title, str):
        raise ValueError("a task needs a text `title`")
    estimate = raw.get("estimate_minutes")
    if estimate is not None and (isinstance(estimate, bool) or not isinstance(estimate, int)):
        raise ValueError("`estimate_minutes` must be a whole number")
    comments = raw.get("comments") or []
    if not isinstance(comments, list):
        raise ValueError("`comments` must be a list")
    parent = raw.get("parent")
    state, rank = raw.get("state"), raw.get("rank")
    values = raw.get("fields") or {}
    if not isinstance(values, dict):
        raise ValueError("`fields` must be an object of values by field name")
    recurrence = raw.get("recurrence")
    if recurrence is not None and not isinstance(recurrence, dict):
        raise ValueError("`recurrence` must be an object {rrule, from}")
    time_entries = raw.get("time_entries") or []
    if not isinstance(time_entries, list):
        raise ValueError("`time_entries` must be a list")
    return ImportedTask(
        ref=ref,
        title=title,
        description=str(raw.get("description") or ""),
        status=str(raw.get("status") or "todo"),
        priority=str(raw.get("priority") or "none"),
        due_at=timestamp(raw.get("due_at")),
        estimate_minutes=estimate,
        labels=_strings(raw.get("labels"), "labels"),
        assignee_email=raw.get("assignee_email") or None,
        parent_ref=parent if isinstance(parent, str) and parent else None,
        depends_on=_strings(raw.get("depends_on"), "depends_on"),
        comments=[_comment(c) for c in comments],
        time_entries=[_time_entry(entry) for entry in time_entries],
        state_name=state if isinstance(state, str) and state else None,
        rank=rank if isinstance(rank, str) and rank else None,
        custom_fields=dict(values),
        recurrence=recurrence or None,
        external_id=ref,
        origin=origin,
    )


def planning_from(document: dict[str, Any], parsed: ImportedProject) -> None:
    """The `states` and `fields` lists of a file's head (bad entries refused)."""
    for index, raw in enumerate(document.get("states") or []):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            parsed.refuse(f"states[{index}]", "a state needs a text `name`")
            continue
        color = raw.get("color")
        parsed.states.append(
            ImportedState(
                raw["name"],
                str(raw.get("category") or "todo"),
                color if isinstance(color, str) else None,
            )
        )
    for index, raw in enumerate(document.get("fields") or []):
        if not isinstance(raw, dict) or not all(
            isinstance(raw.get(k), str) for k in ("name", "type")
        ):
            parsed.refuse(f"fields[{index}]", "a field needs a text `name` and `type`")
            continue
        options = [o for o in raw.get("options") or [] if isinstance(o, str)]
        parsed.fields.append(ImportedField(raw["name"], raw["type"], options))


def parse_json(document: dict[str, Any]) -> ImportedProject:
    """A project of smarttask's JSON format."""
    tasks = document.get("tasks")
    if not isinstance(tasks, list):
        raise FormatError("A smarttask/1 file needs a `tasks` list.")
    found = document.get("project")
    project: dict[str, Any] = found if isinstance(found, dict) else {}
    parsed = ImportedProject(
        format=JSON_NAME, name=project.get("name"), description=project.get("description")
    )
    planning_from(document, parsed)
    for index, raw in enumerate(tasks):
        origin = f"tasks[{index}]"
        try:
            parsed.add(task_from(raw, origin))
        except ValueError as error:
            parsed.refuse(origin, str(error))
    return parsed


def _json_cell(value: str, name: str) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        raise ValueError(f"`{name}` must be JSON") from None


def _csv_fields(cell: str, parsed: ImportedProject) -> dict[str, Any]:
    """A row's `fields` cell ([{name, type, value}]) as values by name; each field's
    definition (its options: every option name the file uses) joins the file's."""
    items = _json_cell(cell, "fields") or []
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("name"), str) and isinstance(i.get("type"), str)
        for i in items
    ):
        raise ValueError("`fields` must be a JSON list of {name, type, value}")
    known = {f.name.casefold(): f for f in parsed.fields}
    values: dict[str, Any] = {}
    for item in items:
        name, kind, value = item["name"], item["type"], item.get("value")
        field = known.get(name.casefold())
        if field is None:
            field = known[name.casefold()] = ImportedField(name, kind)
            parsed.fields.append(field)
        if kind in ("select", "multi_select"):
            for option in value if isinstance(value, list) else [value]:
                if isinstance(option, str) and option not in field.options:
                    field.options.append(option)
        values[name] = value
    return values


def parse_csv(text: str) -> ImportedProject:
    """The tasks of smarttask's CSV format."""
    header, rows = csv_rows(text)
    missing = [name for name in ("ref", "title", "format") if name not in header]
    if missing:
        raise FormatError(f"The smarttask CSV header lacks {', '.join(missing)}.")
    parsed = ImportedProject(format=CSV_NAME)
    for number, row in read_rows(rows):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: unguard(row[i]) if i < len(row) else "" for i, name in enumerate(header)}
        origin = f"row {number}"
        if cells["format"] != FORMAT:
            parsed.refuse(origin, f"`format` must be {FORMAT}")
            continue
        try:
            raw: dict[str, Any] = {
                **cells,
                "estimate_minutes": int(cells["estimate_minutes"])
                if cells.get("estimate_minutes")
                else None,
                "labels": _json_cell(cells.get("labels", ""), "labels"),
                "depends_on": _json_cell(cells.get("depends_on", ""), "depends_on"),
                "comments": _json_cell(cells.get("comments", ""), "comments"),
                "fields": _csv_fields(cells.get("fields", ""), parsed),
                "recurrence": _json_cell(cells.get("recurrence", ""), "recurrence"),
                "time_entries": _json_cell(cells.get("time_entries", ""), "time_entries"),
            }
            parsed.add(task_from(raw, origin))
        except ValueError as error:
            parsed.refuse(origin, str(error))
    return parsed
