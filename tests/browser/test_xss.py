"""XSS sweep: script payloads in every text people can type, seen on every page that shows it.

A tenant is made through the API (as any client could) with payloads in its workspace,
project, task title and description, labels, subtask, comment, attachment file name and
people's names (tests/support/web_sweeps.py: `HOSTILE`). On each page the test asserts that
nothing ran (`window.__pwned` stays undefined, no dialog opened), that no script element and
no `javascript:` link is in the DOM, no event-handler attribute anywhere, and that the
payloads are shown as the text they are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.support.browser import PASSWORD, LiveServer, sign_in
from tests.support.web_sweeps import (
    BREAKOUT,
    HOSTILE,
    MARKDOWN,
    PAYLOADS,
    REPORT_NAME,
    SCRIPT,
    TEMPLATE,
    TOKEN_NAME,
    Tenant,
    add_cookies,
    assert_inert,
    collapsed,
    cookies_of,
    invitation,
    make_admin,
    notifications_of,
    project_member,
    saved_report,
    sign_in_http,
    tenant,
    visible_text,
    watch_dialogs,
    webhook,
)

PageFactory = Callable[..., Awaitable[Any]]
# A webhook's URL as typed (no spaces: URLs have none; a public IP literal needs no DNS).
# It takes only analysis.completed, which no test here causes: nothing is ever sent to it.
WEBHOOK_URL = (
    'https://93.184.215.14/hook/"><script>window.__pwned=1</script>'
    "?q={{7*7}}&x=<svg/onload=window.__pwned=1>"
)
# A saved view's name; its filters hold a hostile label (the view page shows its filters).
VIEW_NAME = f"V {SCRIPT} {BREAKOUT} {TEMPLATE}"
# An invited address: what an address may hold ("&lt" would read as "<" if unescaped).
INVITED = "a'{{7*7}}&lt=`/@example.com"
# A User-Agent the security log shows to administrators (anyone can send any).
AGENT = f"Agent {SCRIPT} {BREAKOUT} {TEMPLATE}"


@pytest.fixture(scope="module")
async def hostile(server: LiveServer) -> tuple[Tenant, dict[str, str]]:
    """The tenant with payloads everywhere, and its owner's signed-in cookies (the owner is an
    instance administrator too: the security log shows a token name and a user agent)."""
    made = await tenant(server.base_url, HOSTILE)
    async with httpx.AsyncClient(base_url=server.base_url, headers=made.owner.headers) as http:
        token = {"name": TOKEN_NAME, "current_password": PASSWORD}
        created = await http.post("/api/v1/users/me/tokens", json=token)
        assert created.status_code == 201, created.text
        signed_in = await http.post(
            "/api/v1/auth/login",
            json={"email": made.owner.email, "password": PASSWORD},
            headers={"User-Agent": AGENT},
        )
        assert signed_in.status_code == 200, signed_in.text
        made.extra["report_id"] = await saved_report(
            http, made.owner, made.workspace_id, REPORT_NAME, recipients=["lead@example.com"]
        )
        await invitation(http, made.owner, made.workspace_id, INVITED)
        made.extra["webhook_id"], _ = await webhook(
            http, made.owner, made.workspace_id, WEBHOOK_URL, ["analysis.completed"]
        )
        for layout in ("list", "board", "calendar"):
            view = await http.post(
                f"/api/v1/workspaces/{made.workspace_id}/views",
                json={"name": VIEW_NAME, "layout": layout, "filters": {"label": BREAKOUT}},
            )
            assert view.status_code == 201, view.text
            made.extra[f"{layout}_view_id"] = view.json()["id"]
        await project_member(http, made.owner, made.project_id, made.member)
        # The member assigned the owner the subtask and commented: the owner's inbox says so.
        await notifications_of(http, made.owner)
    await make_admin(server.database_url, made.owner.email)
    cookies, _ = await sign_in_http(server.base_url, made.owner.email)
    return made, cookies


async def _open(
    new_page: PageFactory, server: LiveServer, cookies: dict[str, str], path: str
) -> Any:
    page = await new_page()
    watch_dialogs(page)
    await add_cookies(page, server.base_url, cookies)
    response = await page.goto(path)
    assert response is not None
    assert response.status == 200, f"{path}: {response.status}"
    await page.wait_for_load_state("networkidle")
    return page


# Each page, and the texts it must show as text (white space collapsed).
VIEWS: dict[str, tuple[str, Callable[[Tenant], list[str]]]] = {
    "my tasks": ("/my-tasks", lambda t: [t.texts.title, t.texts.subtask]),
    "project list": ("/projects/{project}", lambda t: [t.texts.project, t.texts.title]),
    "board": ("/projects/{project}/board", lambda t: [t.texts.project, t.texts.title]),
    "project settings": (
        "/projects/{project}/settings",
        lambda t: [t.texts.workspace, t.texts.project, t.texts.member_name],
    ),
    "task page": (
        "/tasks/{task}",
        lambda t: [
            t.texts.workspace,
            t.texts.project,
            t.texts.title,
            t.texts.subtask,
            t.texts.filename,
            t.texts.member_name,
            *t.texts.labels,
            *PAYLOADS,  # the description and the comment, Markdown
        ],
    ),
    "subtask page": (
        "/tasks/{subtask}",
        lambda t: [t.texts.subtask, t.texts.project, t.texts.workspace],
    ),
    "task edit form": ("/tasks/{task}/edit", lambda t: [t.texts.title, *PAYLOADS]),
    "a card's move page": ("/tasks/{task}/move", lambda t: [t.texts.workspace, t.texts.title]),
    "a task's comments on their own": (
        "/tasks/{task}/more/comments",
        lambda t: [t.texts.workspace, t.texts.title, t.texts.member_name, *PAYLOADS],
    ),
    "workspaces": ("/workspaces", lambda t: [t.texts.workspace]),
    "workspace page": ("/workspaces/{workspace}", lambda t: [t.texts.workspace, t.texts.project]),
    "workspace settings": (
        "/workspaces/{workspace}/settings",
        lambda t: [
            t.texts.workspace,
            t.texts.owner_name,
            t.texts.member_name,
            t.texts.project,
            INVITED,
        ],
    ),
    "profile": ("/profile", lambda t: [t.texts.owner_name, TOKEN_NAME]),
    "dashboard": (
        "/workspaces/{workspace}/dashboard",
        lambda t: [t.texts.workspace, t.texts.project, t.texts.owner_name, t.texts.member_name],
    ),
    "dashboard summary": (
        "/workspaces/{workspace}/dashboard/summary",
        lambda t: [t.texts.workspace],
    ),
    "report builder": (
        "/workspaces/{workspace}/reports/new?dimension=assignee&dimension=label&metric=created",
        lambda t: [t.texts.workspace, t.texts.owner_name, *t.texts.labels],
    ),
    "saved reports": (
        "/workspaces/{workspace}/reports",
        lambda t: [t.texts.workspace, REPORT_NAME, t.texts.owner_name],
    ),
    "a saved report": (
        "/reports/{report}",
        lambda t: [t.texts.workspace, REPORT_NAME, t.texts.owner_name, *t.texts.labels],
    ),
    "a saved report's deliveries": ("/reports/{report}/deliveries", lambda t: [REPORT_NAME]),
    "a saved report's summary": ("/reports/{report}/summary", lambda t: [REPORT_NAME]),
    "report deletion": ("/reports/{report}/delete", lambda t: [REPORT_NAME, t.texts.workspace]),
    "inbox": ("/notifications", lambda t: [t.texts.member_name, t.texts.subtask]),
    "inbox, unread only": (
        "/notifications?unread=true",
        lambda t: [t.texts.member_name, t.texts.subtask],
    ),
    "inbox list (htmx)": ("/notifications/list", lambda t: [t.texts.subtask]),
    # These show no one's text but the frame's (the workspace switcher).
    "a task's watch page": ("/notifications/watch/{task}", lambda t: [t.texts.workspace]),
    "notification preferences": ("/profile/notifications", lambda t: [t.texts.workspace]),
    "calendar feed": ("/profile/calendar", lambda t: [t.texts.workspace]),
    "sign-in methods": ("/profile/sign-in-methods", lambda t: [t.texts.workspace]),
    "data export": ("/profile/export", lambda t: [t.texts.workspace]),
    "webhooks": ("/workspaces/{workspace}/webhooks", lambda t: [t.texts.workspace, WEBHOOK_URL]),
    "a webhook": ("/webhooks/{webhook}", lambda t: [t.texts.workspace, WEBHOOK_URL]),
    "webhook deletion": ("/webhooks/{webhook}/delete", lambda t: [WEBHOOK_URL]),
    "saved views": ("/workspaces/{workspace}/views", lambda t: [t.texts.workspace, VIEW_NAME]),
    "a view as a list": ("/views/{list_view}", lambda t: [VIEW_NAME, BREAKOUT, t.texts.title]),
    "a view as a board": ("/views/{board_view}", lambda t: [VIEW_NAME, BREAKOUT, t.texts.title]),
    "a view as a calendar": ("/views/{calendar_view}", lambda t: [VIEW_NAME, BREAKOUT]),
    "security log": (
        "/admin/security-log?actor_id={owner}",
        lambda t: [t.texts.owner_name, TOKEN_NAME, AGENT],
    ),
}


def _path(template: str, made: Tenant) -> str:
    return template.format(
        project=made.project_id,
        task=made.task_id,
        subtask=made.subtask_id,
        workspace=made.workspace_id,
        report=made.extra.get("report_id", ""),
        webhook=made.extra.get("webhook_id", ""),
        owner=made.owner.id,
        list_view=made.extra.get("list_view_id", ""),
        board_view=made.extra.get("board_view_id", ""),
        calendar_view=made.extra.get("calendar_view_id", ""),
    )


@pytest.mark.parametrize("view", list(VIEWS))
async def test_payloads_stay_text(
    view: str,
    hostile: tuple[Tenant, dict[str, str]],
    new_page: PageFactory,
    server: LiveServer,
) -> None:
    made, cookies = hostile
    template, expected = VIEWS[view]
    page = await _open(new_page, server, cookies, _path(template, made))
    await assert_inert(page)
    shown = await visible_text(page)
    missing = [text for text in expected(made) if collapsed(text) not in shown]
    assert not missing, f"{view}: not shown as text: {missing}"
    assert TEMPLATE in shown, "template syntax must show literally"
    assert page.js_errors == []


async def test_the_activity_shows_payloads_as_text(
    hostile: tuple[Tenant, dict[str, str]], new_page: PageFactory, server: LiveServer
) -> None:
    """The trail names labels and comments people wrote; it shows them as text too."""
    made, cookies = hostile
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        renamed = await http.patch(
            f"/api/v1/tasks/{made.subtask_id}",
            json={"title": f"{SCRIPT} renamed", "labels": [BREAKOUT]},
            headers=made.member.headers,
        )
        assert renamed.status_code == 200, renamed.text
    page = await _open(new_page, server, cookies, f"/tasks/{made.subtask_id}")
    await assert_inert(page)
    assert f"{SCRIPT} renamed" in await visible_text(page)


async def test_markdown_links_do_nothing_when_clicked(
    hostile: tuple[Tenant, dict[str, str]], new_page: PageFactory, server: LiveServer
) -> None:
    made, cookies = hostile
    page = await _open(new_page, server, cookies, f"/tasks/{made.task_id}")
    await page.route("https://example.com/**", lambda route: route.fulfill(body="outside"))
    names = ("x", "data", "link", "safe")
    links = page.locator("main a").filter(has_text="safe")
    assert await links.count() >= 2, "the safe link of the description and of the comment"
    for name in names:
        for index in range(await page.locator("main a", has_text=name).count()):
            link = page.locator("main a", has_text=name).nth(index)
            if (await link.inner_text()).strip() != name:
                continue
            href = await link.get_attribute("href")
            assert href == "https://example.com/safe", f"a Markdown link to {href}"
            await link.click()
            await page.wait_for_load_state()
            assert await page.evaluate("() => typeof window.__pwned") == "undefined"
            await page.goto(f"/tasks/{made.task_id}")
    # The text of the would-be links is there, as text, to click on: nothing happens.
    for payload in ("[x](javascript:window.__pwned=1)", "[x](JaVaScRiPt:alert(1))"):
        await page.get_by_text(payload).first.click()
        await assert_inert(page)
    assert MARKDOWN.split("\n\n")[0] in await visible_text(page)


@pytest.mark.parametrize(
    "path",
    [
        "/projects/{project}?q=" + quote(BREAKOUT),
        "/projects/{project}?q=" + quote(SCRIPT) + "&sort=" + quote(BREAKOUT),
        "/projects/{project}/board?q=" + quote(BREAKOUT),
        "/projects/{project}/settings?saved=" + quote(SCRIPT) + "&cursor=" + quote(BREAKOUT),
        "/projects/" + quote(BREAKOUT, safe="") + "/settings",
        "/tasks/" + quote(SCRIPT, safe=""),
        "/workspaces/" + quote(BREAKOUT, safe="") + "/settings",
        "/workspaces/{workspace}/dashboard?days=" + quote(SCRIPT) + "&to=" + quote(TEMPLATE),
        "/workspaces/{workspace}/reports/new?label="
        + quote(BREAKOUT)
        + "&q="
        + quote(SCRIPT)
        + "&dimension="
        + quote(BREAKOUT)
        + "&due_after="
        + quote(TEMPLATE),
        "/workspaces/{workspace}/reports/preview?metric=" + quote(SCRIPT),
        "/workspaces/{workspace}/reports?cursor=" + quote(BREAKOUT),
        "/reports/" + quote(SCRIPT, safe=""),
        "/reports/{report}?saved=" + quote(SCRIPT),
        "/reports/{report}/download/" + quote(BREAKOUT, safe=""),
        "/forgot-password?email=" + quote(BREAKOUT),
        "/reset-password?token=" + quote(BREAKOUT),
        "/verify-email?token=" + quote(SCRIPT),
        "/invitations/accept?token=" + quote(BREAKOUT),
        "/notifications?cursor=" + quote(BREAKOUT) + "&unread=" + quote(SCRIPT),
        "/notifications/watch/" + quote(SCRIPT, safe=""),
        "/profile/notifications?saved=" + quote(SCRIPT),
        "/profile/calendar?saved=" + quote(BREAKOUT),
        "/profile/export?saved=" + quote(SCRIPT),
        "/calendar/" + quote(SCRIPT, safe="") + ".ics",
        "/live?after=" + quote(BREAKOUT),
        "/workspaces/{workspace}/live?after=" + quote(SCRIPT),
        "/workspaces/{workspace}/webhooks?cursor=" + quote(BREAKOUT),
        "/webhooks/" + quote(SCRIPT, safe=""),
        "/webhooks/{webhook}?cursor=" + quote(SCRIPT) + "&saved=" + quote(BREAKOUT),
        "/admin/security-log?event="
        + quote(SCRIPT)
        + "&actor_id="
        + quote(BREAKOUT)
        + "&from="
        + quote(TEMPLATE),
        "/admin/security-log?cursor=" + quote(BREAKOUT) + "&to=" + quote(SCRIPT),
        "/admin/security-log?target_id=" + quote(BREAKOUT),
    ],
)
async def test_addresses_people_can_send_stay_inert(
    path: str, hostile: tuple[Tenant, dict[str, str]], new_page: PageFactory, server: LiveServer
) -> None:
    """Query strings and ids come back in forms and error pages: never as markup."""
    made, cookies = hostile
    page = await new_page()
    watch_dialogs(page)
    await add_cookies(page, server.base_url, cookies)
    response = await page.goto(_path(path, made))
    assert response is not None
    # 400: a mail link without a valid token; 406: a stream's address in a browser.
    assert response.status in (200, 400, 404, 406, 422), f"{path}: {response.status}"
    await assert_inert(page)


async def test_sign_in_never_follows_a_script_address(page: Any, server: LiveServer) -> None:
    made = await tenant(server.base_url)
    watch_dialogs(page)
    await page.goto("/login?next=" + quote("javascript:window.__pwned=1"))
    await assert_inert(page)
    await page.get_by_label("Email").fill(made.owner.email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{server.base_url}/my-tasks")
    await assert_inert(page)


async def test_a_browser_signed_in_by_hand_sees_the_same(
    page: Any, hostile: tuple[Tenant, dict[str, str]]
) -> None:
    """The cookies the sweep reuses are a real sign-in's: through the form, the same page."""
    made, _ = hostile
    watch_dialogs(page)
    await sign_in(page, made.owner.email)
    await page.wait_for_url("**/my-tasks")
    await assert_inert(page)
    assert collapsed(made.texts.title) in await visible_text(page)
    assert cookies_of(await page.context.cookies()).keys() >= {"st_session", "st_browser"}


async def test_payloads_typed_into_the_pages_own_forms_stay_text(
    hostile: tuple[Tenant, dict[str, str]], new_page: PageFactory, server: LiveServer
) -> None:
    """A comment typed on the task page comes back through htmx's swap: as text too."""
    made, cookies = hostile
    page = await _open(new_page, server, cookies, f"/tasks/{made.task_id}")
    typed = f"typed {SCRIPT} {BREAKOUT} {TEMPLATE}"
    await page.get_by_label("Add a comment (Markdown)").fill(typed)
    await page.get_by_role("button", name="Comment", exact=True).click()
    await page.locator("#task-comments").get_by_text("typed", exact=False).first.wait_for()
    await assert_inert(page)
    assert collapsed(typed) in await visible_text(page)
    await page.reload()
    await assert_inert(page)
