"""An app whose routers are included on demand routes and documents exactly like the eager one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from smarttask.app import API_PREFIX, create_app
from smarttask.settings import Settings
from smarttask.speed._fastapi_private import api_routes, flat_routes, original_route
from smarttask.speed.lazy_routes import LazyRouters
from smarttask.wiring import app_routers
from tests.support import make_settings, sqlite_url

# Answers that need no database: unknown paths and methods, redirects, refused input,
# missing credentials. Each is sent as the first request of a fresh lazy app.
REQUESTS = [
    ("GET", "/api/v1/no-such-thing"),
    ("GET", "/api/v1"),
    ("GET", "/api/v1/"),
    ("GET", "/nowhere/at/all"),
    ("GET", "/api/v1//counters/x"),
    ("DELETE", "/api/v1/counters/x"),
    ("GET", "/api/v1/counters/NOT!VALID"),
    ("GET", "/api/v1/counters"),
    ("PUT", "/api/v1/tasks/t1"),
    ("GET", "/api/v1/tasks/t1"),
    ("GET", "/api/v1/tasks/t1/comments"),
    ("GET", "/api/v1/tasks/t1/attachments"),
    ("GET", "/api/v1/tasks/t1/nothing-here"),
    ("GET", "/api/v1/tasks/t1/comments/"),
    ("GET", "/api/v1/tasks/t1/analysis"),
    ("GET", "/api/v1/tasks/t1/"),
    ("GET", "/api/v1/workspaces/w1/activity"),
    ("DELETE", "/api/v1/workspaces/w1/members"),
    ("GET", "/api/v1/workspaces/w1/tasks"),
    ("GET", "/api/v1/workspaces/"),
    ("GET", "/api/v1/projects/p1/tasks/"),
    ("GET", "/api/v1/projects/p1/members"),
    ("DELETE", "/api/v1/projects/p1/members/u1"),
    ("PUT", "/api/v1/projects/p1/members"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/auth/login"),
    ("GET", "/api/v1/users/me"),
    ("GET", "/api/v1/comments/c1"),
    ("GET", "/api/v1/attachments/a1"),
    ("PATCH", "/api/v1/storage/objects/a/b"),
    ("PATCH", "/api/v1/storage/objects/a/b/c/d"),
    # Routers of issue 17: account mail, notifications, live events, webhooks, calendar.
    ("GET", "/api/v1/auth/password-reset"),
    ("GET", "/api/v1/auth/verify-email"),
    ("GET", "/api/v1/invitations/i1"),
    ("GET", "/api/v1/workspaces/w1/invitations"),
    ("GET", "/api/v1/notifications"),
    ("GET", "/api/v1/tasks/t1/watch"),
    ("GET", "/api/v1/users/me/notification-preferences"),
    ("GET", "/api/v1/workspaces/w1/events"),
    ("DELETE", "/api/v1/users/me/events/stream"),
    ("GET", "/api/v1/webhooks/h1"),
    ("GET", "/api/v1/workspaces/w1/webhooks"),
    ("GET", "/api/v1/users/me/calendar-feed"),
    # The security log (issue 18): administrators only, signed-in pages only.
    ("GET", "/api/v1/audit-log"),
    ("GET", "/api/v1/audit-log?limit=0"),
    ("GET", "/admin/security-log"),
    # Data exports (issue 18): signed-in callers only.
    ("GET", "/api/v1/users/me/export"),
    ("DELETE", "/api/v1/users/me/export"),
    ("DELETE", "/calendar/not-a-feed-token.ics"),
    # Single sign-on pages (issue 18): an unknown provider, a wrong method, signed out.
    ("GET", "/auth/oidc/nope/login"),
    ("DELETE", "/auth/oidc/nope/callback"),
    ("GET", "/profile/sign-in-methods"),
    ("DELETE", "/health"),
    ("GET", "/health/live"),
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings of apps that never reach their database in these tests."""
    return make_settings(sqlite_url(tmp_path), log_level="WARNING")


def _routers(app: FastAPI) -> LazyRouters:
    routers: LazyRouters = app.state.routers
    return routers


def _route_table(app: FastAPI) -> list[tuple[str, str, tuple[str, ...], str]]:
    return [
        (
            type(original_route(route)).__name__,
            getattr(route, "path", ""),
            tuple(sorted(getattr(route, "methods", None) or ())),
            getattr(route, "name", ""),
        )
        for route in flat_routes(app.router.routes)
    ]


