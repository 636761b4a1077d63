"""Tenancy and CSRF sweep over every page route the app has, found by enumerating its routes.

- A signed-in person who is not a member of a workspace gets, for every page of that
  workspace, its projects and tasks (GET) and for every form post (POST), the same 404 page
  as for an id that does not exist: nothing says the thing is there.
- Every page POST without this browser's CSRF token, with a forged one or with another
  login's, answers 403 and changes nothing.
- The API never takes the cookie: every API route that needs a caller answers 401 to a
  request carrying only the session cookie (and even the CSRF header).
- The live streams (/live, /workspaces/{id}/live) answer a browser navigation with the 406
  page; the stream of another tenant's workspace answers 404.

The tenant has one of everything an id names: a pending invitation, an inbox item, a
webhook whose one delivery (to the module's local receiver) succeeded, a calendar feed.

The routes come from the app itself (`create_app`, `flat_routes`), so a new page route
cannot be forgotten: a POST route missing from `FORMS` fails
`test_every_page_post_route_is_covered`, and an id parameter missing from `IDS` fails the
sweep that meets it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import pytest

from smarttask.app import create_app
from smarttask.notifications.kinds import Kind
from smarttask.speed._fastapi_private import flat_routes
from tests.support import BACKENDS, make_settings
from tests.support.browser import PASSWORD, LiveServer, live_server
from tests.support.faults import wait_until
from tests.support.web_sweeps import (
    BROWSER,
    Tenant,
    Texts,
    add_cookies,
    invitation,
    notifications_of,
    project_member,
    saved_report,
    sign_in_http,
    tenant,
    webhook,
)
from tests.support.webhook_receiver import WebhookReceiver

PageFactory = Callable[..., Awaitable[Any]]
NOT_PAGES = ("/api", "/health", "/static", "/docs", "/openapi", "/redoc")
# Which of a tenant's ids a route parameter of this name takes.
IDS: dict[str, Callable[[Tenant], str]] = {
    "workspace_id": lambda t: t.workspace_id,
    "project_id": lambda t: t.project_id,
    "task_id": lambda t: t.task_id,
    "comment_id": lambda t: t.comment_id,
    "attachment_id": lambda t: t.attachment_id,
    "user_id": lambda t: t.member.id,
    "token_id": lambda t: t.extra["token_id"],
    "depends_on_id": lambda t: t.subtask_id,
    "report_id": lambda t: t.extra["report_id"],
    "notification_id": lambda t: t.extra["notification_id"],
    "invitation_id": lambda t: t.extra["invitation_id"],
    "webhook_id": lambda t: t.extra["webhook_id"],
    "delivery_id": lambda t: t.extra["delivery_id"],
    "view_id": lambda t: t.extra["view_id"],
    "state_id": lambda t: t.extra["state_id"],
    "field_id": lambda t: t.extra["field_id"],
}
# Path parameters that are not ids: a value the route accepts.
VALUES = {"name": "comments", "format": "csv", "token": "not-a-feed-token", "provider": "github"}
NEW_PASSWORD = "another-long-passphrase-77"
# Every page POST route, with a form that would be accepted from a member with the right
# role (the owner's own ids filled in): without it a refusal could come from the form.
FORMS: dict[str, dict[str, str | list[str]]] = {
    "/login": {"email": "someone@example.com", "password": PASSWORD},
    "/login/code": {"step": "x", "code": "123456"},
    "/register": {"name": "Mallory", "email": "mallory@example.com", "password": PASSWORD},
    "/logout": {},
    "/workspaces": {"name": "Hijack"},
    "/workspaces/{workspace_id}/projects": {"name": "Hijack", "key": "HIJ", "description": ""},
    "/workspaces/{workspace_id}/settings/name": {"name": "Hijacked"},
    "/workspaces/{workspace_id}/settings/timezone": {"timezone": "Pacific/Auckland"},
    "/workspaces/{workspace_id}/settings/delete": {},
    "/workspaces/{workspace_id}/members": {"email": "mallory@example.com", "role": "admin"},
    "/workspaces/{workspace_id}/members/{user_id}/role": {"role": "viewer"},
    "/workspaces/{workspace_id}/members/{user_id}/remove": {},
    "/workspaces/{workspace_id}/settings/projects/{project_id}/name": {"name": "Hijacked"},
    "/workspaces/{workspace_id}/settings/projects/{project_id}/delete": {},
    "/profile/name": {"name": "Hijacked"},
    "/profile/password": {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    "/profile/totp": {"current_password": PASSWORD},
    "/profile/totp/confirm": {"code": "123456", "current_password": PASSWORD},
    "/profile/totp/remove": {"current_password": PASSWORD, "code": ""},
    "/profile/tokens": {"name": "stolen", "current_password": PASSWORD},
    "/profile/tokens/{token_id}/revoke": {},
    "/tasks/{task_id}": {"title": "Hijacked", "status": "done"},
    "/tasks/{task_id}/subtasks": {"title": "Hijack"},
    "/tasks/{task_id}/dependencies": {"depends_on": "WEB-2"},
    "/tasks/{task_id}/dependencies/{depends_on_id}/delete": {},
    "/tasks/{task_id}/comments": {"body": "Hijack"},
    "/tasks/{task_id}/comments/{comment_id}": {"body": "Hijacked"},
    "/tasks/{task_id}/comments/{comment_id}/delete": {},
    "/tasks/{task_id}/attachments": {
        "filename": "hijack.txt",
        "content_type": "text/plain",
        "size": "5",
    },
    "/tasks/{task_id}/attachments/{attachment_id}/complete": {},
    "/tasks/{task_id}/attachments/{attachment_id}/delete": {},
    "/tasks/{task_id}/analysis": {},
    "/tasks/{task_id}/move": {"status": "done"},
    # Time tracking and recurrence (docs/planning.md).
    "/tasks/{task_id}/time/timer": {"action": "start"},
    "/tasks/{task_id}/time/entries": {"minutes": "30", "date": "2026-12-01"},
    "/tasks/{task_id}/repeat": {"preset": "weekly", "rrule": "", "origin": "completion"},
    "/projects/{project_id}/tasks": {"title": "Hijack", "view": "board"},
    # Bulk edit (the form names tasks by id: an outsider cannot even name the project).
    "/projects/{project_id}/bulk": {"task_ids": ["WEB-1"], "priority": "urgent"},
    # The trash: the tenant's task is not in it (another tenant's trashed one: the API sweep).
    "/trash/{task_id}/restore": {},
    "/trash/{task_id}/delete": {},
    # A project's settings: its visibility and its members (the tenant's member is one).
    "/projects/{project_id}/settings/visibility": {"visibility": "private"},
    "/projects/{project_id}/members": {"user_id": "someone"},
    "/projects/{project_id}/members/{user_id}/remove": {},
    # A project's workflow states (the tenant's "To do").
    "/projects/{project_id}/states": {"name": "Hijack", "category": "todo"},
    "/projects/{project_id}/states/{state_id}": {"name": "Hijacked"},
    "/projects/{project_id}/states/{state_id}/delete": {},
    # A project's import: a file upload (multipart); refused before the file is read.
    "/projects/{project_id}/import": {},
    "/workspaces/{workspace_id}/reports": {
        "name": "Hijack",
        "visibility": "workspace",
        "definition": '{"metrics": ["created"]}',
    },
    "/reports/{report_id}/schedule": {
        "frequency": "daily",
        "time": "08:00",
        "timezone": "UTC",
        "format": "csv",
        "recipients": "mallory@example.com",
        "delivery": "mail",
    },
    "/reports/{report_id}/schedule/remove": {},
    "/reports/{report_id}/settings": {"name": "Hijacked", "visibility": "workspace"},
    "/reports/{report_id}/delete": {},
    # Account mail: links people follow from a mail (the tokens are well-formed, not real).
    "/forgot-password": {"email": "someone@example.com"},
    "/reset-password": {"token": "t" * 43, "new_password": NEW_PASSWORD},
    "/verify-email": {"token": "t" * 43},
    "/verify-email/resend": {},
    "/invitations/accept": {"token": "t" * 43},
    "/workspaces/{workspace_id}/invitations": {"email": "mallory@example.com", "role": "admin"},
    "/workspaces/{workspace_id}/invitations/{invitation_id}/revoke": {},
    # Notifications.
    "/notifications/read-all": {},
    "/notifications/{notification_id}/read": {},
    "/notifications/watch/{task_id}": {"watch": "off"},
    "/profile/notifications": {
        **{f"{kind.value}.in_app": "on" for kind in Kind},
        **{f"{kind.value}.email": "daily" for kind in Kind},
        "timezone": "Pacific/Auckland",
    },
    "/profile/timezone": {"timezone": "Pacific/Auckland"},
    # Webhooks.
    "/workspaces/{workspace_id}/webhooks": {
        "url": "https://93.184.215.14/hijack",
        "events": ["task.created", "comment.created"],
    },
    "/webhooks/{webhook_id}/enable": {},
    "/webhooks/{webhook_id}/disable": {},
    "/webhooks/{webhook_id}/rotate-secret": {},
    "/webhooks/{webhook_id}/delete": {},
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver": {},
    # The calendar feed.
    "/profile/calendar": {},
    "/profile/calendar/off": {},
    # Single sign-on: linking and unlinking a provider (the password is the proof).
    "/profile/sign-in-methods/{provider}/link": {"current_password": PASSWORD},
    "/profile/sign-in-methods/{provider}/unlink": {"current_password": PASSWORD},
    # Saved views ("Save as view" from a project's list; edit, share, delete).
    "/workspaces/{workspace_id}/views": {"name": "Hijack", "layout": "list", "label": "x"},
    "/views/{view_id}/edit": {"name": "Hijacked", "layout": "board", "version": "1"},
    "/views/{view_id}/delete": {},
    # Custom fields: the workspace's (admins) and a task's values (members).
    "/workspaces/{workspace_id}/fields": {"name": "Hijack", "type": "text"},
    "/fields/{field_id}": {"name": "Hijacked", "version": "1"},
    "/fields/{field_id}/delete": {},
    "/tasks/{task_id}/fields": {"version": "1"},
    # The data export (with the right password: only the CSRF check may refuse it).
    "/profile/export": {"current_password": PASSWORD},
}
# API routes that take no caller (their own credentials, or none).
ANONYMOUS_API = {
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/counters/{name}/increment"),
    ("GET", "/api/v1/counters/{name}"),
    ("PUT", "/api/v1/storage/objects/{key:path}"),
    ("GET", "/api/v1/storage/objects/{key:path}"),
    # Links from a mail: the token in the body is the credential.
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/confirm"),
    ("POST", "/api/v1/auth/verify-email"),
}
# Live event streams: the pages' script reads them; a browser navigation gets the 406 page.
STREAMS = {"/live": 406, "/workspaces/{workspace_id}/live": 406}
MARKER = "Zephyrine"  # in the tenant's texts: a page that shows it leaked the tenant


@dataclass(frozen=True)
class Route:
    """One method of one route: its path and the query parameters it reads."""

    method: str
    path: str
    query: tuple[str, ...]

    @property
    def params(self) -> list[str]:
        """The path parameters, in order."""
        return re.findall(r"{(\w+)(?::\w+)?}", self.path)


def _query_names(dependant: Any) -> list[str]:
    names = [param.name for param in dependant.query_params]
    for sub in dependant.dependencies:
        names += _query_names(sub)
    return names


@cache
def app_routes() -> tuple[Route, ...]:
    """Every (method, path) of the app, lazily loaded routers included."""
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:"), lazy_routes=False)
    app.openapi()  # imports every lazily loaded router
    found = []
    for route in flat_routes(app.routes):
        path = getattr(route, "path", None)
        dependant = getattr(route, "dependant", None)
        for method in sorted(getattr(route, "methods", None) or ()):
            if isinstance(path, str) and method not in ("HEAD", "OPTIONS"):
                query = tuple(_query_names(dependant)) if dependant is not None else ()
                found.append(Route(method, path, query))
    assert any(r.path == "/login" for r in found), "the enumeration is broken"
    return tuple(found)


def page_routes(method: str) -> list[Route]:
    """The web app's routes of this method."""
    return [r for r in app_routes() if r.method == method and not r.path.startswith(NOT_PAGES)]


