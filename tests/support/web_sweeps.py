"""Helpers of the sweeps over every page (XSS, tenancy and CSRF, accessibility).

A tenant is made through the API with a bearer token, as any client would: an owner (who
signs in through the browser with `browser.PASSWORD`), a member, a workspace, a project, a
task assigned to the owner with labels, a subtask, a comment and an uploaded attachment.
Its texts are chosen by the test: script payloads for the XSS sweep, ordinary words for the
others.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from smarttask.accounts.models import User
from smarttask.db.engine import Database
from tests.support import make_settings
from tests.support.browser import PASSWORD, unique_email
from tests.support.web import BROWSER_ACCEPT

API = "/api/v1"
BROWSER = {"Accept": BROWSER_ACCEPT}  # pages answer errors as pages to a browser only


@dataclass(frozen=True)
class Texts:
    """What a tenant's things are called and say."""

    owner_name: str = "Ada Lovelace"
    member_name: str = "Grace Hopper"
    workspace: str = "Acme"
    project: str = "Website"
    title: str = "Fix the sign-in form"
    description: str = "The form forgets the email.\n\n- reproduce it\n- fix it"
    labels: tuple[str, ...] = ("frontend", "bug")
    subtask: str = "Write a test for it"
    comment: str = "I can reproduce it on **Firefox**."
    filename: str = "screenshot.txt"


@dataclass
class Person:
    """An account made through the API, and its bearer token."""

    id: str
    email: str
    name: str
    headers: dict[str, str]


@dataclass
class Tenant:
    """A workspace with everything in it, made through the API."""

    owner: Person
    member: Person
    workspace_id: str
    project_id: str
    task_id: str
    subtask_id: str
    comment_id: str
    attachment_id: str
    texts: Texts
    extra: dict[str, str] = field(default_factory=dict)


def _ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    body: dict[str, Any] = response.json() if response.content else {}
    return body


async def person(http: httpx.AsyncClient, name: str, email: str | None = None) -> Person:
    """Register an account (password `browser.PASSWORD`) and sign it in through the API."""
    email = email or unique_email("sweep")
    body = {"email": email, "password": PASSWORD, "name": name}
    user = _ok(await http.post(f"{API}/auth/register", json=body))
    login = await http.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    token = _ok(login, 200)["access_token"]
    return Person(str(user["id"]), email, name, {"Authorization": f"Bearer {token}"})


async def workspace(http: httpx.AsyncClient, owner: Person, name: str) -> str:
    """A new workspace of the owner; its id."""
    created = await http.post(f"{API}/workspaces", json={"name": name}, headers=owner.headers)
    return str(_ok(created)["id"])


async def project(
    http: httpx.AsyncClient, owner: Person, workspace_id: str, name: str, key: str = "WEB"
) -> str:
    """A new project in the workspace; its id."""
    created = await http.post(
        f"{API}/workspaces/{workspace_id}/projects",
        json={"name": name, "key": key, "description": name},
        headers=owner.headers,
    )
    return str(_ok(created)["id"])


async def task(
    http: httpx.AsyncClient, by: Person, project_id: str, **fields: Any
) -> dict[str, Any]:
    """A new task in the project; its body."""
    created = await http.post(f"{API}/projects/{project_id}/tasks", json=fields, headers=by.headers)
    return _ok(created)


async def upload(
    http: httpx.AsyncClient, by: Person, task_id: str, filename: str, body: bytes
) -> str:
    """Declare, upload (to the local store the upload URL names) and complete; the id."""
    declared = _ok(
        await http.post(
            f"{API}/tasks/{task_id}/attachments",
            json={"filename": filename, "content_type": "text/plain", "size": len(body)},
            headers=by.headers,
        )
    )
    ticket = declared["upload"]
    headers = {k: v for k, v in ticket["headers"].items() if k.lower() != "content-length"}
    sent = await http.request(ticket["method"], ticket["url"], content=body, headers=headers)
    assert sent.status_code in (200, 201, 204), sent.text
    attachment_id = str(declared["id"])
    _ok(await http.post(f"{API}/attachments/{attachment_id}/complete", headers=by.headers), 200)
    return attachment_id


async def tenant(base_url: str, texts: Texts | None = None) -> Tenant:
    """An owner and a member, a workspace, a project, a task assigned to the owner (overdue,
    labelled) with a subtask, a comment of the member and an attachment."""
    texts = texts or Texts()
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        owner = await person(http, texts.owner_name)
        member = await person(http, texts.member_name)
        workspace_id = await workspace(http, owner, texts.workspace)
        added = await http.post(
            f"{API}/workspaces/{workspace_id}/members",
            json={"email": member.email, "role": "member"},
            headers=owner.headers,
        )
        _ok(added)
        project_id = await project(http, owner, workspace_id, texts.project)
        due = (datetime.now(UTC) - timedelta(days=2)).isoformat()
        main = await task(
            http,
            owner,
            project_id,
            title=texts.title,
            description=texts.description,
            labels=list(texts.labels),
            assignee_id=owner.id,
            priority="high",
            status="in_progress",
            due_at=due,
        )
        sub = await task(
            http,
            member,
            project_id,
            title=texts.subtask,
            description=texts.description,
            parent_id=main["id"],
            assignee_id=owner.id,
        )
        comment = await http.post(
            f"{API}/tasks/{main['id']}/comments",
            json={"body": texts.comment},
            headers=member.headers,
        )
        comment_id = str(_ok(comment)["id"])
        attachment_id = await upload(http, member, main["id"], texts.filename, b"some notes\n")
    return Tenant(
        owner,
        member,
        workspace_id,
        project_id,
        str(main["id"]),
        str(sub["id"]),
        comment_id,
        attachment_id,
        texts,
    )


