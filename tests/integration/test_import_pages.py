"""The project's "Import / export" page, in-process on both backends (tests/browser/ walks it)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import httpx
import pytest

from tests.support.accounts import PASSWORD, app_of
from tests.support.analysis import drain
from tests.support.imports import FIXTURES
from tests.support.web import BROWSER_ACCEPT, csrf_of, web_register
from tests.support.web_projects import add_member, add_task, api_headers, new_project

Browser = Callable[[str], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def browser(client: httpx.AsyncClient) -> AsyncIterator[Browser]:
    """A factory of signed-in browsers (own cookies each) on the test app."""
    async with AsyncExitStack() as stack:

        async def make(email: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app_of(client), client=("203.0.113.9", 50000))
            http = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=transport,
                    base_url="http://testserver",
                    headers={"accept": BROWSER_ACCEPT},
                )
            )
            await web_register(http, email)
            return http

        yield make


async def test_upload_shows_the_report_and_downloads_work(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    owner = await browser("page-owner@example.com")
    project = await new_project(
        client, await api_headers(client, "page-owner@example.com", PASSWORD)
    )
    await add_task(client, project, title="Already here", labels=["old"])
    url = f"/projects/{project.project_id}/import"
    listing = await owner.get(f"/projects/{project.project_id}")
    assert f'href="{url}"' in listing.text  # linked from the project page
    page = await owner.get(url)
    assert page.status_code == 200
    assert "Download JSON" in page.text
    data = (FIXTURES / "todoist_full_test_project.csv").read_bytes()
    sent = await owner.post(
        url,
        data={"csrf_token": csrf_of(page)},
        files={"file": ("todoist.csv", data, "text/csv")},
    )
    assert sent.status_code == 303, sent.text
    status = await owner.get(sent.headers["location"])
    assert 'data-live="import.finished"' in status.text
    assert "Waiting" in status.text
    await drain(app_of(client))
    done = await owner.get(sent.headers["location"])
    assert "Done" in done.text
    assert "created 8 tasks, 2 labels, 8 comments, 0 dependencies and 0 time entries" in done.text
    assert "PRIORITY 2 (p2)" in done.text
    assert "not a calendar date" in done.text
    exported = await owner.get(f"/projects/{project.project_id}/export?format=json")
    assert exported.status_code == 200
    assert len(json.loads(exported.content)["tasks"]) == 9
    csv_file = await owner.get(f"/projects/{project.project_id}/export?format=csv")
    assert csv_file.text.startswith("ref,title,description")
    # Without the form's token nothing is imported.
    forged = await owner.post(url, files={"file": ("t.csv", data, "text/csv")})
    assert forged.status_code == 403


async def test_bad_files_and_viewers(client: httpx.AsyncClient, browser: Browser) -> None:
    owner = await browser("bad-owner@example.com")
    project = await new_project(
        client, await api_headers(client, "bad-owner@example.com", PASSWORD)
    )
    url = f"/projects/{project.project_id}/import"
    page = await owner.get(url)
    refused = await owner.post(
        url,
        data={"csrf_token": csrf_of(page)},
        files={"file": ("notes.csv", b"when,what\nnoon,lunch\n", "text/csv")},
    )
    assert refused.status_code == 422
    assert 'id="import-error"' in refused.text
    viewer = await browser("bad-viewer@example.com")
    await add_member(client, project, "bad-viewer@example.com", "viewer")
    seen = await viewer.get(url)
    assert seen.status_code == 200
    assert 'enctype="multipart/form-data"' not in seen.text
    assert (
        await viewer.get(f"/projects/{project.project_id}/export?format=csv")
    ).status_code == 200
    stranger = await browser("bad-stranger@example.com")
    assert (await stranger.get(url)).status_code == 404
    assert (await stranger.get(f"/projects/{project.project_id}/export")).status_code == 404