def _fill(route: Route, value_of: Callable[[str], str]) -> str:
    path = route.path
    for name in route.params:
        value = value_of(name)
        path = re.sub(r"\{" + name + r"(?::\w+)?\}", lambda _, v=value: v, path)
    query = [f"{name}={value_of(name)}" for name in route.query if name in IDS]
    return path + ("?" + "&".join(query) if query else "")


def _known(route: Route) -> Route:
    for name in route.params:
        assert name in IDS or name in VALUES, f"{route.path}: add {{{name}}} to IDS or VALUES"
    return route


def url_for(route: Route, made: Tenant) -> str:
    """The route's address with the tenant's ids."""
    return _fill(_known(route), lambda name: VALUES.get(name) or IDS[name](made))


def missing_url(route: Route) -> str:
    """The route's address with ids that exist nowhere."""
    return _fill(_known(route), lambda name: VALUES.get(name) or str(uuid.uuid4()))


def tenant_scoped(route: Route) -> bool:
    """Whether the route names a workspace, project, task or what is in them."""
    return any(name in IDS for name in (*route.params, *route.query))


def error_text(html: str) -> str:
    """What an error page says (its heading and text), without its request id."""
    found = re.search(r"<main[^>]*>(.*)</main>", html, re.S)
    assert found is not None, html[:500]
    text = re.sub(r"<code>[^<]*</code>", "", found.group(1))
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


