"""Errors of page requests as friendly pages, from the same decisions the API makes.

The app's exception handlers (kit/errors.py) decide every error's status and text once, as
problem+json. For a browser's request of a page path this module wraps each handler and
turns its answer into the error page (with the request id), an htmx fragment for the
flash area, or, for a 401, a redirect to the sign-in page. A 404 for another tenant's
resource is the API's 404 with the API's text: it looks exactly like a missing one.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit

import orjson
from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse, Response

from smarttask.kit.problems import PROBLEM_MEDIA_TYPE

_NOT_PAGES = ("/api/", "/health", "/docs", "/redoc", "/openapi.json", "/metrics")
_TITLES = {
    400: "That request did not work",
    401: "Please sign in",
    403: "You cannot do that here",
    404: "Page not found",
    405: "That does not work here",
    409: "Something changed meanwhile",
    412: "Something changed meanwhile",
    413: "That is too large",
    415: "That does not work here",
    422: "Please check what you entered",
    429: "Slow down a little",
    500: "Something went wrong on our side",
    503: "We are briefly unavailable",
}

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def is_page(path: str) -> bool:
    """Whether a path belongs to the web app (not the API, health, docs or metrics)."""
    return not path.startswith(_NOT_PAGES)


def wants_a_page(request: Request) -> bool:
    """Whether the client is a browser (or htmx): it asks for HTML, not a problem document.

    An API client that misses `/api/v1` (Accept `*/*` or JSON) still gets the problem+json
    the contract promises for unknown routes.
    """
    if request.headers.get("hx-request") == "true":
        return True
    return "text/html" in request.headers.get("accept", "")


def _next_url(request: Request) -> str:
    path = request.url.path
    if request.method != "GET" or request.headers.get("hx-request") == "true":
        current = request.headers.get("hx-current-url")
        path = urlsplit(current).path if current else "/"
    return "/login?next=" + quote(path, safe="/")


async def _know_the_caller(request: Request) -> None:
    """Look up who is signed in, for the page's frame, unless a dependency already did."""
    from smarttask.web import signin

    try:
        await signin.caller(request)
    except Exception:  # the error may be the database's own: the page then shows signed out
        request.scope.setdefault("state", {})["web_caller"] = None


async def page_for_problem(request: Request, problem: Response) -> Response:
    """The page (or htmx fragment, or sign-in redirect) for a problem+json answer."""
    from smarttask.web.render import render

    status = problem.status_code
    if status == 401 and "/login" not in request.url.path:
        target = _next_url(request)
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    await _know_the_caller(request)
    body: dict[str, Any] = orjson.loads(bytes(problem.body))
    context = {
        "status": status,
        "title": _TITLES.get(status, body.get("title", "Error")),
        "detail": body.get("detail", ""),
        "errors": body.get("errors") or [],
        "problem_request_id": body.get("request_id"),
    }
    headers = {
        name: value
        for name, value in problem.headers.items()
        if name.lower() in ("retry-after", "ratelimit", "ratelimit-policy")
    }
    if request.headers.get("hx-request") == "true":
        headers |= {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        return render(request, "partials/flash_error.html", context, status=status, headers=headers)
    return render(request, "errors/error.html", context, status=status, headers=headers)


def install(app: FastAPI) -> None:
    """Wrap the app's exception handlers: page paths get pages, the API its problems."""
    for key, handler in list(app.exception_handlers.items()):
        app.exception_handlers[key] = _for_pages(handler)


def _for_pages(handler: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        answer = handler(request, exc)
        response = await answer if inspect.isawaitable(answer) else answer
        if (
            response.media_type == PROBLEM_MEDIA_TYPE
            and is_page(request.url.path)
            and wants_a_page(request)
        ):
            return await page_for_problem(request, response)
        return response

    return handle