async def make_admin(database_url: str, email: str) -> None:
    """Make an account an instance administrator, in the server's database (as `smarttask
    user create --admin` makes the first one)."""
    database = Database(make_settings(database_url).database)
    try:
        async with database.session() as session:
            await session.execute(update(User).where(User.email == email).values(is_admin=True))
            await session.commit()
    finally:
        await database.dispose()


def cookies_of(context_cookies: list[dict[str, Any]]) -> dict[str, str]:
    """A browser context's cookies as a name -> value mapping (for httpx)."""
    return {cookie["name"]: cookie["value"] for cookie in context_cookies}


_TOKEN = re.compile(r'"X-CSRF-Token": "([0-9a-f]+)"')


def csrf_token_of(html: str) -> str:
    """The CSRF token a page of the app carries (the body's htmx headers)."""
    found = _TOKEN.search(html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


async def sign_in_http(base_url: str, email: str) -> tuple[dict[str, str], str]:
    """Sign in through the sign-in page, as a browser does: its cookies and CSRF token."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=BROWSER) as http:
        form = await http.get("/login")
        found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert found is not None, "no CSRF token on /login"
        body = {"csrf_token": found.group(1), "email": email, "password": PASSWORD}
        answer = await http.post("/login", data=body, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        assert "st_session" in http.cookies
        page = await http.get("/no-such-page-for-the-token")
        return dict(http.cookies.items()), csrf_token_of(page.text)


async def add_cookies(page: Any, base_url: str, cookies: dict[str, str]) -> None:
    """Give the page's browser context these cookies (a sign-in made elsewhere)."""
    await page.context.add_cookies(
        [{"name": name, "value": value, "url": base_url} for name, value in cookies.items()]
    )


# What the page must never have, whatever people typed: the DOM after the page ran.
INERT_CHECK = """
() => {
  const found = [];
  if (typeof window.__pwned !== 'undefined') found.push('window.__pwned is set');
  for (const script of document.scripts) {
    if (!script.src) {
      found.push('an inline script: ' + script.textContent.slice(0, 80));
      continue;
    }
    const source = new URL(script.src);
    if (source.origin !== location.origin || !source.pathname.startsWith('/static/'))
      found.push('a script from elsewhere: ' + script.src);
  }
  if (document.querySelectorAll('a[href^="javascript" i]').length)
    found.push('a javascript: link');
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push(`${el.tagName} has ${name}="${attr.value}"`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'].includes(name)) {
        const value = attr.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
        if (/^(javascript|vbscript|data:text|data:application|data:image\\/svg)/.test(value))
          found.push(`${el.tagName} ${name}="${attr.value}"`);
      }
    }
  }
  for (const link of document.querySelectorAll('a[href], area[href]')) {
    if (['javascript:', 'vbscript:', 'data:'].includes(link.protocol))
      found.push('a link to ' + link.href.slice(0, 80));
  }
  const foreign = 'iframe, object, embed, base, img[src="x"], meta[http-equiv="refresh" i]';
  for (const el of document.querySelectorAll(foreign))
    found.push('an element people could have put there: ' + el.outerHTML.slice(0, 120));
  return found;
}
"""


async def assert_inert(page: Any) -> None:
    """No script of people's text ran, none is in the DOM, no script link is on the page."""
    found = await page.evaluate(INERT_CHECK)
    assert not found, f"{page.url}: {found}"
    dialogs = getattr(page, "dialogs", [])
    assert not dialogs, f"{page.url}: a dialog opened: {dialogs}"


def watch_dialogs(page: Any) -> None:
    """Record (and dismiss) every dialog the page opens (alert(1) would)."""
    page.dialogs = []

    async def dismiss(dialog: Any) -> None:
        page.dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)


async def visible_text(page: Any) -> str:
    """What the page shows: its visible text and its form fields' values, white space
    collapsed."""
    text = await page.evaluate(
        """() => [document.body.innerText, ...[...document.querySelectorAll(
            'input:not([type=hidden]):not([type=password]), textarea')].map((f) => f.value)
        ].join(' ')"""
    )
    return " ".join(str(text).split())


