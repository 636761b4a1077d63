"""The task page's words for people: statuses, priorities, risk factors, the trail, sizes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

STATUSES = {"todo": "To do", "in_progress": "In progress", "done": "Done", "cancelled": "Cancelled"}
PRIORITIES = {"none": "None", "low": "Low", "medium": "Medium", "high": "High", "urgent": "Urgent"}
RISK_LEVELS = {"low": "Low risk", "medium": "Medium risk", "high": "High risk"}

# Each risk factor (risk/features.py) as it raises, then as it lowers the risk.
FACTORS: dict[str, tuple[str, str]] = {
    "days_until_due": ("The due date is close.", "There is still plenty of time before it is due."),
    "overdue": ("It is past its due date.", "It is not overdue."),
    "work_vs_time_left": (
        "The estimate is large for the working time left.",
        "The estimate fits comfortably in the time left.",
    ),
    "open_dependencies": (
        "It depends on tasks that are still open.",
        "Nothing it depends on is still open.",
    ),
    "blocked_by_overdue": (
        "A task it depends on is itself overdue.",
        "None of the tasks it depends on is overdue.",
    ),
    "assignee_load": (
        "Its assignee has many other open tasks.",
        "Its assignee has few other open tasks.",
    ),
    "assignee_late_rate": (
        "Its assignee often finishes tasks late.",
        "Its assignee usually finishes on time.",
    ),
    "unassigned": ("Nobody is assigned to it.", "Someone is assigned to it."),
    "reschedules": ("Its due date has been moved before.", "Its due date has never moved."),
    "age": ("It has been open for a long time.", "It was created recently."),
    "priority": (
        "Its priority is low, so it may wait.",
        "Its priority is high, so it gets attention.",
    ),
    "in_progress": ("Work on it has not started.", "Work on it has started."),
    "description_length": ("Its description is short.", "It is well described."),
    "has_checklist": (
        "It has no checklist or acceptance criteria.",
        "It has a checklist or acceptance criteria.",
    ),
}
_FIELDS = {
    "title": "the title",
    "description": "the description",
    "status": "the status",
    "priority": "the priority",
    "assignee_id": "the assignee",
    "parent_id": "the parent task",
    "due_at": "the due date",
    "estimate_minutes": "the estimate",
    "labels": "the labels",
}


def status(value: str) -> str:
    """A status as people say it."""
    return STATUSES.get(value, value)


def state(name: str, category: str) -> str:
    """A workflow state as people read it: its name, with its status when that differs."""
    label = status(category)
    return name if name.casefold() == label.casefold() else f"{name} · {label}"


def priority(value: str) -> str:
    """A priority as people say it."""
    return PRIORITIES.get(value, value)


def factor(name: str, weight: float) -> str:
    """One risk factor explained in a sentence."""
    raises, lowers = FACTORS.get(name, (f"{name} raises the risk.", f"{name} lowers the risk."))
    return raises if weight > 0 else lowers


def factors(items: list[Any]) -> list[tuple[str, bool]]:
    """The factors of a risk (strongest first) as (sentence, raises the risk)."""
    ordered = sorted(items, key=lambda item: -abs(item.weight))
    return [(factor(item.name, item.weight), item.weight > 0) for item in ordered]


def minutes(value: int | None) -> str:
    """A duration in minutes as hours and minutes."""
    if value is None:
        return ""
    hours, rest = divmod(int(value), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def size(value: int) -> str:
    """A file size in bytes, KiB or MiB."""
    if value < 1024:
        return f"{value} bytes"
    if value < 1024 * 1024:
        return f"{value / 1024:.1f} KiB"
    return f"{value / 1024 / 1024:.1f} MiB"


def _when(value: Any) -> str:
    if not isinstance(value, str):
        return str(value)
    try:
        return datetime.fromisoformat(value).strftime("%d %b %Y")
    except ValueError:
        return value


def _value(field: str, value: Any, people: dict[str, str]) -> str:
    if value is None or value == [] or value == "":
        return "nothing"
    if field == "status":
        return status(str(value))
    if field == "priority":
        return priority(str(value))
    if field == "assignee_id":
        return people.get(str(value), "a former member")
    if field == "due_at":
        return _when(value)
    if field == "estimate_minutes":
        return minutes(int(value))
    if field == "labels":
        return ", ".join(str(name) for name in value)
    if field == "parent_id":
        return "another task"
    return f"“{value}”"


def change(field: str, old: Any, new: Any, people: dict[str, str]) -> str:
    """One changed field of a trail entry, as a phrase."""
    name = _FIELDS.get(field, field.replace("_", " "))
    if field == "description":
        return "edited the description"
    if field == "assignee_id":
        if new is None:
            return "unassigned it"
        return f"assigned it to {_value(field, new, people)}"
    if old is None or old == []:
        return f"set {name} to {_value(field, new, people)}"
    if new is None or new == []:
        return f"cleared {name}"
    return f"changed {name} from {_value(field, old, people)} to {_value(field, new, people)}"


def _field_value(field: Any, value: Any, people: dict[str, str]) -> str:
    """A custom field's value in words: options and people by name."""
    if value is None or value == []:
        return "nothing"
    if field is not None and field.type in ("select", "multi_select"):
        names = {option.id: option.name for option in field.options}
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(f"“{names[v]}”" if v in names else "a removed option" for v in chosen)
    if field is not None and field.type == "user":
        return people.get(str(value), "a former member")
    return f"“{value}”"


def field_changes(
    old: dict[str, Any], new: dict[str, Any], fields: dict[str, Any], people: dict[str, str]
) -> list[str]:
    """A trail entry's custom field changes ({field id: value} before and after), one phrase
    a field, each named (a field deleted since: "a deleted field")."""
    phrases = []
    for field_id in dict.fromkeys([*old, *new]):
        field = fields.get(field_id)
        name = f"“{field.name}”" if field is not None else "a deleted field"
        before, after = old.get(field_id), new.get(field_id)
        if after is None or after == []:
            phrases.append(f"cleared {name}")
        elif before is None or before == []:
            phrases.append(f"set {name} to {_field_value(field, after, people)}")
        else:
            phrases.append(
                f"changed {name} from {_field_value(field, before, people)} "
                f"to {_field_value(field, after, people)}"
            )
    return phrases


def entry(item: Any, people: dict[str, str], fields: dict[str, Any] | None = None) -> list[str]:
    """What a trail entry of a task says happened (one phrase per changed field; custom
    fields by name when `fields`, their definitions by id, is given)."""
    if item.action == "created":
        return ["created the task"]
    if item.action == "deleted":
        return ["deleted the task"]
    phrases = []
    for field, values in item.changes.items():
        if not isinstance(values, dict):
            continue
        old, new = values.get("old"), values.get("new")
        if field == "fields" and isinstance(old or {}, dict) and isinstance(new or {}, dict):
            phrases += field_changes(old or {}, new or {}, fields or {}, people)
        else:
            phrases.append(change(field, old, new, people))
    return phrases or ["updated the task"]
