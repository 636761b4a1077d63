"""A task form's values as a TaskUpdate: only the fields the form has and the person changed.

Sending only changed fields keeps the trail to what was really edited, and keeps a due
date picked as a day from moving a due time set through the API when the day is the same.
Values the browser sends as text (numbers, days, comma-separated labels) become the JSON
values the API's schema checks; what cannot become one is refused beside its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from smarttask.kit.problems import ValidationFailed
from smarttask.tasks.schemas import TaskRead, TaskUpdate
from smarttask.web import forms

TITLE = ("title",)
DESCRIPTION = ("description",)
# The status is chosen as one of the project's workflow states (its category follows).
DETAILS = ("state_id", "priority", "assignee_id", "due_at", "estimate_minutes", "labels")
FIELDS = {"title": TITLE, "description": DESCRIPTION, "details": DETAILS}
FIELDS["all"] = TITLE + DESCRIPTION + DETAILS
# A due date picked as a day is due at the end of that day (UTC).
END_OF_DAY = "T23:59:59Z"


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        forms.INVALID, errors=[{"loc": ["body", field], "msg": message, "type": "value_error"}]
    )


def labels_of(text: str) -> list[str]:
    """Comma-separated label names, blanks dropped."""
    return [name.strip() for name in text.split(",") if name.strip()]


def _due(text: str, current: TaskRead) -> Any:
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as error:
        raise _refuse("due_at", "Enter a date such as 2026-12-01.") from error
    if current.due_at is not None and current.due_at.date() == day:
        return current.due_at
    return day.isoformat() + END_OF_DAY


def _estimate(text: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError as error:
        raise _refuse("estimate_minutes", "Enter a whole number of minutes.") from error


def _value(field: str, text: str, current: TaskRead) -> Any:
    if field == "description":
        return text.replace("\r\n", "\n")
    if field == "assignee_id":
        return text or None
    if field == "due_at":
        return _due(text, current)
    if field == "estimate_minutes":
        return _estimate(text)
    if field == "labels":
        return labels_of(text)
    return text


def _same(field: str, value: Any, current: TaskRead) -> bool:
    if field == "state_id":
        return bool(value == current.state.id)
    before = getattr(current, field)
    if field == "labels":
        return sorted(n.casefold() for n in value) == sorted(n.casefold() for n in before)
    if field == "title":
        return bool(str(value).strip() == before)
    if field == "priority":
        return bool(value == before.value)
    return bool(value == before)


def update_of(part: str, form: Mapping[str, Any], current: TaskRead) -> TaskUpdate:
    """The change a form of this part asks for (fields it does not carry stay as they are)."""
    values: dict[str, Any] = {}
    for field in FIELDS.get(part, ()):
        text = form.get(field)
        if not isinstance(text, str):
            continue
        value = _value(field, text, current)
        if not _same(field, value, current):
            values[field] = value
    return forms.parse(TaskUpdate, values)


def form_values(form: Mapping[str, Any]) -> dict[str, str]:
    """What the person typed, to show the form again as they left it."""
    return {key: value for key, value in form.items() if isinstance(value, str)}
