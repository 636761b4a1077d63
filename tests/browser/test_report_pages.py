"""Saved reports in a real browser on both backends: saved from the builder, listed, opened
with their table and chart, downloaded in each format, scheduled (a refusal first, shown
beside the fields), unscheduled and deleted; read-only for a viewer; another workspace's
report is the 404 page; "Load more" appends the next reports."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import openpyxl

from tests.support.browser import ARTIFACTS, LiveServer, assert_accessible
from tests.support.web_sweeps import (
    Person,
    add_cookies,
    person,
    project,
    saved_report,
    sign_in_http,
    task,
)

PageFactory = Callable[..., Awaitable[Any]]
API = "/api/v1"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
CONTENT_TYPES = {
    "CSV": "text/csv; charset=utf-8",
    "Excel": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "PDF": "application/pdf",
}
SUMMARY = "Weekly, Mondays 09:00 Europe/Paris, Excel to 2 recipients"


@dataclass
class Team:
    """A workspace in Paris time with a project and tasks, its owner and a viewer."""

    owner: Person
    viewer: Person
    workspace_id: str
    project_id: str


async def _team(server: LiveServer) -> Team:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        owner = await person(http, "Olive Owner")
        viewer = await person(http, "Vera Viewer")
        made = await http.post(
            f"{API}/workspaces",
            json={"name": "Acme", "timezone": "Europe/Paris"},
            headers=owner.headers,
        )
        assert made.status_code == 201, made.text
        workspace_id = made.json()["id"]
        added = await http.post(
            f"{API}/workspaces/{workspace_id}/members",
            json={"email": viewer.email, "role": "viewer"},
            headers=owner.headers,
        )
        assert added.status_code == 201, added.text
        website = await project(http, owner, workspace_id, "Website", "WEB")
        for title, status in (
            ("Fix the sign-in form", "todo"),
            ("Pick a font", "todo"),
            ("Draft the pricing page", "in_progress"),
            ("Set up analytics", "done"),
        ):
            await task(http, owner, website, title=title, status=status, assignee_id=owner.id)
    return Team(owner, viewer, workspace_id, website)


async def _signed_in(new_page: PageFactory, server: LiveServer, who: Person, **options: Any) -> Any:
    page = await new_page(viewport=DESKTOP, **options)
    cookies, _ = await sign_in_http(server.base_url, who.email)
    await add_cookies(page, server.base_url, cookies)
    return page


async def _rows(page: Any) -> list[list[str]]:
    rows = await page.locator("[data-report-table] tbody tr").all_inner_texts()
    return [row.split("\t") for row in rows]


async def _shots(page: Any, name: str) -> None:
    """Whole-page screenshots in light and dark, at desktop and phone width (the page fits
    the phone and stays accessible there)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("", DESKTOP), ("-phone", PHONE)):
        await page.set_viewport_size(viewport)
        wide = await page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert wide <= 0, f"{page.url} is {wide} px wider than the window"
        await assert_accessible(page)
        for scheme in ("light", "dark"):
            await page.emulate_media(color_scheme=scheme)
            path = ARTIFACTS / f"{name}{size}-{scheme}.png"
            await page.screenshot(path=str(path), full_page=True)
    await page.emulate_media(color_scheme="light")
    await page.set_viewport_size(DESKTOP)


def _nav_link(page: Any, name: str) -> Any:
    return page.get_by_role("navigation", name="Workspace pages").get_by_role("link", name=name)


