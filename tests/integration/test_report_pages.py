"""The saved reports' pages in-process on both backends: saving from the builder's form, the
files of the download route, the schedule and settings forms and their refusals, who sees
which forms, deleting, and the 404s (tests/browser/test_report_pages.py walks the pages in
Chromium)."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import openpyxl
import orjson
import pytest

from smarttask.db.engine import Database
from smarttask.reports.scheduler import schedule_due
from tests.support.accounts import PASSWORD, app_of
from tests.support.web import BROWSER_ACCEPT, csrf_of, web_register
from tests.support.web_projects import Project, add_member, add_task, api_headers, new_project

Browser = Callable[[str], Awaitable[httpx.AsyncClient]]
API = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFINITION = {"dimensions": ["status"], "metrics": ["created", "open"], "filters": {}, "days": 30}
GOOD_SCHEDULE = {
    "frequency": "weekly",
    "time": "09:00",
    "timezone": "Europe/Paris",
    "format": "xlsx",
    "recipients": "lead@example.com,\nops@example.com\n",
    "delivery": "mail",
}


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


async def post(
    http: httpx.AsyncClient, page: str, action: str, values: dict[str, str]
) -> httpx.Response:
    """Post a form with the browser's CSRF token, read from `page`."""
    token = csrf_of(await http.get(page))
    return await http.post(action, data={"csrf_token": token, **values})


async def _team(client: httpx.AsyncClient, browser: Browser) -> tuple[httpx.AsyncClient, Project]:
    """Ada's browser, her workspace and project with four tasks."""
    ada = await browser("ada@example.com")
    project = await new_project(client, await api_headers(client, "ada@example.com", PASSWORD))
    await add_task(client, project, title="one")
    await add_task(client, project, title="two")
    await add_task(client, project, title="three", status="in_progress")
    await add_task(client, project, title="four", status="done")
    return ada, project


async def _save(
    http: httpx.AsyncClient, project: Project, name: str = "Work by status", **values: str
) -> httpx.Response:
    form = {
        "name": name,
        "visibility": "workspace",
        "definition": orjson.dumps(DEFINITION).decode(),
        **values,
    }
    builder = f"/workspaces/{project.workspace_id}/reports/new"
    return await post(http, builder, f"/workspaces/{project.workspace_id}/reports", form)


async def _saved(http: httpx.AsyncClient, project: Project, name: str = "Work by status") -> str:
    answer = await _save(http, project, name)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.endswith("?saved=created")
    return location.split("/")[2].split("?")[0]


