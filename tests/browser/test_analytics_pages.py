"""The dashboard and the report builder in a real browser on both backends."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.support.browser import (
    ARTIFACTS,
    SCREENSHOTS,
    LiveServer,
    assert_accessible,
    screenshot,
)
from tests.support.web_sweeps import Person, add_cookies, person, project, sign_in_http, task

PageFactory = Callable[..., Awaitable[Any]]
API = "/api/v1"
ZONE = "Europe/Paris"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 800}


@dataclass
class Team:
    """A workspace in Paris time with two projects, tasks, and people of each role."""

    owner: Person
    admin: Person
    viewer: Person
    workspace_id: str
    website_id: str
    mobile_id: str


def _due(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat().replace("+00:00", "Z")


async def _team(server: LiveServer) -> Team:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        owner = await person(http, "Olive Owner")
        admin = await person(http, "Adam Admin")
        viewer = await person(http, "Vera Viewer")
        made = await http.post(
            f"{API}/workspaces", json={"name": "Acme", "timezone": ZONE}, headers=owner.headers
        )
        assert made.status_code == 201, made.text
        workspace_id = made.json()["id"]
        for who, role in ((admin, "admin"), (viewer, "viewer")):
            added = await http.post(
                f"{API}/workspaces/{workspace_id}/members",
                json={"email": who.email, "role": role},
                headers=owner.headers,
            )
            assert added.status_code == 201, added.text
        website = await project(http, owner, workspace_id, "Website", "WEB")
        mobile = await project(http, owner, workspace_id, "Mobile app", "MOB")
        for title, fields in (
            ("Fix the sign-in form", {"due_at": _due(-2), "assignee_id": owner.id}),
            ("Write the launch post", {"assignee_id": admin.id, "labels": ["copy"]}),
            ("Pick a font", {"assignee_id": admin.id, "priority": "high"}),
            ("Draft the pricing page", {"status": "in_progress", "assignee_id": owner.id}),
            ("Set up analytics", {"status": "done", "assignee_id": owner.id}),
            ("Old idea", {"status": "cancelled"}),
        ):
            await task(http, owner, website, title=title, **fields)
        for title in ("Ship the beta", "Store screenshots"):
            await task(http, owner, mobile, title=title, status="done", assignee_id=admin.id)
    return Team(owner, admin, viewer, workspace_id, website, mobile)


async def _with_history(server: LiveServer, team: Team) -> str:
    """A project, Platform, whose 24 tasks were created over the last eight weeks, 14 of them
    completed along the way: made through the API, then backdated in the database (the task
    rows and their facts, each of which carries its task's creation time) and the aggregates
    rebuilt from the facts, as `smarttask analytics rebuild` does. Its id."""
    from sqlalchemy import update

    from smarttask.db.engine import Database
    from smarttask.history import service as history
    from smarttask.history.models import TaskFact
    from smarttask.tasks.models import Task
    from tests.support import make_settings

    plan: list[tuple[str, int, int | None]] = []
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        platform = await project(http, team.owner, team.workspace_id, "Platform", "PLAT")
        for n in range(24):
            who = team.admin if n % 3 == 0 else team.owner
            made = await task(http, who, platform, title=f"Platform {n + 1}", assignee_id=who.id)
            created_days = 56 - 2 * n
            done_days = None
            if n in (0, 1, 2, 4, 5, 7, 8, 10, 12, 13, 15, 17, 19, 21):
                done = await http.patch(
                    f"{API}/tasks/{made['id']}", json={"status": "done"}, headers=who.headers
                )
                assert done.status_code == 200, done.text
                done_days = max(1, created_days - 4 - n % 4)
            plan.append((str(made["id"]), created_days, done_days))
    now = datetime.now(UTC)
    database = Database(make_settings(server.database_url).database)
    try:
        async with database.session() as session:
            for task_id, created_days, done_days in plan:
                created = now - timedelta(days=created_days, hours=3)
                facts = update(TaskFact).where(TaskFact.task_id == task_id)
                await session.execute(facts.values(created_at=created))
                await session.execute(facts.where(TaskFact.version == 1).values(at=created))
                values: dict[str, Any] = {"created_at": created, "updated_at": created}
                if done_days is not None:
                    finished = now - timedelta(days=done_days, hours=1)
                    await session.execute(facts.where(TaskFact.version > 1).values(at=finished))
                    values |= {"completed_at": finished, "updated_at": finished}
                await session.execute(update(Task).where(Task.id == task_id).values(**values))
            await history.rebuild(session, team.workspace_id)
            await session.commit()
    finally:
        await database.dispose()
    return platform


async def _signed_in(new_page: PageFactory, server: LiveServer, who: Person, **options: Any) -> Any:
    page = await new_page(**options)
    cookies, _ = await sign_in_http(server.base_url, who.email)
    await add_cookies(page, server.base_url, cookies)
    return page


async def _totals(page: Any) -> dict[str, int]:
    found = {}
    for cell in await page.locator("[data-total]").all():
        found[str(await cell.get_attribute("data-total"))] = int(await cell.inner_text())
    return found


async def _is_svg(page: Any, selector: str) -> bool:
    return bool(
        await page.locator(selector).evaluate(
            "el => el instanceof SVGSVGElement && el.getBoundingClientRect().width > 200"
        )
    )


async def _flow_rows(page: Any) -> list[list[str]]:
    """The created and completed chart's table (folded under its details): its cells."""
    rows = await page.locator("[data-chart=flow] + details tbody tr").evaluate_all(
        "rows => rows.map((row) => [...row.cells].map((cell) => cell.textContent.trim()))"
    )
    return [list(row) for row in rows]


async def _no_wider_than_the_window(page: Any) -> None:
    wide = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} is {wide} px wider than the window"