async def test_a_report_is_saved_listed_downloaded_scheduled_and_deleted(
    new_page: PageFactory, server: LiveServer, tmp_path: Any
) -> None:
    team = await _team(server)
    page = await _signed_in(new_page, server, team.owner)
    await page.goto(f"/workspaces/{team.workspace_id}")
    await _nav_link(page, "Reports").click()
    await page.wait_for_url(re.compile(rf".*/workspaces/{team.workspace_id}/reports$"))
    assert "No saved reports yet" in await page.locator("[data-empty-state]").inner_text()
    await _shots(page, "reports-empty")

    # Built and saved in the builder.
    await page.get_by_role("link", name="New report").first.click()
    await page.wait_for_url(re.compile(r".*/reports/new$"))
    await page.get_by_label("First").select_option("status")
    await page.wait_for_function(
        "() => document.querySelector('#report-preview thead th')?.textContent === 'Status'"
    )
    # A name of spaces only: refused beside the field, on a page that keeps the report.
    await page.get_by_label("Name", exact=True).fill("   ")
    await page.get_by_label("Everyone in the workspace").check()
    async with page.expect_response(re.compile(r"/reports$")) as refused:
        await page.get_by_role("button", name="Save report").click()
    assert (await refused.value).status == 422
    assert await page.locator("#report-name-error").inner_text() == "Give the report a name."
    assert await page.get_by_label("Name", exact=True).get_attribute("aria-invalid") == "true"
    assert await page.get_by_label("Everyone in the workspace").is_checked()
    await _shots(page, "report-save-refused")
    await page.get_by_label("Name", exact=True).fill("Work by status")
    await page.get_by_role("button", name="Save report").click()
    await page.wait_for_url(re.compile(r".*/reports/[^/?]+\?saved=created$"))
    report_url = page.url.split("?")[0]
    assert await page.get_by_role("heading", name="Work by status", level=1).is_visible()
    assert await page.locator("[data-saved]").inner_text() == "The report is saved."
    assert await _rows(page) == [
        ["Done", "1", "1"],
        ["In progress", "1", "0"],
        ["To do", "2", "0"],
    ]
    chart = page.locator("[data-chart=report] svg")
    assert await chart.evaluate(
        "el => el instanceof SVGSVGElement && el.getBoundingClientRect().width > 200"
    )
    definition = await page.locator("[data-definition]").inner_text()
    assert "Grouped by\tStatus" in definition or "Grouped by\nStatus" in definition
    assert "Europe/Paris" in await page.locator("[data-report-summary]").inner_text()
    await _shots(page, "report")

    # Each file: a download with its name, its type, and (the workbook) its rows.
    for label, content_type in CONTENT_TYPES.items():
        link = page.locator("[data-downloads]").get_by_role("link", name=re.compile(f"^{label}"))
        async with page.expect_download() as started:
            await link.click()
        download = await started.value
        extension = {"CSV": "csv", "Excel": "xlsx", "PDF": "pdf"}[label]
        assert re.fullmatch(
            rf"work-by-status-\d{{4}}-\d{{2}}-\d{{2}}\.{extension}", download.suggested_filename
        )
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        answer = await page.request.get(str(await link.get_attribute("href")))
        assert answer.status == 200
        assert answer.headers["content-type"] == content_type
        assert answer.headers["content-disposition"].startswith("attachment; filename=")
        if label == "Excel":
            book = openpyxl.load_workbook(saved)
            rows = [list(row) for row in book.active.iter_rows(values_only=True)]
            assert rows == [
                ["status", "created", "completed"],
                ["done", 1, 1],
                ["in_progress", 1, 0],
                ["todo", 2, 0],
            ]
        if label == "PDF":
            assert saved.read_bytes().startswith(b"%PDF")

    # A weekly schedule: wrong values first, said beside their fields.
    schedule = page.get_by_role("form", name="Schedule the report")
    await schedule.get_by_label("How often").select_option("weekly")
    await schedule.get_by_label("Time", exact=True).fill("25:00")
    await schedule.get_by_label("Time zone").fill("Mars/Olympus")
    await schedule.get_by_label("Recipients").fill("lead@example.com\nnot-an-address")
    await schedule.get_by_role("button", name="Save schedule").click()
    await page.wait_for_selector("#schedule-timezone-error")
    assert "IANA time zone" in await page.locator("#schedule-timezone-error").inner_text()
    assert await page.locator("#schedule-time-error").inner_text() == (
        "Enter a time as HH:MM, 24-hour, for example 09:00."
    )
    recipients_error = await page.locator("#schedule-recipients-error").inner_text()
    assert recipients_error.startswith("not-an-address is not a valid email address: ")
    assert "The schedule is not saved" in await page.locator("[data-refused]").inner_text()
    assert await page.get_by_label("Time zone").get_attribute("aria-invalid") == "true"
    assert await page.get_by_label("Recipients").input_value() == (
        "lead@example.com\nnot-an-address"
    )
    assert await page.locator("[data-schedule-summary]").inner_text() == (
        "Not scheduled: it runs when someone opens or downloads it."
    )
    await _shots(page, "report-schedule-refused")
    schedule = page.get_by_role("form", name="Schedule the report")
    await schedule.get_by_label("Time", exact=True).fill("09:00")
    await schedule.get_by_label("Time zone").fill("Europe/Paris")
    await schedule.get_by_label("File format").select_option("xlsx")
    await schedule.get_by_label("Recipients").fill("lead@example.com, ops@example.com")
    await schedule.get_by_role("button", name="Save schedule").click()
    await page.wait_for_url(re.compile(r".*\?saved=schedule$"))
    assert await page.locator("[data-schedule-summary]").inner_text() == SUMMARY
    assert (await page.locator("[data-next-run]").inner_text()).startswith("Next run: Mon ")
    assert (
        "No deliveries yet: the first is due Mon "
        in await page.locator("[data-no-deliveries]").inner_text()
    )

    # The list says so.
    await _nav_link(page, "Reports").click()
    await page.wait_for_url(re.compile(r".*/reports$"))
    item = page.locator("li.report-item").filter(has_text="Work by status")
    assert await item.locator("[data-schedule]").inner_text() == SUMMARY
    assert "Olive Owner" in await item.inner_text()
    assert "None yet" in await item.inner_text()
    await _shots(page, "reports")

    # Unscheduled, then deleted after confirming.
    await item.get_by_role("link", name="Work by status").click()
    await page.wait_for_url(report_url)
    await page.get_by_role("button", name="Remove schedule").click()
    await page.wait_for_url(re.compile(r".*\?saved=unscheduled$"))
    assert (await page.locator("[data-schedule-summary]").inner_text()).startswith("Not scheduled")
    await page.get_by_role("link", name="Delete report…").click()
    await page.wait_for_url(re.compile(r".*/delete$"))
    assert await page.get_by_role(
        "heading", name="Delete the report “Work by status”?"
    ).is_visible()
    await _shots(page, "report-delete")
    await page.get_by_role("button", name="Yes, delete the report").click()
    await page.wait_for_url(re.compile(r".*/reports\?deleted=1$"))
    assert await page.locator("p.flash-ok").inner_text() == "The report is deleted."
    assert "No saved reports yet" in await page.locator("[data-empty-state]").inner_text()
    gone = await page.goto(report_url)
    assert gone is not None
    assert gone.status == 404
    assert page.js_errors == []


