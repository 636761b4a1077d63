"""Answers of the task page's routes: the page, its parts as htmx fragments, redirects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import Request
from starlette.responses import RedirectResponse, Response

from smarttask.web.render import render


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (it swaps a fragment in; else a full page is wanted)."""
    return request.headers.get("hx-request") == "true"


def parts(
    request: Request,
    context: Mapping[str, Any],
    names: Sequence[str],
    *,
    status: int = 200,
    version: int | None = None,
) -> Response:
    """The first part for htmx's target, the others swapped in place by id (out of band).

    `version`: the task's version after a change, which task.js writes into every form of
    the page that carries one (a later save from another form is then not "stale").
    """
    headers = {}
    if version is not None:
        headers["HX-Trigger"] = orjson.dumps({"task-version": version}).decode()
    return render(
        request,
        "tasks/_parts.html",
        {**context, "parts": list(names)},
        status=status,
        headers=headers,
    )


def back(task_id: str, anchor: str = "") -> Response:
    """After a form post without JavaScript: the task page again (303)."""
    return RedirectResponse(f"/tasks/{task_id}{'#' + anchor if anchor else ''}", status_code=303)
