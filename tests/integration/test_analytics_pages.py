"""The dashboard and the report builder's preview, in-process on both backends (tests/browser/
test_analytics_pages.py walks them in Chromium)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
import orjson
import pytest

from tests.support.accounts import PASSWORD, app_of
from tests.support.web import BROWSER_ACCEPT, web_register
from tests.support.web_projects import Project, add_member, add_task, api_headers, new_project

Browser = Callable[[str], Awaitable[httpx.AsyncClient]]
HTMX = {"hx-request": "true"}
TOTAL = re.compile(r'data-total="(\w+)">(\d+)<')


@pytest.fixture
async def browser(client: httpx.AsyncClient) -> AsyncIterator[Browser]:
    """A factory of signed-in browsers (their own cookies each) on the test app."""
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


def _due(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat().replace("+00:00", "Z")


async def _tenant(
    client: httpx.AsyncClient, browser: Browser, email: str
) -> tuple[httpx.AsyncClient, Project]:
    http = await browser(email)
    project = await new_project(client, await api_headers(client, email, PASSWORD))
    return http, project


async def _stock(client: httpx.AsyncClient, project: Project) -> None:
    """Five tasks: two to do (one overdue, labelled bug), one in progress, one done, one
    cancelled."""
    await add_task(client, project, title="Overdue", due_at=_due(-2), labels=["bug"])
    await add_task(client, project, title="Later", due_at=_due(5), priority="high")
    await add_task(client, project, title="Going", status="in_progress", labels=["bug"])
    await add_task(client, project, title="Finished", status="done", priority="high")
    await add_task(client, project, title="Dropped", status="cancelled")


def _preview_url(project: Project, **params: str | list[str]) -> str:
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        for item in [value] if isinstance(value, str) else value:
            pairs.append((name, item))
    return f"/workspaces/{project.workspace_id}/reports/preview?{urlencode(pairs)}"


def _table(fragment: str) -> list[list[str]]:
    found = re.search(r"<tbody>(.*?)</tbody>", fragment, re.S)
    assert found is not None, fragment[:2000]
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    return [
        [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows
    ]


async def test_the_preview_answers_the_table_a_chart_and_the_saved_definition(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    http, project = await _tenant(client, browser, "ada@example.com")
    await _stock(client, project)
    url = _preview_url(project, dimension=["status", ""], metric=["created", "open"])
    answer = await http.get(url, headers=HTMX)
    assert answer.status_code == 200, answer.text
    fragment = answer.text
    assert "<html" not in fragment
    assert answer.headers["hx-replace-url"] == url.replace("/reports/preview", "/reports/new")
    assert _table(fragment) == [
        ["Cancelled", "1", "0"],
        ["Done", "1", "0"],
        ["In progress", "1", "1"],
        ["To do", "2", "2"],
    ]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in fragment
    assert 'class="chart"' in fragment
    # Out of band: the status line and the save form's definition and button.
    assert re.search(
        r'id="preview-status"[^>]*hx-swap-oob="true"[^>]*>Preview updated: 4 rows', fragment
    )
    definition = re.search(r'name="definition" value="([^"]+)"', fragment)
    assert definition is not None
    body = orjson.loads(html.unescape(definition.group(1)))
    assert body == {
        "dimensions": ["status"],
        "metrics": ["created", "open"],
        "filters": {},
        "days": 30,
    }
    # The definition is the API's custom-report body: the API answers the same rows.
    api = await client.post(
        f"/api/v1/analytics/custom-report?workspace_id={project.workspace_id}",
        json=body,
        headers=project.headers,
    )
    assert api.status_code == 200, api.text
    assert [row[0] for row in api.json()["rows"]] == ["cancelled", "done", "in_progress", "todo"]
    assert [row[1:] for row in api.json()["rows"]] == [[1, 0], [1, 0], [1, 1], [2, 2]]


async def test_the_preview_filters_like_the_task_list(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    http, project = await _tenant(client, browser, "ada@example.com")
    await _stock(client, project)
    labelled = await http.get(
        _preview_url(project, dimension="priority", metric="created", label="BUG"), headers=HTMX
    )
    assert _table(labelled.text) == [["None", "2"]]
    due = await http.get(
        _preview_url(
            project,
            metric=["created", "overdue"],
            due_before=(datetime.now(UTC) + timedelta(days=1)).date().isoformat(),
        ),
        headers=HTMX,
    )
    assert _table(due.text) == [["1", "1"]]
    high = await http.get(
        _preview_url(project, dimension="status", metric="created", priority="high", q="Later"),
        headers=HTMX,
    )
    assert _table(high.text) == [["To do", "1"]]
    nothing = await http.get(
        _preview_url(project, metric="created", label="no-such-label"), headers=HTMX
    )
    assert "No tasks match" in nothing.text
    assert "<table" not in nothing.text


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"dimension": ["day", "week"], "metric": "created"},
            "dimensions",
            "Use at most one of day, week and month.",
        ),
        (
            {"dimension": ["status", "status"], "metric": "created"},
            "dimensions",
            "Each dimension may appear once.",
        ),
        ({"dimension": "status"}, "metrics", "Choose at least one figure to count."),
        ({"dimension": "colour", "metric": "created"}, "dimensions", "Input should be"),
        (
            {"metric": "created", "from": "2026-11-30", "to": "2026-11-01"},
            "range",
            "`from` must not be after `to`.",
        ),
        ({"metric": "created", "from": "yesterday"}, "range", "Enter days as YYYY-MM-DD"),
        ({"metric": "created", "due_after": "soon"}, "due_after", "Enter a day as YYYY-MM-DD"),
    ],
)
async def test_refusals_are_shown_beside_the_fields_not_as_an_error_page(
    params: dict[str, str | list[str]],
    field: str,
    message: str,
    client: httpx.AsyncClient,
    browser: Browser,
) -> None:
    http, project = await _tenant(client, browser, "ada@example.com")
    fragment = await http.get(_preview_url(project, **params), headers=HTMX)
    assert fragment.status_code == 200
    assert "data-report-errors" in fragment.text
    assert html.escape(message, quote=False) in fragment.text or message in html.unescape(
        fragment.text
    )
    assert "<table" not in fragment.text
    assert 'name="definition"' not in fragment.text  # nothing to save
    assert "disabled" in fragment.text
    page = await http.get(_preview_url(project, **params).replace("/preview?", "/new?"))
    assert page.status_code == 200
    assert "<html" in page.text
    assert f'id="{field}-error"' in page.text
    assert 'aria-invalid="true"' in page.text or field in ("metrics",)


async def test_the_builder_without_javascript_and_a_plain_preview_request_are_the_page(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    http, project = await _tenant(client, browser, "ada@example.com")
    await _stock(client, project)
    fresh = await http.get(f"/workspaces/{project.workspace_id}/reports/new")
    assert fresh.status_code == 200
    assert 'value="created" checked' in fresh.text  # a fresh builder counts something
    assert _table(fresh.text) == [["5", "1"]]  # created and completed, no dimension
    assert 'action="/workspaces/' + project.workspace_id + '/reports"' in fresh.text
    assert 'name="csrf_token"' in fresh.text
    assert 'name="visibility" value="private" checked' in fresh.text
    plain = await http.get(_preview_url(project, dimension="status", metric="created"))
    assert "<html" in plain.text
    assert "Save this report" in plain.text


async def test_viewers_preview_but_are_not_offered_saving(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    _, project = await _tenant(client, browser, "ada@example.com")
    viewer = await browser("vera@example.com")
    await add_member(client, project, "vera@example.com", "viewer")
    page = await viewer.get(f"/workspaces/{project.workspace_id}/reports/new")
    assert page.status_code == 200
    assert "Save this report" not in page.text
    fragment = await viewer.get(_preview_url(project, metric="created"), headers=HTMX)
    assert fragment.status_code == 200
    assert 'id="save-controls"' not in fragment.text


async def test_the_dashboard_counts_the_tasks_as_they_are(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    http, project = await _tenant(client, browser, "ada@example.com")
    empty = await http.get(f"/workspaces/{project.workspace_id}/dashboard")
    assert empty.status_code == 200
    assert "data-empty-state" in empty.text
    assert "<svg" not in empty.text  # empty states, not empty charts
    await _stock(client, project)
    page = await http.get(f"/workspaces/{project.workspace_id}/dashboard?days=7")
    assert page.status_code == 200
    shown = {name: int(count) for name, count in TOTAL.findall(page.text)}
    assert shown | {"at_risk": 0} == {
        "todo": 2,
        "in_progress": 1,
        "done": 1,
        "cancelled": 1,
        "overdue": 1,
        "at_risk": 0,
    }
    tasks = await client.get(
        f"/api/v1/projects/{project.project_id}/tasks?limit=100", headers=project.headers
    )
    high = [t for t in tasks.json()["items"] if (t["risk"] or {}).get("level") == "high"]
    assert shown["at_risk"] == len(high)
    api = await client.get(
        f"/api/v1/analytics/dashboard?workspace_id={project.workspace_id}", headers=project.headers
    )
    assert shown == api.json()["totals"]
    # The flow, the burn-up and the cycle times (one task is done); nobody is assigned.
    assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert 'data-chart="cycle"' in page.text
    assert "Days in UTC" in page.text
    assert (
        'href="/workspaces/' + project.workspace_id + '/dashboard?days=7" aria-current="page"'
        in page.text
    )
    assert "Team performance" in page.text  # the owner sees it
    wrong = await http.get(
        f"/workspaces/{project.workspace_id}/dashboard?from=2026-11-30&to=2026-11-01"
    )
    assert wrong.status_code == 200
    assert "`from` must not be after `to`." in html.unescape(wrong.text)


async def test_another_tenants_pages_are_the_404_page(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    _, theirs = await _tenant(client, browser, "ada@example.com")
    mine_http, mine = await _tenant(client, browser, "mallory@example.com")
    missing = "00000000-0000-0000-0000-000000000000"
    for path in ("dashboard", "reports/new", "reports/preview"):
        other = await mine_http.get(f"/workspaces/{theirs.workspace_id}/{path}")
        nowhere = await mine_http.get(f"/workspaces/{missing}/{path}")
        assert other.status_code == nowhere.status_code == 404, path
        assert "Page not found" in other.text
        # Their project inside my own workspace: not found either.
        mixed = await mine_http.get(
            f"/workspaces/{mine.workspace_id}/{path}?project_id={theirs.project_id}"
        )
        assert mixed.status_code == 404, path
    htmx = await mine_http.get(_preview_url(theirs, metric="created"), headers=HTMX)
    assert htmx.status_code == 404


async def test_the_dashboard_loads_its_summary_after_the_page(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    http, project = await _tenant(client, browser, "grace@example.com")
    await _stock(client, project)
    page = await http.get(f"/workspaces/{project.workspace_id}/dashboard")
    assert page.status_code == 200
    found = re.search(r'hx-get="(/workspaces/[^"]+/dashboard/summary\?[^"]+)"', page.text)
    assert found is not None
    url = html.unescape(found.group(1))
    assert f'<a href="{found.group(1)}">' in page.text  # without script: a link to read it
    fragment = await http.get(url, headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    sentences = re.findall(r"<p>([^<]+)</p>", fragment.text)
    assert sentences[0].startswith("5 tasks were created and 1 completed from ")
    assert "every number was checked against the figures" in fragment.text
    whole = await http.get(url)
    assert "<html" in whole.text
    assert sentences[0] in whole.text
    stranger, _ = await _tenant(client, browser, "mallory@example.com")
    assert (await stranger.get(url, headers=HTMX)).status_code == 404
