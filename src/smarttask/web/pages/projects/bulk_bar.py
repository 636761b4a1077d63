"""What the list view's bulk-edit bar shows: its choices, and the outcome of the last use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from starlette.requests import Request

from smarttask.tasks.schemas import Priority
from smarttask.web.pages.projects.cards import STATUS_LABELS
from smarttask.workflow.models import WorkflowState

_DONE = {
    "updated": "The checked tasks were changed.",
    "trashed": "The checked tasks were moved to the trash.",
}


@dataclass(frozen=True, slots=True)
class BulkBar:
    """The bar's menus, its notice after a change and its refusal."""

    # The status menu: the project's workflow states, grouped by category (these labels).
    states: Sequence[WorkflowState]
    priorities: list[str]
    notice: str | None
    error: str | None
    status_labels: Mapping[str, str] = field(default_factory=lambda: STATUS_LABELS)


def bulk_bar(
    request: Request, states: Sequence[WorkflowState], error: str | None = None
) -> BulkBar:
    """The bar of a list page (the notice comes from the redirect after a change)."""
    return BulkBar(
        states=states,
        priorities=[p.value for p in Priority],
        notice=_DONE.get(request.query_params.get("bulk", "")),
        error=error,
    )