async def test_a_viewer_sees_a_shared_report_read_only(
    new_page: PageFactory, server: LiveServer
) -> None:
    team = await _team(server)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        report_id = await saved_report(
            http, team.owner, team.workspace_id, "Open work", recipients=["lead@example.com"]
        )
    page = await _signed_in(new_page, server, team.viewer)
    await page.goto(f"/workspaces/{team.workspace_id}/reports")
    item = page.locator("li.report-item").filter(has_text="Open work")
    assert "Daily 08:00 UTC, PDF to 1 recipient" in await item.inner_text()
    await item.get_by_role("link", name="Open work").click()
    await page.wait_for_url(re.compile(rf".*/reports/{report_id}$"))
    note = await page.locator("[data-read-only]").inner_text()
    assert "only its owner (Olive Owner) or a workspace admin can change it" in note
    assert await _rows(page)
    assert await page.locator("[data-chart=report] svg").count() == 1
    assert await page.get_by_role("button", name="Save schedule").count() == 0
    assert await page.get_by_role("button", name="Remove schedule").count() == 0
    assert await page.get_by_role("link", name="Delete report…").count() == 0
    assert await page.locator("form[action$='/settings']").count() == 0
    assert await page.locator("[data-schedule-summary]").inner_text() == (
        "Daily 08:00 UTC, PDF to 1 recipient"
    )
    for label in CONTENT_TYPES:  # viewers run and download it
        href = (
            await page.locator("[data-downloads]")
            .get_by_role("link", name=re.compile(f"^{label}"))
            .get_attribute("href")
        )
        assert (await page.request.get(str(href))).status == 200
    await _shots(page, "report-viewer")
    refused = await page.goto(f"/reports/{report_id}/delete")
    assert refused is not None
    assert refused.status == 403
    assert page.js_errors == []


async def test_another_workspaces_report_is_the_404_page(
    new_page: PageFactory, server: LiveServer
) -> None:
    team = await _team(server)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        report_id = await saved_report(http, team.owner, team.workspace_id, "Secret plan")
        stranger = await person(http, "Sam Stranger")
    page = await _signed_in(new_page, server, stranger)
    missing = await page.goto("/reports/00000000-0000-0000-0000-000000000000")
    assert missing is not None
    assert missing.status == 404
    missing_text = re.sub(r"request \S+", "", await page.locator("main").inner_text())
    for path in ("", "/delete", "/download/xlsx", "/deliveries"):
        answer = await page.goto(f"/reports/{report_id}{path}")
        assert answer is not None
        assert answer.status == 404, path
        assert await page.get_by_role("heading", name="Page not found").is_visible()
        assert "Secret plan" not in await page.content()
        shown = re.sub(r"request \S+", "", await page.locator("main").inner_text())
        assert shown == missing_text, path
    listed = await page.goto(f"/workspaces/{team.workspace_id}/reports")
    assert listed is not None
    assert listed.status == 404