async def _full(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def _shots(page: Any, name: str) -> None:
    """Whole-page screenshots in light and dark, at desktop and phone width (the page must
    fit the phone and stay accessible there)."""
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        await _full(page, f"{name}-{scheme}")
    await page.set_viewport_size(PHONE)
    await _no_wider_than_the_window(page)
    await assert_accessible(page)
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        await _full(page, f"{name}-phone-{scheme}")
    await page.emulate_media(color_scheme="light")
    await page.set_viewport_size(DESKTOP)


async def test_the_dashboard_shows_totals_charts_and_follows_the_range(
    new_page: PageFactory, server: LiveServer
) -> None:
    team = await _team(server)
    page = await _signed_in(new_page, server, team.owner, viewport={"width": 1280, "height": 800})
    await page.goto(f"/workspaces/{team.workspace_id}")
    await (
        page.get_by_role("navigation", name="Workspace pages")
        .get_by_role("link", name="Dashboard")
        .click()
    )
    await page.wait_for_url(re.compile(rf".*/workspaces/{team.workspace_id}/dashboard$"))
    assert await page.get_by_role("heading", name="Acme: dashboard").is_visible()
    assert await _totals(page) == {
        "todo": 3,
        "in_progress": 1,
        "done": 3,
        "cancelled": 1,
        "overdue": 1,
        "at_risk": await _at_risk(server, team),
    }
    assert "Days in Europe/Paris" in await page.locator("[data-range]").inner_text()
    for chart in ("flow", "burnup", "workload"):
        assert await _is_svg(page, f"[data-chart={chart}] svg"), chart
    flow = page.locator("[data-chart=flow] svg")
    assert "Series: Created, Completed" in str(await flow.get_attribute("aria-label"))
    burnup = str(await page.locator("[data-chart=burnup] svg").get_attribute("aria-label"))
    assert "Burn-up of Website" in burnup
    assert "of a scope of 5" in burnup
    workload = page.locator("[data-chart=workload] svg")
    assert await workload.locator("text", has_text="Adam Admin").count() == 1
    assert await page.get_by_role("heading", name="Team performance").is_visible()
    team_rows = await page.locator("[data-team] tbody tr").all_inner_texts()
    assert any(row.startswith("Adam Admin") and "\t2\t" in row for row in team_rows), team_rows
    assert await page.locator("[data-mine=open]").inner_text() == "2"
    assert await page.locator("[data-mine=overdue]").inner_text() == "1"
    await assert_accessible(page)
    await _shots(page, "dashboard")

    # The range picker: a preset, then typed days (plain GET forms and links).
    await page.get_by_role("link", name="Last 7 days").click()
    await page.wait_for_url(re.compile(r".*days=7"))
    today = await _today(page)
    shown = await page.locator("[data-range] strong").inner_text()
    assert shown.startswith(_day(today - timedelta(days=6))), shown
    assert (
        await page.get_by_role("link", name="Last 7 days").get_attribute("aria-current") == "page"
    )
    assert len(await _flow_rows(page)) == 7
    await page.get_by_label("From", exact=True).fill((today - timedelta(days=2)).isoformat())
    await page.get_by_label("To", exact=True).fill(today.isoformat())
    await page.get_by_role("button", name="Show").click()
    await page.wait_for_url(re.compile(r".*from=\d{4}-\d{2}-\d{2}&to="))
    assert len(await _flow_rows(page)) == 3
    assert await page.get_by_role("link", name="Last 7 days").get_attribute("aria-current") is None
    # Days the wrong way round: said beside the range, the figures of the default range.
    await page.get_by_label("From", exact=True).fill(today.isoformat())
    await page.get_by_label("To", exact=True).fill((today - timedelta(days=3)).isoformat())
    await page.get_by_role("button", name="Show").click()
    await page.wait_for_url(re.compile(r".*from="))
    assert "must not be after" in await page.get_by_role("alert").inner_text()
    assert await page.get_by_label("From", exact=True).get_attribute("aria-invalid") == "true"

    # One project: the totals and the burn-up follow it.
    await page.goto(f"/workspaces/{team.workspace_id}/dashboard")
    await page.get_by_label("Project", exact=True).select_option(label="Mobile app")
    await page.get_by_role("button", name="Show").click()
    await page.wait_for_url(re.compile(rf".*project_id={team.mobile_id}"))
    totals = await _totals(page)
    assert (totals["todo"], totals["done"]) == (0, 2)
    burnup = str(await page.locator("[data-chart=burnup] svg").get_attribute("aria-label"))
    assert "Burn-up of Mobile app" in burnup
    assert "2 done of a scope of 2" in burnup
    assert page.js_errors == []


async def _at_risk(server: LiveServer, team: Team) -> int:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        answer = await http.get(
            f"{API}/analytics/dashboard?workspace_id={team.workspace_id}",
            headers=team.owner.headers,
        )
    return int(answer.json()["totals"]["at_risk"])


async def _today(page: Any) -> date:
    return date.fromisoformat(str(await page.get_by_label("To", exact=True).input_value()))


def _day(value: date) -> str:
    return f"{value.day:02d} {value.strftime('%b')} {value.year}"


async def test_only_admins_and_owners_see_the_team_table(
    new_page: PageFactory, server: LiveServer
) -> None:
    team = await _team(server)
    viewer = await _signed_in(new_page, server, team.viewer)
    await viewer.goto(f"/workspaces/{team.workspace_id}/dashboard")
    assert await viewer.get_by_role("heading", name="My figures").is_visible()
    assert await viewer.get_by_role("heading", name="Team performance").count() == 0
    assert await viewer.locator("[data-team]").count() == 0
    assert await viewer.locator("[data-mine=open]").inner_text() == "0"
    assert await _is_svg(viewer, "[data-chart=workload] svg")
    await assert_accessible(viewer)
    admin = await _signed_in(new_page, server, team.admin)
    await admin.goto(f"/workspaces/{team.workspace_id}/dashboard")
    assert await admin.get_by_role("heading", name="Team performance").is_visible()
    names = await admin.locator("[data-team] tbody th").all_inner_texts()
    assert sorted(names) == ["Adam Admin", "Olive Owner", "Vera Viewer"]
    assert await admin.locator("[data-mine=open]").inner_text() == "2"


async def test_an_empty_workspace_has_empty_states_not_broken_charts(
    new_page: PageFactory, server: LiveServer
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        owner = await person(http, "Nina Newcomer")
        made = await http.post(f"{API}/workspaces", json={"name": "Fresh"}, headers=owner.headers)
        workspace_id = made.json()["id"]
    page = await _signed_in(new_page, server, owner)
    await page.goto(f"/workspaces/{workspace_id}/dashboard")
    assert "No tasks yet" in await page.locator("[data-empty-state]").inner_text()
    assert await page.locator("svg.chart").count() == 0
    for name in ("flow", "burnup", "cycle", "workload"):
        assert await page.locator(f"[data-empty-chart={name}]").is_visible(), name
    assert "No projects yet" in await page.locator("[data-empty-chart=burnup]").inner_text()
    assert "Days in UTC" in await page.locator("[data-range]").inner_text()
    await assert_accessible(page)
    await _shots(page, "dashboard-empty")
    assert page.js_errors == []


async def _preview_headers(page: Any) -> list[str]:
    return [h.strip() for h in await page.locator("#report-preview thead th").all_inner_texts()]


async def test_the_report_builder_previews_as_options_change(
    new_page: PageFactory, server: LiveServer
) -> None:
    team = await _team(server)
    page = await _signed_in(new_page, server, team.owner, viewport={"width": 1280, "height": 900})
    await page.goto(f"/workspaces/{team.workspace_id}")
    await (
        page.get_by_role("navigation", name="Workspace pages")
        .get_by_role("link", name="Reports")
        .click()
    )
    await page.wait_for_url(re.compile(r".*/reports$"))
    await page.get_by_role("link", name="New report").first.click()
    await page.wait_for_url(re.compile(r".*/reports/new$"))
    await page.wait_for_load_state("networkidle")
    assert await _preview_headers(page) == ["Created", "Completed"]
    assert await page.locator("#report-preview tbody td").all_inner_texts() == ["8", "3"]

    await page.get_by_label("First").select_option("status")
    await page.wait_for_function(
        "() => document.querySelector('#report-preview thead th')?.textContent === 'Status'"
    )
    rows = await page.locator("#report-preview tbody tr").all_inner_texts()
    assert [row.split("\t") for row in rows] == [
        ["Cancelled", "1", "0"],
        ["Done", "3", "3"],
        ["In progress", "1", "0"],
        ["To do", "3", "0"],
    ]
    assert await _is_svg(page, "[data-chart=report] svg")
    assert "dimension=status" in page.url  # the address keeps the report
    await page.get_by_label("Still open").check()
    await page.get_by_label("Completed", exact=True).uncheck()
    await page.wait_for_function(
        "() => [...document.querySelectorAll('#report-preview thead th')]"
        ".map((th) => th.textContent).join('|') === 'Status|Created|Still open'"
    )
    definition = await page.locator("#save-controls input[name=definition]").input_value()
    assert '"dimensions":["status"]' in definition
    assert '"metrics":["created","open"]' in definition

    # Filters narrow it: the Mobile app project, then a label.
    await page.get_by_label("Project", exact=True).select_option(label="Website")
    await page.get_by_label("Label").fill("copy")
    await page.get_by_label("Label").press("Enter")
    await page.wait_for_function(
        "() => document.querySelectorAll('#report-preview tbody tr').length === 1"
    )
    assert (await page.locator("#report-preview tbody tr").inner_text()).split("\t") == [
        "To do",
        "1",
        "1",
    ]
    await assert_accessible(page)
    await _shots(page, "report-builder")

    # Two time dimensions: said inline, nothing to save; fixing it brings the table back.
    await page.get_by_label("First").select_option("week")
    await page.get_by_label("Then", exact=True).select_option("day")
    alert = page.locator("[data-report-errors]")
    await alert.wait_for()
    assert "Use at most one of day, week and month." in await alert.inner_text()
    beside = page.locator("#dimensions-error")  # beside the selects too, out of band
    assert await beside.inner_text() == "Use at most one of day, week and month."
    assert await page.locator("#report-preview table").count() == 0
    assert await page.get_by_role("button", name="Save report").is_disabled()
    await assert_accessible(page)
    await screenshot(page, "report-builder-refused")
    await page.get_by_label("Then", exact=True).select_option("")
    await page.wait_for_selector("#report-preview table")
    assert await page.locator("#dimensions-error").count() == 0
    assert await _preview_headers(page) == ["Week (from Monday)", "Created", "Still open"]
    assert await page.get_by_role("button", name="Save report").is_enabled()
    assert "Preview updated" in await page.locator("#preview-status").inner_text()
    assert page.js_errors == []


async def test_the_report_builder_works_without_javascript(
    new_page: PageFactory, server: LiveServer
) -> None:
    team = await _team(server)
    page = await _signed_in(new_page, server, team.viewer, java_script_enabled=False)
    await page.goto(f"/workspaces/{team.workspace_id}/reports/new")
    await page.get_by_label("First").select_option("assignee")
    await page.get_by_label("Then", exact=True).select_option("status")
    await page.get_by_role("button", name="Preview").click()
    await page.wait_for_url(re.compile(r".*/reports/new\?.*dimension=assignee"))
    assert await _preview_headers(page) == ["Assignee", "Status", "Created", "Completed"]
    rows = [r.split("\t") for r in await page.locator("#report-preview tbody tr").all_inner_texts()]
    assert ["Adam Admin", "Done", "2", "2"] in rows
    assert ["Unassigned", "Cancelled", "1", "0"] in rows
    # A viewer previews but is not offered saving.
    assert await page.get_by_role("button", name="Save report").count() == 0
    await page.get_by_label("First").select_option("month")
    await page.get_by_label("Then", exact=True).select_option("day")
    await page.get_by_role("button", name="Preview").click()
    await page.wait_for_selector("#dimensions-error")
    assert (
        "at most one of day, week and month" in await page.locator("#dimensions-error").inner_text()
    )
    assert await page.get_by_label("First").get_attribute("aria-invalid") == "true"


async def test_another_workspaces_dashboard_is_the_404_page(
    new_page: PageFactory, server: LiveServer
) -> None:
    team = await _team(server)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        stranger = await person(http, "Sam Stranger")
    page = await _signed_in(new_page, server, stranger)
    missing = await page.goto("/workspaces/00000000-0000-0000-0000-000000000000/dashboard")
    assert missing is not None
    assert missing.status == 404
    missing_text = await page.locator("main").inner_text()
    for path in ("dashboard", "reports/new", "reports/preview?metric=created"):
        answer = await page.goto(f"/workspaces/{team.workspace_id}/{path}")
        assert answer is not None
        assert answer.status == 404, path
        assert await page.get_by_role("heading", name="Page not found").is_visible()
        assert "Acme" not in await page.content()
    shown = await page.locator("main").inner_text()
    assert re.sub(r"request \S+", "", shown) == re.sub(r"request \S+", "", missing_text)


async def test_a_project_with_history_shows_its_burnup_forecast_band_and_cycle_time(
    new_page: PageFactory, server: LiveServer
) -> None:
    team = await _team(server)
    platform = await _with_history(server, team)
    page = await _signed_in(new_page, server, team.owner, viewport=DESKTOP)
    await page.goto(f"/workspaces/{team.workspace_id}/dashboard?days=90&project_id={platform}")
    totals = await _totals(page)
    assert (totals["todo"], totals["done"]) == (10, 14)
    progress = await page.locator("[data-progress]").inner_text()
    assert progress.startswith("14 of 24 tasks done (58 %).")
    assert "Forecast: 50 % chance the open 10 are done by" in progress
    burnup = page.locator("[data-chart=burnup] svg")
    assert await burnup.locator("rect.chart-band:not(.chart-swatch)").count() == 1
    label = str(await burnup.get_attribute("aria-label"))
    assert "14 done of a scope of 24" in label
    assert "Forecast: 50 % chance by" in label
    flow = await _flow_rows(page)
    assert len(flow) == 90
    assert sum(int(row[1]) for row in flow) == 24  # created
    assert sum(int(row[2]) for row in flow) == 14  # completed
    cycle = await page.locator("[data-cycle] dd").all_inner_texts()
    assert len(cycle) == 2
    assert all(text.endswith("days") for text in cycle), cycle
    # The colours follow the theme: the stylesheet's series colours, not the SVG's own.
    line = burnup.locator("path.chart-series-1")
    light = await line.evaluate("el => getComputedStyle(el).stroke")
    await page.emulate_media(color_scheme="dark")
    dark = await line.evaluate("el => getComputedStyle(el).stroke")
    assert light != dark
    await page.emulate_media(color_scheme="light")
    await assert_accessible(page)
    await _shots(page, "dashboard-history")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.locator(".dash-charts").screenshot(path=str(SCREENSHOTS / "dashboard.png"))
    assert page.js_errors == []
