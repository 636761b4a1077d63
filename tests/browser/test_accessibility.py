"""Accessibility sweep: every page, signed out and in, empty and full, and the error pages, at
desktop and phone width, in light and dark: no serious or critical axe-core violation, no
page wider than the phone, and, by keyboard alone, the skip link first and a visible focus
outline on every control Tab reaches.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.accounts import enable_totp
from tests.support.browser import PASSWORD, LiveServer, assert_accessible
from tests.support.web_sweeps import (
    Tenant,
    add_cookies,
    invitation,
    make_admin,
    notifications_of,
    person,
    project,
    project_member,
    saved_report,
    sign_in_http,
    tenant,
    webhook,
    workspace,
)

PageFactory = Callable[..., Awaitable[Any]]
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 800}}
TABS = 80  # Tab presses per page at most (every control of a full page is reached before)
# A webhook's address: a public IP literal (no DNS needed); it takes only analysis.completed,
# which nothing here causes, so nothing is ever sent to it.
HOOK_URL = "https://93.184.215.14/hooks/smarttask"
LINK_TOKEN = "t" * 43  # the shape of a mailed link's token; no such link exists


@dataclass
class People:
    """The accounts the pages are seen as, and the ids of their things."""

    made: Tenant
    owner_cookies: dict[str, str]
    newcomer_cookies: dict[str, str]
    bare_workspace_id: str
    empty_project_id: str
    totp_email: str
    admin_cookies: dict[str, str]


@pytest.fixture(scope="module")
async def people(server: LiveServer) -> People:
    """A full tenant (plus a workspace without projects and a project without tasks), a
    newcomer without any workspace, an account with TOTP on and an instance administrator."""
    made = await tenant(server.base_url)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        bare = await workspace(http, made.owner, "Empty workspace")
        empty = await project(http, made.owner, made.workspace_id, "Empty project", "EMPTY")
        # Private, with the member in it: its pages carry the "Private" badge.
        await project_member(http, made.owner, empty, made.member, private=True)
        newcomer = await person(http, "Newcomer")
        careful = await person(http, "Careful")
        await enable_totp(http, careful.headers, PASSWORD)
        made.extra["report_id"] = await saved_report(
            http, made.owner, made.workspace_id, "Weekly work", recipients=["lead@example.com"]
        )
        await invitation(http, made.owner, made.workspace_id, "invited@example.com")
        made.extra["webhook_id"], _ = await webhook(
            http, made.owner, made.workspace_id, HOOK_URL, ["analysis.completed"]
        )
        await notifications_of(http, made.owner)  # the member assigned the owner a subtask
        admin = await person(http, "Admin")
    await make_admin(server.database_url, admin.email)
    owner_cookies, _ = await sign_in_http(server.base_url, made.owner.email)
    newcomer_cookies, _ = await sign_in_http(server.base_url, newcomer.email)
    admin_cookies, _ = await sign_in_http(server.base_url, admin.email)
    return People(made, owner_cookies, newcomer_cookies, bare, empty, careful.email, admin_cookies)


# Each page: who sees it ("visitor": signed out), its address, the status it answers.
PAGES: dict[str, tuple[str, str, int]] = {
    "sign in": ("visitor", "/login", 200),
    "register": ("visitor", "/register", 200),
    "not found, signed out": ("visitor", "/no/such/page", 404),
    "my tasks, empty": ("newcomer", "/my-tasks", 200),
    "workspaces, empty": ("newcomer", "/workspaces", 200),
    "profile, newcomer": ("newcomer", "/profile", 200),
    "my tasks": ("owner", "/my-tasks", 200),
    "workspaces": ("owner", "/workspaces", 200),
    "workspace": ("owner", "/workspaces/{workspace}", 200),
    "workspace without projects": ("owner", "/workspaces/{bare}", 200),
    "workspace settings": ("owner", "/workspaces/{workspace}/settings", 200),
    "workspace deletion": ("owner", "/workspaces/{workspace}/settings/delete", 200),
    "project deletion": (
        "owner",
        "/workspaces/{workspace}/settings/projects/{project}/delete",
        200,
    ),
    "dashboard": ("owner", "/workspaces/{workspace}/dashboard", 200),
    "dashboard of one project, 7 days": (
        "owner",
        "/workspaces/{workspace}/dashboard?days=7&project_id={project}",
        200,
    ),
    "dashboard, empty": ("owner", "/workspaces/{bare}/dashboard", 200),
    "dashboard summary": ("owner", "/workspaces/{workspace}/dashboard/summary", 200),
    "report builder": (
        "owner",
        "/workspaces/{workspace}/reports/new?dimension=assignee&dimension=label&metric=created",
        200,
    ),
    "report builder, refused": (
        "owner",
        "/workspaces/{workspace}/reports/new?dimension=day&dimension=week&from=2026-12-01&to=x",
        200,
    ),
    "report builder, empty": ("owner", "/workspaces/{bare}/reports/new", 200),
    "saved reports": ("owner", "/workspaces/{workspace}/reports", 200),
    "saved reports, empty": ("owner", "/workspaces/{bare}/reports", 200),
    "a saved report": ("owner", "/reports/{report}", 200),
    "a saved report's deliveries": ("owner", "/reports/{report}/deliveries", 200),
    "a saved report's summary": ("owner", "/reports/{report}/summary", 200),
    "report deletion": ("owner", "/reports/{report}/delete", 200),
    "project list": ("owner", "/projects/{project}", 200),
    "project list, empty": ("owner", "/projects/{empty}", 200),
    "project list, nothing found": ("owner", "/projects/{project}?q=nothing-matches-this", 200),
    "board": ("owner", "/projects/{project}/board", 200),
    "board, empty": ("owner", "/projects/{empty}/board", 200),
    "project settings": ("owner", "/projects/{project}/settings", 200),
    "project settings, private": ("owner", "/projects/{empty}/settings", 200),
    "task": ("owner", "/tasks/{task}", 200),
    "subtask": ("owner", "/tasks/{subtask}", 200),
    "task edit form": ("owner", "/tasks/{task}/edit", 200),
    "a card's move page": ("owner", "/tasks/{task}/move", 200),
    "a task's comments on their own": ("owner", "/tasks/{task}/more/comments", 200),
    "a task's activity on its own": ("owner", "/tasks/{task}/more/activity", 200),
    "profile": ("owner", "/profile", 200),
    "not found, signed in": ("owner", "/tasks/{missing}", 404),
    # Links from mails: without a valid token the page says so, with 400.
    "forgot password": ("visitor", "/forgot-password", 200),
    "reset password, no token": ("visitor", "/reset-password", 400),
    "reset password, unknown token": ("visitor", "/reset-password?token={link_token}", 400),
    "verify email": ("visitor", "/verify-email?token={link_token}", 200),
    "verify email, signed in": ("newcomer", "/verify-email", 200),
    "invitation, no token": ("visitor", "/invitations/accept", 400),
    "invitation, unknown token, signed in": (
        "newcomer",
        "/invitations/accept?token={link_token}",
        400,
    ),
    # Notifications.
    "inbox": ("owner", "/notifications", 200),
    "inbox, unread only": ("owner", "/notifications?unread=true", 200),
    "inbox, empty": ("newcomer", "/notifications", 200),
    "a task's watch page": ("owner", "/notifications/watch/{task}", 200),
    "notification preferences": ("owner", "/profile/notifications", 200),
    # Live streams: a browser navigating to one gets a page saying what it is (406).
    "own live stream, navigated to": ("owner", "/live", 406),
    "a workspace's live stream, navigated to": ("owner", "/workspaces/{workspace}/live", 406),
    # Webhooks.
    "webhooks": ("owner", "/workspaces/{workspace}/webhooks", 200),
    "webhooks, empty": ("owner", "/workspaces/{bare}/webhooks", 200),
    "a webhook": ("owner", "/webhooks/{webhook}", 200),
    "webhook deletion": ("owner", "/webhooks/{webhook}/delete", 200),
    # The calendar feed.
    "calendar feed": ("owner", "/profile/calendar", 200),
    # Single sign-on: one's sign-in methods, a refused return from a provider, an unknown one.
    "sign-in methods": ("owner", "/profile/sign-in-methods", 200),
    "sign-in methods, newcomer": ("newcomer", "/profile/sign-in-methods", 200),
    "single sign-on refused": ("visitor", "/auth/oidc/keycloak/callback?state=x&code=y", 400),
    "single sign-on, unknown provider": ("visitor", "/auth/oidc/nope/login", 404),
    # The data export (its other states: tests/browser/test_export_page.py).
    "data export": ("owner", "/profile/export", 200),
    # The security log: instance administrators only.
    "security log": ("admin", "/admin/security-log", 200),
    "security log, one event": ("admin", "/admin/security-log?event=login.succeeded", 200),
    "security log, nothing found": ("admin", "/admin/security-log?actor_id={missing}", 200),
    "security log, refused filters": (
        "admin",
        "/admin/security-log?from=2026-12-02T00:00&to=2026-12-01T00:00&event=Bad",
        422,
    ),
    "security log, not an administrator": ("owner", "/admin/security-log", 404),
}


def _path(template: str, people: People) -> str:
    made = people.made
    return template.format(
        workspace=made.workspace_id,
        bare=people.bare_workspace_id,
        project=made.project_id,
        empty=people.empty_project_id,
        task=made.task_id,
        subtask=made.subtask_id,
        report=made.extra["report_id"],
        webhook=made.extra["webhook_id"],
        link_token=LINK_TOKEN,
        missing=uuid.uuid4(),
    )


async def _open(
    new_page: PageFactory, server: LiveServer, people: People, name: str, size: str
) -> Any:
    who, template, status = PAGES[name]
    page = await new_page(viewport=SIZES[size])
    if who != "visitor":
        cookies = {
            "owner": people.owner_cookies,
            "newcomer": people.newcomer_cookies,
            "admin": people.admin_cookies,
        }[who]
        await add_cookies(page, server.base_url, cookies)
    response = await page.goto(_path(template, people))
    assert response is not None
    assert response.status == status, f"{name}: {response.status}"
    await page.wait_for_load_state("networkidle")
    return page


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(PAGES))
async def test_every_page_is_accessible(
    name: str, size: str, people: People, new_page: PageFactory, server: LiveServer
) -> None:
    page = await _open(new_page, server, people, name, size)
    await assert_accessible(page)
    wide = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name} is {wide} px wider than the {size} window"
    assert page.js_errors == []


@pytest.mark.parametrize("size", list(SIZES))
async def test_the_code_step_is_accessible(
    size: str, people: People, new_page: PageFactory
) -> None:
    page = await new_page(viewport=SIZES[size])
    await page.goto("/login")
    await page.get_by_label("Email").fill(people.totp_email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_selector("input[name='code']")
    await assert_accessible(page)


@pytest.mark.parametrize("size", list(SIZES))
async def test_the_refused_page_is_accessible(
    size: str, people: People, new_page: PageFactory, server: LiveServer
) -> None:
    """A form sent with a stale token: the 403 page."""
    page = await _open(new_page, server, people, "my tasks", size)
    # Built through the DevTools protocol (the page's CSP does not apply to it).
    await page.evaluate(
        """() => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = '/logout';
        const field = document.createElement('input');
        field.type = 'hidden'; field.name = 'csrf_token'; field.value = 'stale';
        form.append(field);
        document.body.append(form);
        form.submit();
    }"""
    )
    await page.wait_for_load_state()
    await page.get_by_role("heading", name="You cannot do that here").wait_for()
    await assert_accessible(page)


FOCUS_STATE = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    label: (el.getAttribute('aria-label') || el.textContent || el.name || '').trim().slice(0, 40),
    skip: el.classList.contains('skip-link'),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    shadow: style.boxShadow !== 'none',
    width: box.width, height: box.height,
    onscreen: box.right > 0 && box.bottom > 0 && box.left < innerWidth && box.top < innerHeight,
    path: el.id || el.getAttribute('name') || el.className || el.tagName,
  };
}
"""