async def snapshot(base_url: str, made: Tenant) -> dict[str, Any]:
    """What the owner sees of their tenant through the API (to compare before and after)."""
    reads = {
        "me": "/api/v1/users/me",
        "workspace": f"/api/v1/workspaces/{made.workspace_id}",
        "members": f"/api/v1/workspaces/{made.workspace_id}/members?limit=100",
        "projects": f"/api/v1/workspaces/{made.workspace_id}/projects?limit=100",
        "tasks": f"/api/v1/workspaces/{made.workspace_id}/tasks?limit=100",
        "project": f"/api/v1/projects/{made.project_id}",
        "project members": f"/api/v1/projects/{made.project_id}/members?limit=100",
        "comments": f"/api/v1/tasks/{made.task_id}/comments?limit=100",
        "activity": f"/api/v1/workspaces/{made.workspace_id}/activity?limit=100",
        "attachments": f"/api/v1/tasks/{made.task_id}/attachments?limit=100",
        "tokens": "/api/v1/users/me/tokens?limit=100",
        "reports": f"/api/v1/workspaces/{made.workspace_id}/reports?limit=100",
        "invitations": f"/api/v1/workspaces/{made.workspace_id}/invitations?limit=100",
        "notifications": "/api/v1/notifications?limit=100",
        "notification preferences": "/api/v1/users/me/notification-preferences",
        "watching": f"/api/v1/tasks/{made.task_id}/watch",
        "webhooks": f"/api/v1/workspaces/{made.workspace_id}/webhooks?limit=100",
        "deliveries": f"/api/v1/webhooks/{made.extra['webhook_id']}/deliveries?limit=100",
        "calendar feed": "/api/v1/users/me/calendar-feed",
        "data export": "/api/v1/users/me/export",
        "time entries": f"/api/v1/tasks/{made.task_id}/time-entries?limit=100",
        "views": f"/api/v1/workspaces/{made.workspace_id}/views?limit=100",
        "fields": f"/api/v1/workspaces/{made.workspace_id}/fields?limit=100",
    }
    found: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=base_url, headers=made.owner.headers) as http:
        for name, path in reads.items():
            answer = await http.get(path)
            assert answer.status_code == 200, answer.text
            found[name] = _without_volatile(answer.json())
    return found