async def _answer(app: FastAPI, method: str, path: str) -> tuple[int, Any, str | None]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.request(method, path)
    body: Any = response.text
    if response.headers.get("content-type", "").startswith("text/html"):
        # A page names its request and carries this browser's CSRF token: both vary.
        body = body.replace(response.headers["x-request-id"], "<request id>")
        body = re.sub(r'value="[0-9a-f]{64}"', 'value="<csrf>"', body)
        body = re.sub(r'"X-CSRF-Token": "[0-9a-f]{64}"', '"X-CSRF-Token": "<csrf>"', body)
    if response.headers.get("content-type", "").endswith("json"):
        body = response.json()
        if isinstance(body, dict):
            body.pop("request_id", None)
    return response.status_code, body, response.headers.get("location")


def test_a_lazy_app_starts_without_api_routes(settings: Settings) -> None:
    """Only health and the documentation routes exist before the first request."""
    app = create_app(settings)
    paths = [getattr(route, "path", "") for route in flat_routes(app.router.routes)]
    assert "/health/live" in paths
    assert not [path for path in paths if path.startswith(API_PREFIX)]
    assert _routers(app).pending == tuple(router.module for router in app_routers())


def test_the_lazy_document_and_routes_equal_the_eager_ones(settings: Settings) -> None:
    """app.openapi() includes every router first, each at its eager place."""
    eager = create_app(settings, lazy_routes=False)
    lazy = create_app(settings)
    assert lazy.openapi() == eager.openapi()
    assert _routers(lazy).pending == ()
    assert _route_table(lazy) == _route_table(eager)


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
async def test_the_documentation_paths_include_every_router(settings: Settings, path: str) -> None:
    """The served document is the eager app's, whichever page is asked for first."""
    eager = create_app(settings, lazy_routes=False)
    lazy = create_app(settings)
    status, _, _ = await _answer(lazy, "GET", path)
    assert status == 200
    assert _routers(lazy).pending == ()
    document = await _answer(lazy, "GET", "/openapi.json")
    assert document == await _answer(eager, "GET", "/openapi.json")


async def test_routes_keep_their_order_whatever_is_included_first(settings: Settings) -> None:
    """Routers included in reverse order end up in declaration order."""
    eager = create_app(settings, lazy_routes=False)
    lazy = create_app(settings)
    routers = _routers(lazy)
    first = ["/api/v1/storage/x", "/api/v1/counters/x", "/api/v1/tasks/x/comments"]
    for path in [*first, "/api/v1/tasks/x/analysis", "/api/v1/auth/x"]:
        await _answer(lazy, "DELETE", path)
    # Page routers (their own prefix) are left out: not only smarttask.web's, also the calendar
    # feed's (/calendar/{token}.ics), which no API path above could import.
    api_modules = {router.module for router in app_routers() if router.prefix is None}
    api_pending = tuple(m for m in routers.pending if m in api_modules)
    assert api_pending == (
        "smarttask.accounts.recovery_routes",
        "smarttask.accounts.users_routes",
        "smarttask.accounts.security_log_routes",
        "smarttask.workspaces.routes",
        "smarttask.workspaces.invitation_routes",
        "smarttask.projects.routes",
        "smarttask.projects.member_routes",
        "smarttask.workflow.routes",
        "smarttask.tasks.move_routes",
        "smarttask.tasks.recurring_routes",
        "smarttask.tasks.collection_routes",
        "smarttask.tasks.state_routes",
        "smarttask.tasks.bulk.routes",
        "smarttask.tasks.trash.routes",
        "smarttask.fields.routes",
        "smarttask.views.routes",
        "smarttask.analysis.summary_routes",
        "smarttask.timetracking.routes",
        "smarttask.analytics.routes",
        "smarttask.reports.routes",
        "smarttask.notifications.routes",
        "smarttask.live.routes",
        "smarttask.webhooks.routes",
        "smarttask.calendar.routes",
        "smarttask.exports.routes",
        "smarttask.imports.routes",
    )
    pages_pending = set(routers.pending) - api_modules
    assert pages_pending == {r.module for r in app_routers() if r.prefix is not None}
    lazy_table = _route_table(lazy)
    assert lazy_table == [row for row in _route_table(eager) if row in lazy_table]
    routers.include_all()
    assert _route_table(lazy) == _route_table(eager)


@pytest.mark.parametrize(("method", "path"), REQUESTS)
async def test_a_cold_lazy_app_answers_like_the_eager_app(
    settings: Settings, method: str, path: str
) -> None:
    """Same status, body and redirect as the eager app for a first request."""
    eager = create_app(settings, lazy_routes=False)
    lazy = create_app(settings)
    assert await _answer(lazy, method, path) == await _answer(eager, method, path)


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/nowhere", "/api/v1//counters/x"])
async def test_a_path_no_router_serves_includes_nothing(settings: Settings, path: str) -> None:
    """A 404 for a path outside every router's segments imports no router."""
    app = create_app(settings)
    assert (await _answer(app, "GET", path))[0] == 404
    assert len(_routers(app).pending) == len(app_routers())


