"""A view's filters: the task list's query parameters, parsed exactly as the lists parse them.

A view stores the query parameters of a list request (`{"status": ["todo"], "label": "x"}`),
not a query of its own: `parse` hands them to the lists' own FastAPI dependency
(`tasks.filters.task_filters`) through FastAPI's dependency solver, so every parameter the
lists accept, with the same validation and the same 422s, is a view filter too, including
parameters added to the lists later. Custom-field filters (`field.<id>`, contract §11) are
read by the list dependency from the request's query parameters, so they pass through here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any
from urllib.parse import urlencode

from smarttask.kit.problems import ValidationFailed
from smarttask.speed import _fastapi_private as private
from smarttask.tasks.filters import TaskFilters, task_filters

# Not list parameters but a view's own: its project (a workspace list narrowed to one project).
PROJECT = "project_id"
# Parameters with a name of this form (custom fields, contract §11).
PREFIXES = ("field.",)
# Parameters a view never stores: `sort` is a field of the view, paging belongs to the run.
RESERVED = ("sort", "limit", "cursor")
ParamValue = str | Sequence[str]


@cache
def _declared() -> dict[str, bool]:
    """The list's query parameter names, each with whether it is repeatable."""
    return private.query_parameters(task_filters)


def repeatable(name: str) -> bool:
    """Whether the list takes this parameter more than once (`status=todo&status=done`)."""
    return _declared().get(name, False)


def _error(loc: Sequence[Any], message: str, kind: str = "value_error") -> dict[str, Any]:
    return {"loc": list(loc), "msg": message, "type": kind}


def check_names(params: Mapping[str, ParamValue], loc: Sequence[str]) -> None:
    """Refuse (422) names the lists do not take and lists given to a one-value parameter."""
    declared = _declared()
    errors = []
    for name, value in params.items():
        if name in RESERVED or (
            name not in declared and name != PROJECT and not name.startswith(PREFIXES)
        ):
            errors.append(_error([*loc, name], f"'{name}' is not a filter of the task list."))
        elif not isinstance(value, str) and len(value) > 1 and not declared.get(name, False):
            errors.append(_error([*loc, name], f"'{name}' takes one value, not a list."))
    if errors:
        raise ValidationFailed("These filters are not valid.", errors=errors)


def query_string(params: Mapping[str, ParamValue]) -> bytes:
    """The parameters as a URL query string (a list: the parameter repeated)."""
    pairs = [
        (name, item)
        for name, value in params.items()
        for item in ([value] if isinstance(value, str) else value)
    ]
    return urlencode(pairs).encode()


async def parse(params: Mapping[str, ParamValue], loc: Sequence[str]) -> TaskFilters:
    """The list filters these query parameters make, by the lists' own parsing; 422 if invalid.

    `loc` is where the parameters sit in the request (errors are reported under it).
    """
    filters, errors = await private.solve_from_query(task_filters, query_string(params))
    if errors:
        raise ValidationFailed(
            "These filters are not valid.",
            errors=[
                _error([*loc, *error["loc"][1:]], error["msg"], error["type"]) for error in errors
            ],
        )
    assert isinstance(filters, TaskFilters)
    return filters