def _without_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_volatile(v)
            for k, v in value.items()
            if k not in ("download_url", "download_expires_at")
        }
    if isinstance(value, list):
        return [_without_volatile(item) for item in value]
    return value


@dataclass
class Sweep:
    """The tenant, an outsider signed in through the sign-in page, and the owner likewise."""

    made: Tenant
    own: Tenant  # the outsider's own workspace
    outsider_cookies: dict[str, str]
    outsider_token: str
    owner_cookies: dict[str, str]
    owner_token: str


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    """A real webhook receiver on 127.0.0.1: the tenant's deliveries succeed, once."""
    running = WebhookReceiver().start()
    yield running
    running.stop()


@pytest.fixture(scope="module", params=BACKENDS)
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    """A `smarttask serve` of the backend that may deliver webhooks to 127.0.0.1 (the
    module's receiver), so that the tenant's webhook has a delivery, sent and settled."""
    backend = str(request.param)
    folder = tmp_path_factory.mktemp(f"tenancy-{backend}")
    async with live_server(backend, folder, SMARTTASK_WEBHOOK_ALLOW_PRIVATE="true") as running:
        yield running


async def _settled_delivery(http: httpx.AsyncClient, webhook_id: str) -> str:
    """The id of the webhook's one delivery, once it succeeded (nothing changes after)."""
    found: list[str] = []

    async def succeeded() -> bool:
        answer = await http.get(f"/api/v1/webhooks/{webhook_id}/deliveries")
        assert answer.status_code == 200, answer.text
        found[:] = [d["id"] for d in answer.json()["items"] if d["status"] == "succeeded"]
        return bool(found)

    await wait_until(succeeded, "the webhook's delivery", limit=30)
    return found[0]


