"""The webhooks page in a real browser on both backends: a refused URL shown beside the
form, a webhook added with its secret shown once, a real delivery to a local receiver
that verifies its signature, its delivery log, "Redeliver", rotating the secret,
disabling, enabling and deleting; a member gets the 403 page, another tenant the 404 page.

The server of this module may send webhooks to 127.0.0.1 (SMARTTASK_WEBHOOK_ALLOW_PRIVATE),
where the test's receiver listens; its in-process worker makes the deliveries.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.support import BACKENDS
from tests.support.browser import ARTIFACTS, LiveServer, assert_accessible, live_server
from tests.support.faults import wait_until
from tests.support.web_sweeps import add_cookies, person, project, sign_in_http, task
from tests.support.webhook_receiver import WebhookReceiver

PageFactory = Callable[..., Awaitable[Any]]
API = "/api/v1"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}


@pytest.fixture(scope="module", params=BACKENDS)
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    """A `smarttask serve` of the backend that may deliver webhooks to 127.0.0.1."""
    backend = str(request.param)
    folder = tmp_path_factory.mktemp(f"webhooks-{backend}")
    async with live_server(
        backend,
        folder,
        SMARTTASK_WEBHOOK_ALLOW_PRIVATE="true",
        SMARTTASK_WEBHOOK_TIMEOUT_SECONDS="5",
    ) as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A real HTTP receiver on 127.0.0.1."""
    running = WebhookReceiver().start()
    yield running
    running.stop()


