"""The list view's filters: the API's list parameters, as a GET form sends them.

A form sends empty values for the fields left alone (`q=`, `sort=`): here they mean "no
filter", then the API's own `TaskFilters` makes the query (its validation, its 422s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query

from smarttask.fields.schemas import FieldRead
from smarttask.tasks.filters import TaskFilters
from smarttask.tasks.schemas import Priority, RiskLevel, Status
from smarttask.web.pages.projects.cards import PRIORITY_LABELS, RISK_LABELS, STATUS_LABELS

SORTS = (
    ("", "Newest first (or best match)"),
    ("created_at", "Oldest first"),
    ("due_at", "Due soonest"),
    ("-priority", "Highest priority"),
    ("-updated_at", "Recently updated"),
)
_PRIORITIES = tuple(reversed(PRIORITY_LABELS.items()))


@dataclass(frozen=True, slots=True)
class ListFilters:
    """The filters of a list request, and what the form shows of them."""

    api: TaskFilters
    # A custom field filtered on (its id) and the value, as the list's simple control sends them.
    field_id: str = ""
    field_value: str = ""

    @property
    def q(self) -> str:
        """The search text."""
        return self.api.q or ""

    @property
    def sort(self) -> str:
        """The sort chosen ("" for the default)."""
        return self.api.sort or ""

    @property
    def label(self) -> str:
        """The label filtered on."""
        return self.api.label or ""

    @property
    def assignee_id(self) -> str:
        """The assignee filtered on."""
        return self.api.assignee_id or ""

    @property
    def groups(self) -> list[tuple[str, str, Any, list[str]]]:
        """(legend, parameter, options, chosen) of each checkbox group."""
        return [
            ("Status", "status", STATUS_LABELS.items(), [s.value for s in self.api.status or ()]),
            ("Priority", "priority", _PRIORITIES, [p.value for p in self.api.priority or ()]),
            ("Risk", "risk", RISK_LABELS.items(), [r.value for r in self.api.risk or ()]),
        ]

    @property
    def narrowed(self) -> int:
        """How many of the folded filters are on."""
        api = self.api
        return sum(
            bool(x)
            for x in (api.status, api.priority, api.risk, api.assignee_id, api.label, self.field_id)
        )

    @property
    def active(self) -> bool:
        """Whether anything narrows the list (the search included)."""
        return bool(self.narrowed or self.api.q)

    def params(self) -> dict[str, Any]:
        """The query parameters that make these filters again."""
        api = self.api
        return {
            "q": api.q,
            "sort": api.sort,
            "status": [s.value for s in api.status or ()],
            "priority": [p.value for p in api.priority or ()],
            "risk": [r.value for r in api.risk or ()],
            "assignee_id": api.assignee_id,
            "label": api.label,
            "cf": self.field_id,
            "cf_value": self.field_value,
        }


def option_ids(
    params: tuple[tuple[str, str], ...], defined: list[FieldRead]
) -> tuple[tuple[str, str], ...]:
    """The field filter with an option typed by its name (any case) as its id."""
    kinds = {f"field.{field.id}": field for field in defined}
    found = []
    for name, value in params:
        field = kinds.get(name)
        names = {o.name.casefold(): o.id for o in field.options} if field else {}
        found.append((name, names.get(value.casefold(), value)))
    return tuple(found)


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value else None


async def list_filters(
    status: Annotated[list[Status] | None, Query(max_length=4)] = None,
    priority: Annotated[list[Priority] | None, Query(max_length=5)] = None,
    assignee_id: Annotated[str | None, Query(max_length=64)] = None,
    label: Annotated[str | None, Query(max_length=50)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    risk: Annotated[list[RiskLevel] | None, Query(max_length=3)] = None,
    sort: Annotated[str | None, Query(max_length=50)] = None,
    cf: Annotated[str | None, Query(max_length=64)] = None,
    cf_value: Annotated[str | None, Query(max_length=255)] = None,
) -> ListFilters:
    """The list filters of a page request (empty fields: no filter)."""
    field_id, value = _blank(cf) or "", (cf_value or "").strip()
    fields = ((f"field.{field_id}", value),) if field_id and value else ()
    return ListFilters(
        TaskFilters(
            status,
            priority,
            _blank(assignee_id),
            _blank(label),
            None,
            None,
            _blank(q),
            risk,
            _blank(sort),
            fields,
        ),
        field_id if fields else "",
        value if fields else "",
    )


Filters = Annotated[ListFilters, Depends(list_filters)]