async def _mail_links_and_hooks(
    server: LiveServer, made: Tenant, receiver: WebhookReceiver, events: list[str]
) -> None:
    """An invitation, a webhook (with a delivery when it takes task.updated), an inbox item
    and a calendar feed of the tenant, their ids in `made.extra`."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        made.extra["invitation_id"] = await invitation(
            http, made.owner, made.workspace_id, f"invited-{uuid.uuid4().hex[:8]}@example.com"
        )
        made.extra["webhook_id"], secret = await webhook(
            http, made.owner, made.workspace_id, receiver.url(), events
        )
        receiver.secrets.append(secret)
        http.headers.update(made.owner.headers)
        states = await http.get(f"/api/v1/projects/{made.project_id}/states")
        assert states.status_code == 200, states.text
        made.extra["state_id"] = states.json()["items"][0]["id"]
        if "task.updated" in events:
            changed = await http.patch(f"/api/v1/tasks/{made.task_id}", json={"priority": "low"})
            assert changed.status_code == 200, changed.text
            made.extra["delivery_id"] = await _settled_delivery(http, made.extra["webhook_id"])
        # The member assigned the owner the subtask: the owner's inbox has it.
        made.extra["notification_id"] = (await notifications_of(http, made.owner))[0]
        feed = await http.post("/api/v1/users/me/calendar-feed")
        assert feed.status_code == 201, feed.text
        view = await http.post(
            f"/api/v1/workspaces/{made.workspace_id}/views",
            json={"name": f"{made.texts.workspace} view", "shared": True},
        )
        assert view.status_code == 201, view.text
        made.extra["view_id"] = view.json()["id"]
        field = await http.post(
            f"/api/v1/workspaces/{made.workspace_id}/fields",
            json={"name": f"{made.texts.workspace} field", "type": "text"},
        )
        assert field.status_code == 201, field.text
        made.extra["field_id"] = field.json()["id"]


@pytest.fixture(scope="module")
async def sweep(server: LiveServer, receiver: WebhookReceiver) -> Sweep:
    """A tenant whose texts carry MARKER, and an outsider with a workspace of their own."""
    texts = Texts(
        workspace=f"{MARKER} Inc.",
        project=f"{MARKER} website",
        title=f"{MARKER} secret plan",
        subtask=f"{MARKER} sub plan",
        comment=f"{MARKER} comment",
        filename=f"{MARKER}.txt",
        member_name=f"{MARKER} Member",
    )
    made = await tenant(server.base_url, texts)
    async with httpx.AsyncClient(base_url=server.base_url, headers=made.owner.headers) as http:
        await project_member(http, made.owner, made.project_id, made.member)
        created = await http.post(
            "/api/v1/users/me/tokens", json={"name": "ci", "current_password": PASSWORD}
        )
        assert created.status_code == 201, created.text
        made.extra["token_id"] = created.json()["id"]
        made.extra["report_id"] = await saved_report(
            http, made.owner, made.workspace_id, f"{MARKER} report", ["lead@example.com"]
        )
    other = await tenant(server.base_url)  # the outsider owns a workspace of their own
    async with httpx.AsyncClient(base_url=server.base_url, headers=other.owner.headers) as http:
        created = await http.post(
            "/api/v1/users/me/tokens", json={"name": "own", "current_password": PASSWORD}
        )
        assert created.status_code == 201, created.text
        other.extra["token_id"] = created.json()["id"]
    await _mail_links_and_hooks(server, made, receiver, ["task.updated"])
    await _mail_links_and_hooks(server, other, receiver, ["analysis.completed"])
    outsider_cookies, outsider_token = await sign_in_http(server.base_url, other.owner.email)
    owner_cookies, owner_token = await sign_in_http(server.base_url, made.owner.email)
    return Sweep(made, other, outsider_cookies, outsider_token, owner_cookies, owner_token)


def test_every_page_post_route_is_covered() -> None:
    posts = {route.path for route in page_routes("POST")}
    uncovered = posts - FORMS.keys()
    assert not uncovered, f"page POST routes without a form in FORMS (add one): {uncovered}"
    gone = FORMS.keys() - posts
    assert not gone, f"FORMS names routes the app no longer has: {gone}"
    for route in page_routes("POST") + page_routes("GET"):
        _known(route)


def test_the_coverage_check_notices_a_new_page_route() -> None:
    """A POST route added to the app shows up as uncovered."""
    from fastapi import APIRouter

    router = APIRouter()

    @router.post("/tasks/{task_id}/archive")
    async def archive(task_id: str) -> None:
        """A page route nobody added to the sweep."""

    added = {route.path for route in router.routes if hasattr(route, "methods")}
    assert added - FORMS.keys() == {"/tasks/{task_id}/archive"}


async def test_another_tenants_pages_are_not_found(
    sweep: Sweep, new_page: PageFactory, server: LiveServer
) -> None:
    page = await new_page()
    await add_cookies(page, server.base_url, sweep.outsider_cookies)
    checked = []
    for route in page_routes("GET"):
        if not tenant_scoped(route):
            continue
        response = await page.goto(missing_url(route))
        assert response is not None
        assert response.status == 404, f"{route.path} with a missing id: {response.status}"
        missing = error_text(await page.content())
        response = await page.goto(url_for(route, sweep.made))
        assert response is not None
        assert response.status == 404, f"{route.path} of another tenant: {response.status}"
        assert await page.get_by_role("heading", name="Page not found").is_visible()
        assert error_text(await page.content()) == missing, route.path
        assert MARKER not in await page.content()
        checked.append(route.path)
    assert {
        "/projects/{project_id}",
        "/tasks/{task_id}",
        "/notifications/watch/{task_id}",
        "/workspaces/{workspace_id}/live",
        "/workspaces/{workspace_id}/webhooks",
        "/webhooks/{webhook_id}",
        "/webhooks/{webhook_id}/delete",
    } <= set(checked), checked


# Pages for instance administrators only: anyone else gets what an unknown address gets.
ADMIN_PAGES = ("/admin/security-log",)


async def test_administrators_pages_are_not_found_for_others(
    sweep: Sweep, server: LiveServer
) -> None:
    assert set(ADMIN_PAGES) == {r.path for r in page_routes("GET") if r.path.startswith("/admin")}
    async with httpx.AsyncClient(
        base_url=server.base_url, cookies=sweep.outsider_cookies, headers=BROWSER, timeout=30
    ) as http:
        unknown = await http.get(f"/admin/{uuid.uuid4()}")
        assert unknown.status_code == 404
        for path in ADMIN_PAGES:
            answer = await http.get(f"{path}?actor_id={sweep.made.owner.id}")
            assert answer.status_code == 404, f"{path}: {answer.status_code}"
            assert error_text(answer.text) == error_text(unknown.text), path
            assert MARKER not in answer.text


async def test_no_page_of_ones_own_shows_another_tenant(
    sweep: Sweep, new_page: PageFactory, server: LiveServer
) -> None:
    """Pages without an id (home, lists, profile) show nothing of a tenant one is not in."""
    page = await new_page()
    await add_cookies(page, server.base_url, sweep.outsider_cookies)
    for route in page_routes("GET"):
        if tenant_scoped(route):
            continue
        response = await page.goto(url_for(route, sweep.own))
        assert response is not None
        assert response.status < 500, route.path
        if route.path in STREAMS:
            assert response.status == STREAMS[route.path], route.path
        assert MARKER not in await page.content(), route.path


async def test_another_tenants_forms_are_not_found(sweep: Sweep, server: LiveServer) -> None:
    before = await snapshot(server.base_url, sweep.made)
    checked = []
    async with httpx.AsyncClient(
        base_url=server.base_url, cookies=sweep.outsider_cookies, headers=BROWSER, timeout=30
    ) as http:
        for route in page_routes("POST"):
            if not tenant_scoped(route):
                continue
            form = {**FORMS[route.path], "csrf_token": sweep.outsider_token}
            missing = await http.post(missing_url(route), data=form)
            assert missing.status_code == 404, f"{route.path} (missing): {missing.status_code}"
            answer = await http.post(url_for(route, sweep.made), data=form)
            assert answer.status_code == 404, f"{route.path}: {answer.status_code} {answer.text}"
            assert error_text(answer.text) == error_text(missing.text), route.path
            assert MARKER not in answer.text
            checked.append(route.path)
    assert await snapshot(server.base_url, sweep.made) == before
    assert {
        "/notifications/{notification_id}/read",
        "/notifications/watch/{task_id}",
        "/workspaces/{workspace_id}/invitations",
        "/workspaces/{workspace_id}/invitations/{invitation_id}/revoke",
        "/workspaces/{workspace_id}/webhooks",
        "/webhooks/{webhook_id}/disable",
        "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    } <= set(checked), checked


def mixed_urls(route: Route, own: Tenant, made: Tenant) -> list[str]:
    """The route's address with the caller's own ids up to a point, another tenant's after:
    a comment of another workspace under one's own task, and so on."""
    names = [name for name in route.params if name in IDS]
    urls = []
    for cut in range(1, len(names)):
        mine = set(names[:cut])
        urls.append(
            _fill(
                route,
                lambda name, mine=mine: (
                    VALUES.get(name) or IDS[name](own if name in mine else made)
                ),
            )
        )
    return urls


