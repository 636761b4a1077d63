"""The security log page in a real browser: administrators read and filter the instance's
security events (what the pages themselves did included, with the browser's address and
user agent); everyone else finds no such page."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from tests.support.browser import (
    PASSWORD,
    LiveServer,
    assert_accessible,
    screenshot,
    sign_in,
    unique_email,
)
from tests.support.log_scan import register_secret
from tests.support.web_sweeps import BROWSER, person
from tests.support.web_workspaces import create_admin

PageFactory = Any
AGENT = "SecurityLogBrowser/2.0 (distinctive)"
PATH = "/admin/security-log"


async def _bearer(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    signed_in = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    register_secret(signed_in.json()["access_token"])
    register_secret(signed_in.json()["refresh_token"])
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


async def _admin(server: LiveServer) -> tuple[str, str, dict[str, str]]:
    """An instance administrator made as an operator makes one: email, id, bearer header."""
    email = unique_email("admin")
    await create_admin(server, email)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        headers = await _bearer(http, email)
        me = await http.get("/api/v1/users/me", headers=headers)
    return email, str(me.json()["id"]), headers


def _rows(page: Any) -> Any:
    return page.locator("[data-security-events] tbody tr")


async def _events(page: Any) -> list[str]:
    """The event names of the table's rows, top to bottom."""
    return [text.strip() for text in await _rows(page).locator("th").all_inner_texts()]


async def test_an_administrator_reads_and_filters_the_log(
    new_page: PageFactory, server: LiveServer
) -> None:
    email, admin_id, _ = await _admin(server)
    page = await new_page(user_agent=AGENT)
    await sign_in(page, email, "not-the-password-42")  # refused: logged all the same
    assert "The email or password is wrong." in await page.get_by_role("alert").inner_text()
    await sign_in(page, email)
    await page.wait_for_url(re.compile(r".*/my-tasks$"))
    main_nav = page.get_by_role("navigation", name="Main")
    await main_nav.get_by_role("link", name="Security log").click()
    await page.wait_for_url(re.compile(r".*/admin/security-log$"))
    await page.get_by_role("heading", name="Security log", level=1).wait_for()

    await page.get_by_label("Actor (user id)").fill(admin_id)
    await page.get_by_role("button", name="Apply").click()
    await page.wait_for_url(re.compile(r".*actor_id=" + admin_id))
    # Newest first: the browser's sign-in, its refused one, the API sign-in of _admin.
    assert await _events(page) == ["login.succeeded", "login.failed", "login.succeeded"]
    texts = await _rows(page).all_inner_texts()
    for text in texts[:2]:
        assert AGENT in text
        assert "127.0.0.1" in text
        assert email in text  # the actor, by name and email
    assert "reason: wrong_password" in texts[1]
    assert AGENT not in texts[2]  # httpx's own agent
    assert PASSWORD not in await page.content()
    await assert_accessible(page)
    await screenshot(page, "security-log", docs=True)

    await page.get_by_label("Event", exact=True).select_option("login.failed")
    await page.get_by_role("button", name="Apply").click()
    await page.wait_for_url(re.compile(r".*event=login\.failed.*"))
    assert await _events(page) == ["login.failed"]
    await page.get_by_role("link", name="Clear filters").click()
    await page.wait_for_url(re.compile(r".*/admin/security-log$"))
    assert await _rows(page).count() >= 3  # everyone's events
    assert not await page.get_by_label("Actor (user id)").input_value()


async def test_what_the_pages_do_is_logged_with_the_browser(
    new_page: PageFactory, server: LiveServer
) -> None:
    """A token made on the profile page: token.created, with the browser's address and agent."""
    _, _, admin = await _admin(server)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        someone = await person(http, "Tess Token")
    page = await new_page(user_agent=AGENT)
    await sign_in(page, someone.email)
    await page.wait_for_url(re.compile(r".*/my-tasks$"))
    assert not await page.get_by_role("link", name="Security log").count()
    await page.goto("/profile")
    tokens = page.get_by_role("region", name="Personal API tokens")
    await tokens.get_by_label("Token name").fill("Laptop")
    await tokens.get_by_label("Current password").fill(PASSWORD)
    await tokens.get_by_role("button", name="Create token").click()
    await page.wait_for_selector("#new-token")
    register_secret(await page.locator("#new-token").input_value())
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30, headers=admin) as http:
        found = await http.get(
            "/api/v1/audit-log", params={"actor_id": someone.id, "event": "token.created"}
        )
    assert found.status_code == 200, found.text
    [event] = found.json()["items"]
    assert (event["ip"], event["user_agent"], event["target_id"]) == (
        "127.0.0.1",
        AGENT,
        someone.id,
    )
    assert event["details"]["name"] == "Laptop"