def _covers(pattern: str, template: str) -> bool:
    """Whether every path the route template matches starts with the pattern's segments."""
    segments = template.split("/")
    parts = pattern.split("/")
    if len(parts) > len(segments):
        return False
    for part, segment in zip(parts, segments, strict=False):
        if part == "*":
            if not (segment.startswith("{") and ":path}" not in segment):
                return False  # a `*` stands for exactly one parameter segment
        elif part != segment or "{" in segment:
            return False
    return True


def test_each_router_declares_the_paths_its_routes_start_with() -> None:
    """Each route is covered by a declared path of its router; each declared path is used."""
    for lazy in app_routers():
        prefix = API_PREFIX if lazy.prefix is None else lazy.prefix
        app = FastAPI()
        app.include_router(lazy.load(), prefix=prefix)
        used = set()
        templates = [r.path for r in api_routes(app.router.routes)]
        assert templates, lazy.module
        for template in templates:
            assert template.startswith(prefix + "/"), template
            relative = template.removeprefix(prefix + "/")
            covering = {pattern for pattern in lazy.paths if _covers(pattern, relative)}
            assert covering, f"{lazy.module}: no declared path covers {template}"
            used |= covering
        assert used == set(lazy.paths), f"{lazy.module}: {set(lazy.paths) - used} unused"


@pytest.mark.parametrize(
    ("path", "modules"),
    [
        ("/api/v1/tasks/t1", {"smarttask.tasks.routes"}),
        (
            "/api/v1/projects/p1/tasks",
            {"smarttask.projects.routes", "smarttask.tasks.collection_routes"},
        ),
        (
            "/api/v1/users/me/tasks",
            {"smarttask.accounts.users_routes", "smarttask.tasks.collection_routes"},
        ),
        ("/api/v1/tasks/t1/", {"smarttask.tasks.routes"}),
        ("/api/v1/tasks/t1/comments", {"smarttask.tasks.routes", "smarttask.comments.routes"}),
        ("/api/v1/counters/x", {"smarttask.counters.routes"}),
        ("/login", {"smarttask.web.pages.auth"}),
        ("/", {"smarttask.web.pages.auth"}),
        ("/static/0/app.css", {"smarttask.web.pages.static"}),
        ("/tasks/t1", {"smarttask.web.pages.tasks"}),
        ("/api/v1/workspaces/w1/activity", {"smarttask.workspaces.routes"}),
        (
            "/api/v1/workspaces/w1/projects",
            {"smarttask.workspaces.routes", "smarttask.projects.routes"},
        ),
        (
            "/api/v1/auth/password-reset",
            {"smarttask.accounts.routes", "smarttask.accounts.recovery_routes"},
        ),
        ("/api/v1/invitations/i1", {"smarttask.workspaces.invitation_routes"}),
        (
            "/api/v1/workspaces/w1/invitations",
            {"smarttask.workspaces.routes", "smarttask.workspaces.invitation_routes"},
        ),
        ("/api/v1/tasks/t1/watch", {"smarttask.tasks.routes", "smarttask.notifications.routes"}),
        ("/api/v1/notifications/n1/read", {"smarttask.notifications.routes"}),
        ("/api/v1/workspaces/w1/events", {"smarttask.workspaces.routes", "smarttask.live.routes"}),
        ("/api/v1/users/me/events", {"smarttask.accounts.users_routes", "smarttask.live.routes"}),
        ("/api/v1/webhooks/h1/rotate-secret", {"smarttask.webhooks.routes"}),
        (
            "/api/v1/users/me/calendar-feed",
            {"smarttask.accounts.users_routes", "smarttask.calendar.routes"},
        ),
        ("/calendar/x.ics", {"smarttask.calendar.feed_routes"}),
        ("/auth/oidc/x/callback", {"smarttask.web.pages.sso"}),
        ("/profile/sign-in-methods", {"smarttask.web.pages.sso", "smarttask.web.pages.profile"}),
        (
            "/api/v1/users/me/export",
            {"smarttask.accounts.users_routes", "smarttask.exports.routes"},
        ),
        ("/profile/export", {"smarttask.web.pages.export", "smarttask.web.pages.profile"}),
    ],
)
async def test_a_request_includes_only_the_routers_that_could_serve_it(
    settings: Settings, path: str, modules: set[str]
) -> None:
    """A task read does not import comments, analysis, activity or attachments."""
    app = create_app(settings)
    await _answer(app, "DELETE", path)
    included = {router.module for router in app_routers()} - set(_routers(app).pending)
    assert included == modules