async def _shots(page: Any, name: str) -> None:
    """Screenshots in light and dark at desktop and phone width; accessible, no overflow."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("", DESKTOP), ("-phone", PHONE)):
        await page.set_viewport_size(viewport)
        wide = await page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        offenders = await page.evaluate(
            "() => [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
            ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
        )
        assert wide <= 0, f"{page.url} is {wide} px wider than the window: {offenders}"
        await assert_accessible(page)
        for scheme in ("light", "dark"):
            await page.emulate_media(color_scheme=scheme)
            path = ARTIFACTS / f"{name}{size}-{scheme}.png"
            await page.screenshot(path=str(path), full_page=True)
    await page.emulate_media(color_scheme="light")
    await page.set_viewport_size(DESKTOP)


async def _signed_in(new_page: PageFactory, server: LiveServer, email: str) -> Any:
    page = await new_page(viewport=DESKTOP)
    cookies, _ = await sign_in_http(server.base_url, email)
    await add_cookies(page, server.base_url, cookies)
    return page


async def _deliveries(server: LiveServer, headers: dict[str, str], hook_id: str) -> list[Any]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        answer = await http.get(f"{API}/webhooks/{hook_id}/deliveries", headers=headers)
        assert answer.status_code == 200, answer.text
        items: list[Any] = answer.json()["items"]
        return items


async def test_an_admin_manages_webhooks_and_their_deliveries(
    new_page: PageFactory, server: LiveServer, receiver: WebhookReceiver
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        owner = await person(http, "Olive Owner")
        member = await person(http, "Milo Member")
        stranger = await person(http, "Sam Stranger")
        made = await http.post(f"{API}/workspaces", json={"name": "Acme"}, headers=owner.headers)
        workspace_id = made.json()["id"]
        added = await http.post(
            f"{API}/workspaces/{workspace_id}/members",
            json={"email": member.email, "role": "member"},
            headers=owner.headers,
        )
        assert added.status_code == 201, added.text
        project_id = await project(http, owner, workspace_id, "Website", "WEB")

    page = await _signed_in(new_page, server, owner.email)
    await page.goto(f"/workspaces/{workspace_id}/settings")
    await page.get_by_role("link", name=re.compile("^Webhooks")).click()
    await page.wait_for_url(re.compile(rf".*/workspaces/{workspace_id}/webhooks$"))
    await expect(page.locator("main")).to_contain_text("No webhooks yet.")
    await _shots(page, "webhooks-empty")

    # Refused: no event chosen and a URL that is not http(s); shown on the page.
    await page.get_by_label("URL").fill("ftp://example.com/hook")
    async with page.expect_response(re.compile(r"/webhooks$")) as refused:
        await page.get_by_role("button", name="Add webhook").click()
    assert (await refused.value).status == 422
    await expect(page.locator("#create-error")).to_be_visible()
    assert await page.get_by_label("URL").input_value() == "ftp://example.com/hook"
    await page.get_by_label("task.created").check()
    async with page.expect_response(re.compile(r"/webhooks$")) as refused_again:
        await page.get_by_role("button", name="Add webhook").click()
    assert (await refused_again.value).status == 422
    await expect(page.locator("#webhook-url-error")).to_contain_text("http")
    await _shots(page, "webhooks-refused")

    await page.get_by_label("URL").fill(receiver.url())
    await page.get_by_label("task.created").check()
    await page.get_by_label("task.updated").check()
    await page.get_by_role("button", name="Add webhook").click()
    secret_box = page.locator("#new-secret")
    await expect(secret_box).to_be_visible()
    secret = await secret_box.input_value()
    assert secret.startswith("whsec_")
    receiver.secrets = [secret]
    await expect(page.locator("[data-webhooks]")).to_contain_text(receiver.url())
    await _shots(page, "webhooks-created")
    await page.goto(f"/workspaces/{workspace_id}/webhooks")
    assert secret not in await page.content()  # shown once
    assert await page.locator("[data-webhook]").count() == 1

    # A real delivery, made by the server's worker, verified by the receiver.
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        await task(http, owner, project_id, title="Ship the webhooks")
    await receiver.wait_for(1)
    assert receiver.requests[0].verified, receiver.refusals
    assert receiver.requests[0].payload["type"] == "task.created"
    hooks = page.locator("[data-webhooks] a").first
    hook_id = (await hooks.get_attribute("href") or "").rsplit("/", 1)[-1]

    async def succeeded() -> bool:
        found = await _deliveries(server, owner.headers, hook_id)
        return bool(found) and found[0]["status"] == "succeeded"

    await wait_until(succeeded, "the delivery to be recorded", limit=60)
    await hooks.click()
    await page.wait_for_url(re.compile(rf".*/webhooks/{hook_id}$"))
    row = page.locator("[data-deliveries] tbody tr").first
    await expect(row).to_contain_text("task.created")
    await expect(row.locator("[data-delivery-status]")).to_have_text("Succeeded")
    await expect(row.locator("[data-response-status]")).to_have_text("204")
    await _shots(page, "webhook-log")

    await row.get_by_role("button", name=re.compile("^Redeliver")).click()
    await page.wait_for_url(re.compile(r".*\?saved=redelivered$"))
    await expect(page.locator("main")).to_contain_text("queued again")
    await receiver.wait_for(2)
    assert receiver.requests[1].verified
    assert receiver.requests[1].msg_id == receiver.requests[0].msg_id

    await page.get_by_role("button", name="Rotate the secret").click()
    rotated = page.locator("#new-secret")
    await expect(rotated).to_be_visible()
    new_secret = await rotated.input_value()
    assert new_secret.startswith("whsec_")
    assert new_secret != secret
    await _shots(page, "webhook-rotated")

    await page.get_by_role("button", name="Disable").click()
    await page.wait_for_url(re.compile(r".*\?saved=disabled$"))
    await expect(page.locator(".page-head [data-webhook-state]")).to_have_text("Disabled")
    await page.get_by_role("button", name="Enable").click()
    await page.wait_for_url(re.compile(r".*\?saved=enabled$"))
    await expect(page.locator(".page-head [data-webhook-state]")).to_have_text("Enabled")

    # Tenancy: a member gets the 403 page, someone of another workspace the 404 page.
    member_page = await _signed_in(new_page, server, member.email)
    for path in (f"/workspaces/{workspace_id}/webhooks", f"/webhooks/{hook_id}"):
        answer = await member_page.goto(path)
        assert answer is not None, path
        assert answer.status == 403, path
    stranger_page = await _signed_in(new_page, server, stranger.email)
    for path in (
        f"/workspaces/{workspace_id}/webhooks",
        f"/webhooks/{hook_id}",
        f"/webhooks/{hook_id}/delete",
    ):
        answer = await stranger_page.goto(path)
        assert answer is not None, path
        assert answer.status == 404, path
        assert receiver.url() not in await stranger_page.content()

    await page.get_by_role("link", name="Delete…").click()
    await page.wait_for_url(re.compile(rf".*/webhooks/{hook_id}/delete$"))
    await _shots(page, "webhook-delete")
    await page.get_by_role("button", name="Yes, delete the webhook").click()
    await page.wait_for_url(re.compile(r".*/webhooks\?saved=deleted$"))
    await expect(page.locator("main")).to_contain_text("No webhooks yet.")
    assert page.js_errors == []