async def _api_report(client: httpx.AsyncClient, project: Project, report_id: str) -> Any:
    answer = await client.get(f"{API}/reports/{report_id}", headers=project.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _table(page: str) -> list[list[str]]:
    found = re.search(r"data-report-table>.*?<tbody>(.*?)</tbody>", page, re.S)
    assert found is not None, page[:3000]
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    return [
        [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows
    ]


def _error_of(page: str, field_id: str) -> str:
    found = re.search(rf'id="{field_id}-error" class="error-text">([^<]*)<', page)
    assert found is not None, f"no error beside {field_id}"
    return html.unescape(found.group(1))


async def test_saving_from_the_builder_opens_the_report_with_its_table_and_chart(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, project = await _team(client, browser)
    report_id = await _saved(ada, project)
    body = await _api_report(client, project, report_id)
    assert body["name"] == "Work by status"
    assert body["visibility"] == "workspace"
    assert body["definition"] == DEFINITION
    assert body["schedule"] is None

    page = await ada.get(f"/reports/{report_id}?saved=created")
    assert page.status_code == 200
    assert "The report is saved." in page.text
    assert _table(page.text) == [["Done", "1", "0"], ["In progress", "1", "1"], ["To do", "2", "2"]]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page.text
    assert "Grouped by</dt><dd>Status</dd>" in page.text
    assert "The last 30 days, up to the day it runs" in page.text
    for file_format in ("csv", "xlsx", "pdf"):
        assert f'href="/reports/{report_id}/download/{file_format}"' in page.text
    # The owner gets the change forms.
    for action in ("schedule", "settings"):
        assert f'action="/reports/{report_id}/{action}"' in page.text

    listed = await ada.get(f"/workspaces/{project.workspace_id}/reports")
    assert listed.status_code == 200
    assert f'href="/reports/{report_id}"' in listed.text
    assert "Work by status" in listed.text
    assert "Not scheduled" in listed.text


async def test_a_refused_save_shows_the_form_again_with_its_reason(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, project = await _team(client, browser)
    unnamed = await _save(ada, project, name="   ")
    assert unnamed.status_code == 422
    assert _error_of(unnamed.text, "report-name") == "Give the report a name."
    assert 'name="definition" value="' in unnamed.text  # kept to save again
    assert 'action="/workspaces/' in unnamed.text

    for definition, words in (
        ("{not json", "not valid"),
        ('{"dimensions": ["day", "week"], "metrics": ["created"]}', "at most one of day"),
        ('{"metrics": ["created"], "from": "2026-12-01", "to": "2026-11-01"}', "must not be"),
        ('{"metrics": ["created"], "project_id": "no-such-project"}', "no such project"),
    ):
        refused = await _save(ada, project, definition=definition)
        assert refused.status_code == 422, definition
        assert words in html.unescape(refused.text), definition
        assert "Back to the report builder" in refused.text
    listed = await client.get(
        f"{API}/workspaces/{project.workspace_id}/reports", headers=project.headers
    )
    assert listed.json()["items"] == []


async def test_downloads_are_the_reports_files(client: httpx.AsyncClient, browser: Browser) -> None:
    ada, project = await _team(client, browser)
    report_id = await _saved(ada, project, "Work by status (Q4)")
    today = datetime.now(UTC).date().isoformat()  # the workspace's days are in UTC

    got = await ada.get(f"/reports/{report_id}/download/csv")
    assert got.status_code == 200
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="work-by-status-q4-')
    assert disposition.endswith('.csv"')
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8"))))
    assert rows == [
        ["status", "created", "open"],
        ["done", "1", "0"],
        ["in_progress", "1", "1"],
        ["todo", "2", "2"],
    ]
    api = await client.get(f"{API}/reports/{report_id}/run?format=csv", headers=project.headers)
    assert api.content == got.content

    got = await ada.get(f"/reports/{report_id}/download/xlsx")
    assert got.status_code == 200
    assert got.headers["content-type"] == XLSX
    assert got.headers["content-disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(got.content))
    values = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert values == [
        ["status", "created", "open"],
        ["done", 1, 0],
        ["in_progress", 1, 1],
        ["todo", 2, 2],
    ]
    assert book.active.title == "Work by status (Q4)"

    got = await ada.get(f"/reports/{report_id}/download/pdf")
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/pdf"
    assert got.content.startswith(b"%PDF")
    assert got.headers["content-disposition"] == (
        f'attachment; filename="work-by-status-q4-{today}.pdf"'
    )

    unknown = await ada.get(f"/reports/{report_id}/download/docx")
    assert unknown.status_code == 422
    assert "<h1>" in unknown.text  # a page, not a file or a problem document


async def test_the_schedule_form_refuses_inline_then_saves_and_removes(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, project = await _team(client, browser)
    report_id = await _saved(ada, project)
    page = f"/reports/{report_id}"
    bad = {
        **GOOD_SCHEDULE,
        "time": "9h",
        "timezone": "Mars/Olympus",
        "recipients": "lead@example.com, not-an-address",
    }
    refused = await post(ada, page, f"{page}/schedule", bad)
    assert refused.status_code == 422
    assert _error_of(refused.text, "schedule-time") == (
        "Enter a time as HH:MM, 24-hour, for example 09:00."
    )
    assert "Use an IANA time zone name" in _error_of(refused.text, "schedule-timezone")
    assert _error_of(refused.text, "schedule-recipients").startswith(
        "not-an-address is not a valid email address: "
    )
    assert "Mars/Olympus" in refused.text  # what was typed stays in the form
    assert "lead@example.com, not-an-address</textarea>" in refused.text
    assert _table(refused.text)  # the rest of the page is still there
    assert "data-refused" in refused.text  # and said at the top of the page
    assert (await _api_report(client, project, report_id))["schedule"] is None

    empty = await post(ada, page, f"{page}/schedule", {**GOOD_SCHEDULE, "recipients": " , "})
    assert empty.status_code == 422
    assert _error_of(empty.text, "schedule-recipients") == "Add at least one recipient."

    saved = await post(ada, page, f"{page}/schedule", {**GOOD_SCHEDULE, "time": "9:00"})
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"{page}?saved=schedule"
    schedule = (await _api_report(client, project, report_id))["schedule"]
    assert schedule["recipients"] == ["lead@example.com", "ops@example.com"]
    assert (schedule["frequency"], schedule["time"], schedule["timezone"]) == (
        "weekly",
        "09:00",
        "Europe/Paris",
    )
    assert (schedule["format"], schedule["delivery"]) == ("xlsx", "mail")
    summary = "Weekly, Mondays 09:00 Europe/Paris, Excel to 2 recipients"
    shown = await ada.get(f"{page}?saved=schedule")
    assert summary in shown.text
    assert "The schedule is saved." in shown.text
    assert "Next run: Mon " in shown.text
    listed = await ada.get(f"/workspaces/{project.workspace_id}/reports")
    assert summary in listed.text

    stored = {**GOOD_SCHEDULE, "frequency": "daily", "format": "csv", "delivery": "storage"}
    stored["recipients"] = "lead@example.com"
    assert (await post(ada, page, f"{page}/schedule", stored)).status_code == 303
    listed = await ada.get(f"/workspaces/{project.workspace_id}/reports")
    assert "Daily 09:00 Europe/Paris, CSV as a download link to 1 recipient" in listed.text

    removed = await post(ada, page, f"{page}/schedule/remove", {})
    assert removed.status_code == 303
    assert (await _api_report(client, project, report_id))["schedule"] is None
    assert "Not scheduled" in (await ada.get(page)).text


async def test_renaming_sharing_and_deleting(client: httpx.AsyncClient, browser: Browser) -> None:
    ada, project = await _team(client, browser)
    report_id = await _saved(ada, project)
    page = f"/reports/{report_id}"
    refused = await post(ada, page, f"{page}/settings", {"name": "", "visibility": "everyone"})
    assert refused.status_code == 422
    assert _error_of(refused.text, "report-name") == "Give the report a name."
    assert "Input should be" in _error_of(refused.text, "report-visibility")
    renamed = await post(
        ada, page, f"{page}/settings", {"name": "  Status board  ", "visibility": "private"}
    )
    assert renamed.status_code == 303
    body = await _api_report(client, project, report_id)
    assert (body["name"], body["visibility"]) == ("Status board", "private")

    confirm = await ada.get(f"{page}/delete")
    assert confirm.status_code == 200
    assert "Delete the report “Status board”?" in confirm.text
    deleted = await post(ada, f"{page}/delete", f"{page}/delete", {})
    assert deleted.status_code == 303
    assert deleted.headers["location"] == f"/workspaces/{project.workspace_id}/reports?deleted=1"
    gone = await client.get(f"{API}/reports/{report_id}", headers=project.headers)
    assert gone.status_code == 404
    assert (await ada.get(page)).status_code == 404
    listed = await ada.get(deleted.headers["location"])
    assert "The report is deleted." in listed.text
    assert "No saved reports yet" in listed.text


async def test_others_see_shared_reports_read_only_and_private_ones_not_at_all(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, project = await _team(client, browser)
    shared = await _saved(ada, project, "Shared one")
    mine = await _saved(ada, project, "Ada's own")
    made_private = await post(
        ada,
        f"/reports/{mine}",
        f"/reports/{mine}/settings",
        {"name": "Ada's own", "visibility": "private"},
    )
    assert made_private.status_code == 303
    assert (await _api_report(client, project, mine))["visibility"] == "private"
    grace = await browser("grace@example.com")
    await add_member(client, project, "grace@example.com", "member")
    vera = await browser("vera@example.com")
    await add_member(client, project, "vera@example.com", "viewer")
    for who in (grace, vera):
        page = await who.get(f"/reports/{shared}")
        assert page.status_code == 200
        assert "data-read-only" in page.text
        assert f'action="/reports/{shared}/schedule"' not in page.text
        assert f'action="/reports/{shared}/settings"' not in page.text
        assert f'href="/reports/{shared}/delete"' not in page.text
        assert _table(page.text)
        got = await who.get(f"/reports/{shared}/download/csv")
        assert got.status_code == 200
        # Forged posts are refused by the service, and nothing changes.
        forged = await post(
            who,
            f"/reports/{shared}",
            f"/reports/{shared}/settings",
            {"name": "Mine now", "visibility": "workspace"},
        )
        assert forged.status_code == 403
        assert (await who.get(f"/reports/{shared}/delete")).status_code == 403
        forged = await post(who, f"/reports/{shared}", f"/reports/{shared}/schedule", GOOD_SCHEDULE)
        assert forged.status_code == 403
        # Ada's private report: the same 404 page as a missing one.
        missing = await who.get("/reports/00000000-0000-0000-0000-000000000000")
        private = await who.get(f"/reports/{mine}")
        assert private.status_code == missing.status_code == 404
        assert "Ada&#39;s own" not in private.text
        assert (await who.get(f"/reports/{mine}/download/csv")).status_code == 404
        listed = await who.get(f"/workspaces/{project.workspace_id}/reports")
        assert "Shared one" in listed.text
        assert "Ada&#39;s own" not in listed.text
    assert (await _api_report(client, project, shared))["name"] == "Shared one"
    # A viewer cannot save a report.
    viewer_save = await _save(vera, project, "Vera's")
    assert viewer_save.status_code == 403


async def test_another_workspaces_reports_are_the_404_page(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, project = await _team(client, browser)
    report_id = await _saved(ada, project, "Secret plan")
    sam = await browser("sam@example.com")
    await new_project(client, await api_headers(client, "sam@example.com", PASSWORD))
    missing_id = "00000000-0000-0000-0000-000000000000"
    for path in ("", "/delete", "/download/csv", "/deliveries"):
        missing = await sam.get(f"/reports/{missing_id}{path}")
        other = await sam.get(f"/reports/{report_id}{path}")
        assert other.status_code == missing.status_code == 404, path
        assert "Secret plan" not in other.text
    listed = await sam.get(f"/workspaces/{project.workspace_id}/reports")
    assert listed.status_code == 404
    for action, form in (
        ("schedule", GOOD_SCHEDULE),
        ("settings", {"name": "Hijacked"}),
        ("delete", {}),
        ("schedule/remove", {}),
    ):
        answer = await post(sam, "/workspaces", f"/reports/{report_id}/{action}", form)
        assert answer.status_code == 404, action
    saved = await post(
        sam,
        "/workspaces",
        f"/workspaces/{project.workspace_id}/reports",
        {"name": "x", "definition": orjson.dumps(DEFINITION).decode()},
    )
    assert saved.status_code == 404
    assert (await _api_report(client, project, report_id))["name"] == "Secret plan"


async def test_a_stopped_schedule_says_why_and_old_deliveries_page_on(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, project = await _team(client, browser)
    grace = await browser("grace@example.com")
    await add_member(client, project, "grace@example.com", "member")
    # Grace's shared, scheduled report; then she leaves the workspace.
    report_id = await _saved(grace, project, "Grace's weekly")
    page = f"/reports/{report_id}"
    assert (await post(grace, page, f"{page}/schedule", GOOD_SCHEDULE)).status_code == 303
    body = await _api_report(client, project, report_id)
    due = datetime.fromisoformat(body["schedule"]["next_run_at"].replace("Z", "+00:00"))
    grace_id = (
        await client.get(
            f"{API}/users/me", headers=await api_headers(client, "grace@example.com", PASSWORD)
        )
    ).json()["id"]
    left = await client.delete(
        f"{API}/workspaces/{project.workspace_id}/members/{grace_id}", headers=project.headers
    )
    assert left.status_code == 204
    database: Database = app_of(client).state.database
    async with database.session() as session:
        await schedule_due(session, due, max_attempts=3)
        await session.commit()

    shown = await ada.get(page)
    assert shown.status_code == 200
    reason = "The report&#39;s owner left the workspace."
    assert re.search(
        r"data-stopped>\s*<strong>The schedule is stopped.</strong> " + reason, shown.text
    )
    assert "The report cannot run: " + reason in shown.text
    assert 'data-delivery-status="failed"' in shown.text
    listed = await ada.get(f"/workspaces/{project.workspace_id}/reports")
    assert "Stopped: " + reason in listed.text
    # Ada, an owner of the workspace, still manages it (and may delete it).
    assert f'href="{page}/delete"' in shown.text


async def test_older_deliveries_come_a_page_at_a_time(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, project = await _team(client, browser)
    report_id = await _saved(ada, project)
    page = f"/reports/{report_id}"
    daily = {**GOOD_SCHEDULE, "frequency": "daily"}
    assert (await post(ada, page, f"{page}/schedule", daily)).status_code == 303
    body = await _api_report(client, project, report_id)
    first = datetime.fromisoformat(body["schedule"]["next_run_at"].replace("Z", "+00:00"))
    database: Database = app_of(client).state.database
    for day in range(22):  # one run a day: 22 deliveries, pending (no worker runs here)
        async with database.session() as session:
            await schedule_due(session, first + timedelta(days=day), max_attempts=3)
            await session.commit()

    shown = await ada.get(page)
    assert shown.text.count("data-delivery=") == 20
    older = re.search(r'href="(/reports/[^"]+/deliveries\?cursor=[^"]+)"', shown.text)
    assert older is not None
    url = html.unescape(older.group(1))
    fragment = await ada.get(url, headers={"hx-request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.count("data-delivery=") == 2
    assert 'tabindex="-1" autofocus' in fragment.text  # the first new row takes the focus
    assert re.search(r'id="deliveries-more"[^>]*hx-swap-oob="true"></p>', fragment.text)
    assert "2 older deliveries shown." in fragment.text
    plain = await ada.get(url)
    assert plain.status_code == 200
    assert plain.text.count("data-delivery=") == 2
    assert "Back to the report" in plain.text
    listed = await ada.get(f"/workspaces/{project.workspace_id}/reports")
    assert 'data-delivery-status="pending"' in listed.text


async def test_the_list_reads_the_same_statements_for_one_report_or_five(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    from tests.support.tasks import counting_queries

    ada, project = await _team(client, browser)
    listing = f"/workspaces/{project.workspace_id}/reports"

    async def statements() -> int:
        with counting_queries(app_of(client)) as seen:
            answer = await ada.get(listing)
        assert answer.status_code == 200
        return len(seen)

    await _saved(ada, project, "Report 1")
    one = await statements()
    for n in range(2, 6):
        await _saved(ada, project, f"Report {n}")
    assert await statements() == one  # each report's last delivery: one query for the page


async def test_the_report_page_loads_its_summary_after_the_page(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, project = await _team(client, browser)
    report_id = await _saved(ada, project)
    page = await ada.get(f"/reports/{report_id}")
    assert f'hx-get="/reports/{report_id}/summary"' in page.text
    assert f'<a href="/reports/{report_id}/summary">' in page.text
    fragment = await ada.get(f"/reports/{report_id}/summary", headers={"hx-request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "The highest created is 2, for" in fragment.text
    whole = await ada.get(f"/reports/{report_id}/summary")
    assert "<html" in whole.text
    assert "The highest created is 2, for" in whole.text
    mallory = await browser("mallory@example.com")
    assert (await mallory.get(f"/reports/{report_id}/summary")).status_code == 404
