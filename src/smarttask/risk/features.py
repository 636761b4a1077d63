"""The risk model's features: plain facts about a task at a moment, turned into numbers.

The same function turns facts into a vector when a task is scored on a write, when tasks
are rescored as time passes, and when a history is replayed for training, so the model is
trained on exactly what it sees in production. Pure Python: no numpy on the request path.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

# Working hours in a calendar day, to compare an estimate with the time left.
WORK_HOURS_PER_DAY = 6.0
# The assignee's late rate is shrunk toward this prior, worth this many finished tasks.
LATE_RATE_PRIOR = 0.3
LATE_RATE_PRIOR_WEIGHT = 5.0
_CHECKLIST = re.compile(r"(- \[[ xX]\])|(acceptance criteria)", re.IGNORECASE)

FEATURES: tuple[str, ...] = (
    "days_until_due",
    "overdue",
    "work_vs_time_left",
    "open_dependencies",
    "blocked_by_overdue",
    "assignee_load",
    "assignee_late_rate",
    "unassigned",
    "reschedules",
    "age",
    "priority",
    "in_progress",
    "description_length",
    "has_checklist",
)


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What the model knows about one open task with a due date, at one moment."""

    due_at: datetime
    created_at: datetime
    status: str
    priority: int
    estimate_minutes: int | None
    description_length: int
    has_checklist: bool
    reschedules: int
    assigned: bool
    open_dependencies: int = 0
    overdue_dependencies: int = 0
    assignee_open: int = 0
    assignee_late: int = 0
    assignee_finished: int = 0


def has_checklist(description: str) -> bool:
    """Whether a description carries a checklist or acceptance criteria."""
    return bool(_CHECKLIST.search(description))


def _signed_log(value: float) -> float:
    return math.copysign(math.log1p(abs(value)), value)


def late_rate(late: int, finished: int) -> float:
    """The assignee's share of late tasks, shrunk toward the prior when there are few."""
    return (late + LATE_RATE_PRIOR * LATE_RATE_PRIOR_WEIGHT) / (finished + LATE_RATE_PRIOR_WEIGHT)


def vector(facts: TaskFacts, now: datetime) -> list[float]:
    """The feature values of a task at `now`, in the order of FEATURES."""
    days_left = (facts.due_at - now).total_seconds() / 86400.0
    days_left = max(-60.0, min(days_left, 365.0))
    work_hours_left = max(days_left, 0.0) * WORK_HOURS_PER_DAY
    if facts.estimate_minutes:
        ratio = (facts.estimate_minutes / 60.0) / max(work_hours_left, 1.0)
        work = math.log1p(min(ratio, 50.0))
    else:
        work = 0.0
    age_days = max((now - facts.created_at).total_seconds() / 86400.0, 0.0)
    return [
        _signed_log(days_left),
        1.0 if days_left < 0 else 0.0,
        work,
        math.log1p(facts.open_dependencies),
        1.0 if facts.overdue_dependencies else 0.0,
        math.log1p(facts.assignee_open) if facts.assigned else 0.0,
        late_rate(facts.assignee_late, facts.assignee_finished)
        if facts.assigned
        else LATE_RATE_PRIOR,
        0.0 if facts.assigned else 1.0,
        math.log1p(facts.reschedules),
        math.log1p(min(age_days, 730.0)),
        float(facts.priority),
        1.0 if facts.status == "in_progress" else 0.0,
        math.log1p(facts.description_length),
        1.0 if facts.has_checklist else 0.0,
    ]