def collapsed(value: str) -> str:
    """A text with its white space collapsed (as `visible_text`)."""
    return " ".join(value.split())


# Script payloads: none may run, each must show as the text it is.
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = '<svg onload="window.__pwned=1">'
MD_JS = "[x](javascript:window.__pwned=1)"
MD_JS_CASE = "[x](JaVaScRiPt:alert(1))"
A_JS = '<a href="javascript:window.__pwned=1">link</a>'
BREAKOUT = '"><script>window.__pwned=1</script>'
TEMPLATE = "{{7*7}}"
MD_DATA = "[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+)"
AUTOLINK = "<javascript:window.__pwned=1>"
PAYLOADS = (SCRIPT, IMG, SVG, MD_JS, MD_JS_CASE, A_JS, BREAKOUT, TEMPLATE, MD_DATA, AUTOLINK)
SAFE_LINK = "[safe](https://example.com/safe)"
# Markdown text: every payload in a paragraph of its own, and one link that may stay a link.
MARKDOWN = "\n\n".join((*PAYLOADS, SAFE_LINK))

HOSTILE = Texts(
    owner_name=f"Ada {BREAKOUT} {TEMPLATE}",
    member_name=f"Grace {IMG} {SVG}",
    workspace=f"W {SCRIPT} {TEMPLATE}",
    project=f"P {BREAKOUT} {IMG}",
    title=f"T {SCRIPT} {IMG} {SVG} {BREAKOUT} {TEMPLATE} {A_JS}",
    description=MARKDOWN,
    labels=(SCRIPT, IMG, SVG, BREAKOUT, TEMPLATE),
    subtask=f"S {SVG} {A_JS} {TEMPLATE}",
    comment=MARKDOWN,
    filename=f'F <img src=x onerror="window.__pwned=1"> {TEMPLATE}.txt',
)
TOKEN_NAME = f"K {SCRIPT} {TEMPLATE}"  # a personal API token's name (the profile lists them)
REPORT_NAME = f"R {SCRIPT} {BREAKOUT} {TEMPLATE}"  # a saved report's name


# A saved report's definition: by assignee and label, so its chart draws people's names
# and labels.
REPORT_DEFINITION = {"dimensions": ["assignee", "label"], "metrics": ["created", "open"]}


async def saved_report(
    http: httpx.AsyncClient,
    owner: Person,
    workspace_id: str,
    name: str,
    recipients: list[str] | None = None,
) -> str:
    """A report shared with the workspace, made through the API (scheduled daily as a PDF
    when given recipients); its id."""
    body: dict[str, Any] = {
        "name": name,
        "definition": REPORT_DEFINITION,
        "visibility": "workspace",
    }
    if recipients:
        body["schedule"] = {
            "frequency": "daily",
            "time": "08:00",
            "timezone": "UTC",
            "format": "pdf",
            "recipients": recipients,
        }
    created = await http.post(
        f"{API}/workspaces/{workspace_id}/reports", json=body, headers=owner.headers
    )
    return str(_ok(created)["id"])


async def invitation(
    http: httpx.AsyncClient, owner: Person, workspace_id: str, email: str, role: str = "member"
) -> str:
    """A pending invitation to the workspace, made through the API; its id."""
    created = await http.post(
        f"{API}/workspaces/{workspace_id}/invitations",
        json={"email": email, "role": role},
        headers=owner.headers,
    )
    return str(_ok(created)["id"])


async def webhook(
    http: httpx.AsyncClient, owner: Person, workspace_id: str, url: str, events: list[str]
) -> tuple[str, str]:
    """A webhook of the workspace, made through the API; its id and its secret. (The
    server refuses private addresses unless SMARTTASK_WEBHOOK_ALLOW_PRIVATE is on; a
    public IP literal needs no DNS.)"""
    created = await http.post(
        f"{API}/workspaces/{workspace_id}/webhooks",
        json={"url": url, "events": events},
        headers=owner.headers,
    )
    body = _ok(created)
    return str(body["id"]), str(body["secret"])


async def notifications_of(http: httpx.AsyncClient, who: Person, at_least: int = 1) -> list[str]:
    """The ids of someone's inbox items, newest first, once at least `at_least` are there."""
    for _ in range(100):
        answer = await http.get(f"{API}/notifications?limit=100", headers=who.headers)
        items = _ok(answer, 200)["items"]
        if len(items) >= at_least:
            return [str(item["id"]) for item in items]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{who.email} has fewer than {at_least} notifications")


async def project_member(
    http: httpx.AsyncClient, admin: Person, project_id: str, who: Person, *, private: bool = False
) -> None:
    """Let `who` into the project through the API (making the project private first if
    asked)."""
    if private:
        changed = await http.patch(
            f"{API}/projects/{project_id}", json={"visibility": "private"}, headers=admin.headers
        )
        _ok(changed, 200)
    added = await http.post(
        f"{API}/projects/{project_id}/members", json={"user_id": who.id}, headers=admin.headers
    )
    _ok(added)