async def test_another_tenants_things_under_ones_own_are_not_found(
    sweep: Sweep, server: LiveServer
) -> None:
    """Ids of two tenants in one address (one's own task, another's comment): 404, and
    nothing of the other tenant changes."""
    before = await snapshot(server.base_url, sweep.made)
    checked = []
    async with httpx.AsyncClient(
        base_url=server.base_url, cookies=sweep.outsider_cookies, headers=BROWSER, timeout=30
    ) as http:
        for route in page_routes("GET") + page_routes("POST"):
            for url in mixed_urls(_known(route), sweep.own, sweep.made):
                if route.method == "GET":
                    answer = await http.get(url)
                else:
                    form = {**FORMS[route.path], "csrf_token": sweep.outsider_token}
                    answer = await http.post(url, data=form)
                assert answer.status_code == 404, f"{route.method} {url}: {answer.status_code}"
                assert MARKER not in answer.text
                checked.append(route.path)
    assert await snapshot(server.base_url, sweep.made) == before
    assert {
        "/workspaces/{workspace_id}/invitations/{invitation_id}/revoke",
        "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    } <= set(checked), checked


async def test_the_live_streams_are_for_members_only(sweep: Sweep, server: LiveServer) -> None:
    """A browser navigation to a stream gets the 406 page (the pages' script reads them);
    the stream itself answers another tenant's workspace as one that does not exist."""
    streams = {"Accept": "text/event-stream"}
    own = sweep.own.workspace_id
    async with httpx.AsyncClient(
        base_url=server.base_url, cookies=sweep.outsider_cookies, timeout=30
    ) as http:
        for path in ("/live", f"/workspaces/{own}/live"):
            answer = await http.get(path, headers=BROWSER)
            assert answer.status_code == 406, f"{path}: {answer.status_code}"
            assert MARKER not in answer.text
        for path, status in (
            (f"/workspaces/{sweep.made.workspace_id}/live", 404),
            (f"/workspaces/{uuid.uuid4()}/live", 404),
            (f"/workspaces/{own}/live", 200),
            ("/live", 200),
        ):
            # Only the status line: a stream that opens never ends.
            async with http.stream("GET", path, headers=streams) as answer:
                assert answer.status_code == status, f"{path}: {answer.status_code}"
                if status == 200:
                    assert answer.headers["content-type"].startswith("text/event-stream")


@pytest.mark.parametrize("token", ["none", "forged", "another login's"])
async def test_page_posts_without_this_browsers_token_are_refused(
    token: str, sweep: Sweep, server: LiveServer
) -> None:
    before = await snapshot(server.base_url, sweep.made)
    sent = {"none": None, "forged": "0" * 64, "another login's": sweep.outsider_token}[token]
    async with httpx.AsyncClient(
        base_url=server.base_url, cookies=sweep.owner_cookies, headers=BROWSER, timeout=30
    ) as http:
        for route in page_routes("POST"):
            form = dict(FORMS[route.path])
            if sent is not None:
                form["csrf_token"] = sent
            answer = await http.post(url_for(route, sweep.made), data=form)
            assert answer.status_code == 403, f"{route.path}: {answer.status_code} {answer.text}"
            headers = {"HX-Request": "true", **({"X-CSRF-Token": sent} if sent else {})}
            answer = await http.post(url_for(route, sweep.made), data=form, headers=headers)
            assert answer.status_code == 403, f"{route.path} (htmx): {answer.status_code}"
        still = await http.get("/", follow_redirects=False)
        assert still.headers["location"] == "/my-tasks", "the sign-out was refused"
    assert await snapshot(server.base_url, sweep.made) == before
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        registered = await http.post(
            "/api/v1/auth/login", json={"email": FORMS["/register"]["email"], "password": PASSWORD}
        )
        assert registered.status_code == 401, "the refused registration made an account"


async def test_the_api_never_takes_the_cookie(sweep: Sweep, server: LiveServer) -> None:
    before = await snapshot(server.base_url, sweep.made)
    headers = {"X-CSRF-Token": sweep.owner_token}
    checked = 0
    async with httpx.AsyncClient(
        base_url=server.base_url, cookies=sweep.owner_cookies, headers=headers, timeout=30
    ) as http:
        for route in app_routes():
            if not route.path.startswith("/api/") or (route.method, route.path) in ANONYMOUS_API:
                continue
            url = _fill(route, lambda name: IDS[name](sweep.made) if name in IDS else "x")
            body = None if route.method in ("GET", "DELETE") else {}
            answer = await http.request(route.method, url, json=body)
            assert answer.status_code == 401, f"{route.method} {route.path}: {answer.status_code}"
            checked += 1
    assert checked > 40
    assert await snapshot(server.base_url, sweep.made) == before