# The first control in the document's tab order (positive tabindex would come first).
FIRST_TABBABLE = """
() => {
  const all = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]');
  const first = [...all].find((el) => el.tabIndex >= 0 && !el.disabled);
  return first ? first.className : null;
}
"""


@pytest.mark.parametrize("name", [name for name in PAGES if PAGES[name][2] == 200])
async def test_the_keyboard_reaches_every_control_visibly(
    name: str, people: People, new_page: PageFactory, server: LiveServer
) -> None:
    """Tab from the top: the skip link first (a page that puts the focus in its form, as the
    sign-in page does, starts there instead, with the skip link first in the tab order),
    then every control with a visible focus indicator, on screen."""
    page = await _open(new_page, server, people, name, "desktop")
    assert await page.evaluate(FIRST_TABBABLE) == "skip-link", name
    autofocus = await page.evaluate(FOCUS_STATE)
    await page.keyboard.press("Tab")
    first = await page.evaluate(FOCUS_STATE)
    assert first is not None
    if autofocus is None:
        assert first["skip"], f"{name}: Tab reaches {first} first"
    seen = []
    for _ in range(TABS):
        state = await page.evaluate(FOCUS_STATE)
        if state is None or (state["skip"] and seen):
            break
        seen.append(state)
        assert state["outline"] or state["shadow"], f"{name}: no visible focus on {state}"
        assert state["width"] > 0, f"{name}: focus on a hidden {state}"
        assert state["height"] > 0, f"{name}: focus on a hidden {state}"
        assert state["onscreen"], f"{name}: the focused control is off screen: {state}"
        await page.keyboard.press("Tab")
    assert len(seen) > 1, f"{name}: Tab reaches nothing after the skip link"
    if autofocus is None:
        await page.goto(page.url)
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")
        assert await page.evaluate("() => document.activeElement.id") == "main"