async def test_load_more_appends_the_next_reports(
    new_page: PageFactory, server: LiveServer
) -> None:
    team = await _team(server)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        for n in range(27):
            await saved_report(http, team.owner, team.workspace_id, f"Report {n + 1:02d}")
    page = await _signed_in(new_page, server, team.owner)
    await page.goto(f"/workspaces/{team.workspace_id}/reports")
    items = page.locator("#report-list > li")
    assert await items.count() == 25
    await page.get_by_role("link", name="Load more reports").click()
    await page.wait_for_function(
        "() => document.querySelectorAll('#report-list > li').length === 27"
    )
    names = await page.locator("#report-list .ws-name").all_inner_texts()
    assert names == [f"Report {n + 1:02d}" for n in range(27)]
    focused = await page.evaluate("() => document.activeElement.textContent")
    assert focused == "Report 26"
    assert await page.locator("#reports-status").inner_text() == "2 more reports shown."
    assert await page.get_by_role("link", name="Load more reports").count() == 0
    # Without JavaScript the link opens the next page on its own.
    plain = await _signed_in(new_page, server, team.owner, java_script_enabled=False)
    await plain.goto(f"/workspaces/{team.workspace_id}/reports")
    await plain.get_by_role("link", name="Load more reports").click()
    await plain.wait_for_url(re.compile(r".*/reports\?cursor="))
    assert await plain.locator("#report-list .ws-name").all_inner_texts() == [
        "Report 26",
        "Report 27",
    ]
    assert await plain.get_by_role("link", name="Back to the first reports").is_visible()
    assert page.js_errors == []


async def test_a_stopped_schedule_shows_its_reason_first(
    new_page: PageFactory, server: LiveServer
) -> None:
    """A member's scheduled report; the member leaves, the scheduler stops it: the page and
    the list say why, in words, before anything else."""
    from datetime import datetime

    from smarttask.db.engine import Database
    from smarttask.reports.scheduler import schedule_due
    from tests.support import make_settings

    team = await _team(server)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        member = await person(http, "Max Member")
        added = await http.post(
            f"{API}/workspaces/{team.workspace_id}/members",
            json={"email": member.email, "role": "member"},
            headers=team.owner.headers,
        )
        assert added.status_code == 201, added.text
        report_id = await saved_report(
            http, member, team.workspace_id, "Max's daily", recipients=["lead@example.com"]
        )
        body = (await http.get(f"{API}/reports/{report_id}", headers=member.headers)).json()
        left = await http.delete(
            f"{API}/workspaces/{team.workspace_id}/members/{member.id}",
            headers=team.owner.headers,
        )
        assert left.status_code == 204, left.text
    due = datetime.fromisoformat(body["schedule"]["next_run_at"].replace("Z", "+00:00"))
    database = Database(make_settings(server.database_url).database)
    try:
        async with database.session() as session:
            await schedule_due(session, due, max_attempts=3)
            await session.commit()
    finally:
        await database.dispose()

    page = await _signed_in(new_page, server, team.owner)
    await page.goto(f"/workspaces/{team.workspace_id}/reports")
    item = page.locator("li.report-item").filter(has_text="Max's daily")
    assert await item.locator("[data-stopped]").inner_text() == (
        "Stopped: The report's owner left the workspace."
    )
    assert await item.locator("[data-delivery-status]").inner_text() == "Failed"
    await item.get_by_role("link", name="Max's daily").click()
    stopped = page.locator("[data-stopped]")
    assert "The schedule is stopped. The report's owner left the workspace." in (
        await stopped.inner_text()
    )
    assert "The report's owner left the workspace." in (
        await page.locator("[data-run-error]").inner_text()
    )
    row = page.locator("[data-deliveries] tbody tr")
    assert "Failed" in await row.inner_text()
    assert "The report's owner left the workspace." in await row.inner_text()
    await _shots(page, "report-stopped")