async def test_older_events_are_a_link_away(new_page: PageFactory, server: LiveServer) -> None:
    email, _, _ = await _admin(server)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        busy = await person(http, "Busy Bee")
        for _ in range(54):  # 55 sign-ins with the one person() made
            await _bearer(http, busy.email)
    page = await new_page()
    await sign_in(page, email)
    await page.wait_for_url(re.compile(r".*/my-tasks$"))
    await page.goto(f"{PATH}?event=login.succeeded&actor_id={busy.id}")
    first = await _rows(page).evaluate_all("rows => rows.map(r => r.dataset.event)")
    assert len(first) == 50
    await page.get_by_role("link", name="Older events").click()
    await page.wait_for_url(re.compile(r".*cursor=.*"))
    assert f"actor_id={busy.id}" in page.url  # the filters go along
    second = await _rows(page).evaluate_all("rows => rows.map(r => r.dataset.event)")
    assert len(second) == 5
    assert not set(first) & set(second)
    assert not await page.get_by_role("link", name="Older events").count()
    await page.get_by_role("heading", name="Older events").wait_for()


async def test_bad_filters_are_said_beside_their_fields(
    new_page: PageFactory, server: LiveServer
) -> None:
    email, _, _ = await _admin(server)
    page = await new_page()
    await sign_in(page, email)
    await page.wait_for_url(re.compile(r".*/my-tasks$"))
    answer = await page.goto(f"{PATH}?from=2026-12-02T00:00&to=2026-12-01T00:00")
    assert answer is not None
    assert answer.status == 422
    assert "`from` must not be later than `to`" in await page.get_by_role("alert").inner_text()
    assert await page.get_by_label("From (UTC)").input_value() == "2026-12-02T00:00"
    answer = await page.goto(f"{PATH}?event=Not+an+event&actor_id=x")
    assert answer is not None
    assert answer.status == 422
    assert await page.get_by_label("Event", exact=True).get_attribute("aria-invalid") == "true"
    assert await page.locator("#event-error").is_visible()
    assert await page.get_by_label("Actor (user id)").input_value() == "x"
    await assert_accessible(page)
    answer = await page.goto(f"{PATH}?from=2026-12-01T10:30")  # a datetime-local value: UTC
    assert answer is not None
    assert answer.status == 200
    # Chromium shows a whole minute without its seconds.
    assert await page.get_by_label("From (UTC)").input_value() == "2026-12-01T10:30"
    assert await page.get_by_label("From (UTC)").get_attribute("value") == "2026-12-01T10:30:00"


async def test_the_page_does_not_exist_for_anyone_else(
    new_page: PageFactory, server: LiveServer
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        someone = await person(http, "Nora Normal")
        signed_out = await http.get(PATH, headers=BROWSER)
        assert signed_out.status_code == 303
        assert signed_out.headers["location"] == f"/login?next={PATH}"
    page = await new_page()
    await sign_in(page, someone.email)
    await page.wait_for_url(re.compile(r".*/my-tasks$"))
    missing = await page.goto(f"/admin/{uuid.uuid4()}")
    assert missing is not None
    unknown_text = await _error_text(page)
    answer = await page.goto(f"{PATH}?event=login.failed")
    assert answer is not None
    assert (answer.status, missing.status) == (404, 404)
    await page.get_by_role("heading", name="Page not found").wait_for()
    assert await _error_text(page) == unknown_text  # exactly as if it did not exist
    assert "No resource lives at this address." in unknown_text
    assert not await page.get_by_role("link", name="Security log").count()


async def _error_text(page: Any) -> str:
    """What an error page says, without its request id."""
    return re.sub(r"[0-9a-f]{32}", "", await page.locator("main").inner_text())
