"""What the list view's bulk-edit bar shows: its choices, and the outcome of the last use."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from smarttask.tasks.schemas import Priority, Status

_DONE = {
    "updated": "The checked tasks were changed.",
    "trashed": "The checked tasks were moved to the trash.",
}


@dataclass(frozen=True, slots=True)
class BulkBar:
    """The bar's menus, its notice after a change and its refusal."""

    statuses: list[str]
    priorities: list[str]
    notice: str | None
    error: str | None


def bulk_bar(request: Request, error: str | None = None) -> BulkBar:
    """The bar of a list page (the notice comes from the redirect after a change)."""
    return BulkBar(
        statuses=[s.value for s in Status],
        priorities=[p.value for p in Priority],
        notice=_DONE.get(request.query_params.get("bulk", "")),
        error=error,
    )
