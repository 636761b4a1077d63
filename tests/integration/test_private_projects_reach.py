"""Private projects reach every derived path: analytics and summaries, saved and scheduled
reports, the calendar feed, notifications (reactions, reminders, mails, digests, the inbox),
live events (polling and the SSE stream) and webhooks.

One workspace: its owner, an admin, the insider (a member who is one of the private project
SEC's members) and the outsider (a member who is not). The outsider sees nothing of SEC on
any of these paths; the insider, the admin and the owner see everything. Private projects
and their members are written straight to the database (the project-members API is built
elsewhere), as a change of membership would leave them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, select, update

from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.jobs.worker import Worker
from smarttask.notifications.delivery import mail_one
from smarttask.notifications.digest import Digested, send_digests
from smarttask.notifications.reminders import Reminded, remind
from smarttask.projects.models import Project
from smarttask.reports.scheduler import schedule_due
from smarttask.reports.service import PROJECT_HIDDEN
from smarttask.settings import Settings
from smarttask.webhooks.models import WebhookDelivery
from smarttask.workspaces.models import Membership, ProjectMember
from tests.support import free_port, job_registry, make_settings
from tests.support.accounts import assert_problem
from tests.support.jobs import FakeClock
from tests.support.mail import Inbox
from tests.support.sse import open_stream, serving
from tests.support.tasks import Board, new_board, new_task, walk
from tests.support.workspaces import Account, add_member, signup

API = "/api/v1"
JOBS = job_registry()
DUE = datetime(2031, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Webhooks may point at loopback; fast stream re-checks; no rate limits."""
    return {
        "webhook_allow_private": True,
        "event_heartbeat_seconds": 0.5,
        "rate_limit_enabled": False,
    }


@dataclass
class Team:
    """The workspace of the board (project WEB), an admin, and the private project SEC."""

    board: Board
    admin: Account
    insider: Account
    secret_id: str

    @property
    def workspace_id(self) -> str:
        """The workspace's id."""
        return self.board.workspace_id

    @property
    def owner(self) -> Account:
        """The workspace's owner."""
        return self.board.owner

    @property
    def outsider(self) -> Account:
        """A member who is not one of SEC's members."""
        return self.board.member


def database_of(client: httpx.AsyncClient) -> Database:
    """The in-process app's database."""
    database: Database = client._transport.app.state.database  # type: ignore[attr-defined]
    return database


async def set_project_members(
    database: Database, project_id: str, members: list[Account], *, private: bool = True
) -> None:
    """Make the project private (or not) with exactly these project members."""
    async with database.session() as session:
        await session.execute(
            update(Project)
            .where(Project.id == project_id)
            .values(visibility="private" if private else "workspace")
        )
        await session.execute(delete(ProjectMember).where(ProjectMember.project_id == project_id))
        for member in members:
            session.add(
                ProjectMember(project_id=project_id, user_id=member.id, created_at=utcnow())
            )
        await session.commit()


async def new_team(client: httpx.AsyncClient, database: Database, *, private: bool = True) -> Team:
    """A board with an admin and an insider, and the project SEC (private unless told)."""
    board = await new_board(client)
    admin, insider = await signup(client, "admin"), await signup(client, "insider")
    await add_member(client, board.workspace_id, board.owner, admin, "admin")
    await add_member(client, board.workspace_id, board.owner, insider, "member")
    created = await client.post(
        f"{API}/workspaces/{board.workspace_id}/projects",
        json={"name": "Secret", "key": "SEC"},
        headers=board.owner.headers,
    )
    assert created.status_code == 201, created.text
    team = Team(board, admin, insider, created.json()["id"])
    if private:
        await set_project_members(database, team.secret_id, [insider])
    return team


async def secret_task(client: httpx.AsyncClient, team: Team, **fields: Any) -> dict[str, Any]:
    """A task of SEC, created by the insider."""
    response = await client.post(
        f"{API}/projects/{team.secret_id}/tasks",
        json={"title": "A secret"} | fields,
        headers=team.insider.headers,
    )
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def get_ok(
    client: httpx.AsyncClient, url: str, who: Account, **params: Any
) -> dict[str, Any]:
    """A 200 GET's body."""
    response = await client.get(url, params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# Analytics ---------------------------------------------------------------------------------


async def test_analytics_leave_out_a_private_project_for_those_who_cannot_see_it(
    client: httpx.AsyncClient,
) -> None:
    team = await new_team(client, database_of(client))
    past = (utcnow() - timedelta(days=2)).isoformat()
    await new_task(client, team.board, title="public open")
    await new_task(client, team.board, title="public done", status="done")
    await secret_task(client, team, title="secret open")
    await secret_task(client, team, title="secret done", status="done", assignee_id=team.insider.id)
    await secret_task(
        client, team, title="late", status="in_progress", assignee_id=team.insider.id, due_at=past
    )
    ws = {"workspace_id": team.workspace_id}

    def totals(board: dict[str, Any]) -> tuple[int, int, int, int, int]:
        counts = board["totals"]
        return (
            counts["todo"] + counts["in_progress"] + counts["done"] + counts["cancelled"],
            counts["done"],
            counts["overdue"],
            sum(day["count"] for day in board["created_per_day"]),
            sum(day["count"] for day in board["completed_per_day"]),
        )

    outside = await get_ok(client, f"{API}/analytics/dashboard", team.outsider, **ws)
    assert totals(outside) == (2, 1, 0, 2, 1)
    assert team.insider.id not in {w["user_id"] for w in outside["workload"]}
    for who in (team.insider, team.admin, team.owner):
        board = await get_ok(client, f"{API}/analytics/dashboard", who, **ws)
        assert totals(board) == (5, 2, 1, 5, 2), who
        assert {w["user_id"]: w["open_assigned"] for w in board["workload"]}[team.insider.id] == 1

    # Asked for by its id, the private project does not exist for the outsider.
    secret = {**ws, "project_id": team.secret_id}
    for path in ("dashboard", "project-progress", "me", "summary"):
        refused = await client.get(
            f"{API}/analytics/{path}", params=secret, headers=team.outsider.headers
        )
        assert_problem(refused, 404)
    custom = {"dimensions": ["project"], "metrics": ["created", "completed"]}
    refused = await client.post(
        f"{API}/analytics/custom-report",
        params=secret,
        json=custom,
        headers=team.outsider.headers,
    )
    assert_problem(refused, 404)
    progress = await get_ok(client, f"{API}/analytics/project-progress", team.insider, **secret)
    assert (progress["total"], progress["done"]) == (3, 1)
    summary = await client.get(f"{API}/analytics/summary", params=ws, headers=team.outsider.headers)
    assert summary.status_code == 200, summary.text

    async def report(who: Account) -> list[list[Any]]:
        response = await client.post(
            f"{API}/analytics/custom-report", params=ws, json=custom, headers=who.headers
        )
        assert response.status_code == 200, response.text
        rows: list[list[Any]] = response.json()["rows"]
        return rows

    assert await report(team.outsider) == [["WEB", 2, 1]]
    assert await report(team.insider) == [["SEC", 3, 1], ["WEB", 2, 1]]
    assert await report(team.admin) == [["SEC", 3, 1], ["WEB", 2, 1]]
    mine = await get_ok(client, f"{API}/analytics/me", team.insider, **ws)
    assert (mine["open_assigned"], mine["completed"], mine["overdue_assigned"]) == (1, 1, 1)
    team_table = await get_ok(client, f"{API}/analytics/team-performance", team.admin, **ws)
    member = {m["user_id"]: m for m in team_table["members"]}[team.insider.id]
    assert (member["open_assigned"], member["completed"]) == (1, 1)

    # Let into the project, the outsider sees its figures at once.
    await set_project_members(database_of(client), team.secret_id, [team.insider, team.outsider])
    assert totals(await get_ok(client, f"{API}/analytics/dashboard", team.outsider, **ws)) == (
        5,
        2,
        1,
        5,
        2,
    )


# Reports ------------------------------------------------------------------------------------

BY_PROJECT = {"dimensions": ["project"], "metrics": ["created"]}


async def save_report(
    client: httpx.AsyncClient, team: Team, who: Account, definition: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/workspaces/{team.workspace_id}/reports",
        json={"name": "By project", "definition": definition, "visibility": "workspace"} | extra,
        headers=who.headers,
    )
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


async def run_rows(client: httpx.AsyncClient, report: dict[str, Any], who: Account) -> Any:
    return (await get_ok(client, f"{API}/reports/{report['id']}/run", who))["rows"]


async def test_a_report_shows_what_its_owner_and_its_reader_both_see(
    client: httpx.AsyncClient,
) -> None:
    team = await new_team(client, database_of(client))
    await new_task(client, team.board, title="public")
    await secret_task(client, team)

    shared = await save_report(client, team, team.insider, BY_PROJECT)
    assert await run_rows(client, shared, team.insider) == [["SEC", 1], ["WEB", 1]]
    assert await run_rows(client, shared, team.owner) == [["SEC", 1], ["WEB", 1]]
    assert await run_rows(client, shared, team.outsider) == [["WEB", 1]]
    as_csv = await client.get(
        f"{API}/reports/{shared['id']}/run",
        params={"format": "csv"},
        headers=team.outsider.headers,
    )
    assert as_csv.status_code == 200, as_csv.text
    assert list(csv.reader(io.StringIO(as_csv.text))) == [["project", "created"], ["WEB", "1"]]
    # The outsider's report runs with the outsider's access, whoever reads it.
    theirs = await save_report(client, team, team.outsider, BY_PROJECT)
    assert await run_rows(client, theirs, team.insider) == [["WEB", 1]]
    assert await run_rows(client, theirs, team.owner) == [["WEB", 1]]


async def test_a_report_on_a_private_project_does_not_exist_for_those_who_cannot_see_it(
    client: httpx.AsyncClient,
) -> None:
    team = await new_team(client, database_of(client))
    await secret_task(client, team)
    plain = await save_report(client, team, team.insider, BY_PROJECT)
    filtered = await save_report(
        client, team, team.insider, BY_PROJECT | {"project_id": team.secret_id}
    )
    url = f"{API}/reports/{filtered['id']}"
    for path in ("", "/run", "/deliveries"):
        assert_problem(await client.get(url + path, headers=team.outsider.headers), 404)
    for changed in (
        await client.patch(url, json={"name": "Mine"}, headers=team.outsider.headers),
        await client.delete(url, headers=team.outsider.headers),
    ):
        assert_problem(changed, 404)
    listed = f"{API}/workspaces/{team.workspace_id}/reports"
    assert [r["id"] for r in await walk(client, listed, team.outsider.headers)] == [plain["id"]]
    for who in (team.insider, team.admin, team.owner):
        assert [r["id"] for r in await walk(client, listed, who.headers)] == [
            plain["id"],
            filtered["id"],
        ]
        assert await run_rows(client, filtered, who) == [["SEC", 1]]

    # Saving one on a project they cannot see reads exactly like a missing project.
    answers = []
    for project_id in (team.secret_id, "no-such-project"):
        refused = await client.post(
            f"{API}/workspaces/{team.workspace_id}/reports",
            json={
                "name": "Peek",
                "definition": BY_PROJECT | {"project_id": project_id},
                "visibility": "private",
            },
            headers=team.outsider.headers,
        )
        answers.append(assert_problem(refused, 422)["errors"])
    assert answers[0] == answers[1]
    # Nor may an admin point the outsider's report at it: it runs as the outsider.
    theirs = await save_report(client, team, team.outsider, BY_PROJECT)
    pointed = await client.patch(
        f"{API}/reports/{theirs['id']}",
        json={"definition": BY_PROJECT | {"project_id": team.secret_id}},
        headers=team.admin.headers,
    )
    assert_problem(pointed, 422)


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    """A real SMTP server on 127.0.0.1; its port and what it received."""
    handler = Inbox()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost"
    )
    controller.start()
    yield controller.port, handler
    controller.stop()


@pytest.fixture
async def database(settings: Settings, app: Any) -> AsyncIterator[Database]:
    """A worker's own handle on the app's database."""
    db = Database(settings.database, jobs=settings.jobs)
    yield db
    await db.dispose()


def worker(database: Database, settings: Settings, smtp_port: int) -> Worker:
    """A job worker mailing through the local SMTP server."""
    values = make_settings(
        settings.database_url,
        mail_backend="smtp",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_timeout=5,
        job_max_attempts=1,
        periodic_jobs_enabled=False,
        log_level="WARNING",
    )
    return Worker(database, values, JOBS, clock=FakeClock())


async def test_scheduled_deliveries_carry_only_what_the_reports_owner_sees(
    client: httpx.AsyncClient, database: Database, settings: Settings, smtp: tuple[int, Inbox]
) -> None:
    port, received = smtp
    team = await new_team(client, database)
    await new_task(client, team.board, title="public")
    await secret_task(client, team)
    schedule = {
        "frequency": "daily",
        "time": "08:00",
        "timezone": "UTC",
        "format": "csv",
        "recipients": ["lead@example.com"],
    }
    theirs = await save_report(client, team, team.outsider, BY_PROJECT, schedule=schedule)
    filtered = await save_report(
        client,
        team,
        team.insider,
        BY_PROJECT | {"project_id": team.secret_id},
        schedule=schedule,
    )
    # The insider leaves the project before the run.
    await set_project_members(database, team.secret_id, [])
    due = datetime.fromisoformat(theirs["schedule"]["next_run_at"].replace("Z", "+00:00"))
    async with database.session() as session:
        await schedule_due(session, due + timedelta(seconds=5), max_attempts=1)
        await session.commit()
    assert await worker(database, settings, port).drain() == 2

    [(recipients, mail)] = received.messages
    assert recipients == ["lead@example.com"]
    [attachment] = list(mail.iter_attachments())
    content = attachment.get_content()
    text = content.decode() if isinstance(content, bytes) else content
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["project", "created"], ["WEB", "1"]]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    assert "SEC" not in body.get_content()

    stopped = await get_ok(client, f"{API}/reports/{filtered['id']}", team.owner)
    assert stopped["schedule"]["stopped_reason"] == PROJECT_HIDDEN
    assert stopped["schedule"]["next_run_at"] is None
    [failed] = (await get_ok(client, f"{API}/reports/{filtered['id']}/deliveries", team.owner))[
        "items"
    ]
    assert (failed["status"], failed["error"]) == ("failed", PROJECT_HIDDEN)


# Calendar -----------------------------------------------------------------------------------


async def test_a_calendar_feed_holds_only_the_tasks_its_owner_can_see_now(
    client: httpx.AsyncClient,
) -> None:
    database = database_of(client)
    team = await new_team(client, database)
    due = {"assignee_id": team.insider.id, "due_at": DUE.isoformat()}
    public = await new_task(client, team.board, title="Public launch", **due)
    hidden = await secret_task(client, team, title="Secret launch", **due)
    created = await client.post(f"{API}/users/me/calendar-feed", headers=team.insider.headers)
    assert created.status_code == 201, created.text
    path = urlsplit(created.json()["url"]).path

    feed = await client.get(path)
    assert feed.status_code == 200, feed.text
    assert f"WEB-{public['number']}" in feed.text
    assert f"SEC-{hidden['number']}" in feed.text
    assert "Secret launch" in feed.text

    await set_project_members(database, team.secret_id, [])
    later = await client.get(path)
    assert later.status_code == 200, later.text
    assert f"WEB-{public['number']}" in later.text
    assert "SEC-" not in later.text
    assert "Secret launch" not in later.text
    assert later.headers["etag"] != feed.headers["etag"]


# Notifications ------------------------------------------------------------------------------


async def inbox(client: httpx.AsyncClient, who: Account, **params: Any) -> list[dict[str, Any]]:
    return await walk(client, f"{API}/notifications", who.headers, **params)


async def comment(client: httpx.AsyncClient, task: dict[str, Any], who: Account, body: str) -> None:
    response = await client.post(
        f"{API}/tasks/{task['id']}/comments", json={"body": body}, headers=who.headers
    )
    assert response.status_code == 201, response.text


async def test_nobody_is_told_of_a_private_project_they_cannot_see(
    client: httpx.AsyncClient,
) -> None:
    database = database_of(client)
    team = await new_team(client, database, private=False)
    outsider, insider = team.outsider, team.insider
    # While SEC is still open to the workspace, the outsider is assigned one of its tasks,
    # watches another and hears of a comment on it.
    assigned = await secret_task(client, team, assignee_id=outsider.id, due_at=DUE.isoformat())
    watched = await secret_task(client, team, title="Watched")
    for who in (outsider, team.admin):
        answer = await client.post(f"{API}/tasks/{watched['id']}/watch", headers=who.headers)
        assert answer.status_code == 200, answer.text
    await comment(client, watched, insider, "first")
    before = await inbox(client, outsider)
    assert sorted(n["type"] for n in before) == ["comment_added", "task_assigned"]
    public = await new_task(client, team.board, title="Public")
    await comment(client, public, insider, f"public news for @{outsider.email}")

    await set_project_members(database, team.secret_id, [insider])

    # The inbox, its unread filter and its badge leave out what the outsider cannot see now.
    [left] = await inbox(client, outsider)
    assert (left["type"], left["task_id"]) == ("mentioned", public["id"])
    assert [n["id"] for n in await inbox(client, outsider, unread="true")] == [left["id"]]
    for item in before:
        read = await client.post(f"{API}/notifications/{item['id']}/read", headers=outsider.headers)
        assert_problem(read, 404)
    # Nobody outside the project hears of it: neither a watcher nor a mentioned member.
    await comment(
        client, watched, insider, f"second, for @{outsider.email} and @{team.owner.email}"
    )
    assert [n["id"] for n in await inbox(client, outsider)] == [left["id"]]
    told_admin = [n for n in await inbox(client, team.admin) if n["task_id"] == watched["id"]]
    assert [n["type"] for n in told_admin] == ["comment_added", "comment_added"]
    assert [n["type"] for n in await inbox(client, team.owner)] == ["mentioned"]
    read_all = await client.post(f"{API}/notifications/read-all", headers=outsider.headers)
    assert read_all.json()["marked"] == 1

    # A reminder for an assignee who lost access is not sent; the insider's is.
    await secret_task(client, team, assignee_id=insider.id, due_at=DUE.isoformat())
    async with database.session() as session:
        reminded = await remind(session, DUE - timedelta(hours=1), 24)
        await session.commit()
    assert reminded == Reminded(due_soon=1)
    assert [n["type"] for n in await inbox(client, insider) if n["type"] == "due_soon"] == [
        "due_soon"
    ]
    assert all(n["task_id"] != assigned["id"] for n in await inbox(client, outsider))

    # Nor is the mail of a notification the outsider can no longer see.
    async with database.session() as session:
        sent = [
            await mail_one(session, item["id"], "http://testserver") for item in [*before, left]
        ]
        await session.rollback()
    assert sent == [False, False, True]


async def test_a_daily_digest_leaves_out_a_private_project_its_reader_cannot_see(
    client: httpx.AsyncClient,
) -> None:
    database = database_of(client)
    team = await new_team(client, database, private=False)
    outsider = team.outsider
    daily = {"in_app": True, "email": "daily"}
    chosen = await client.put(
        f"{API}/users/me/notification-preferences",
        json={"preferences": {"comment_added": daily}},
        headers=outsider.headers,
    )
    assert chosen.status_code == 200, chosen.text
    watched = await secret_task(client, team)
    public = await new_task(client, team.board, title="Public")
    for task in (watched, public):
        answer = await client.post(f"{API}/tasks/{task['id']}/watch", headers=outsider.headers)
        assert answer.status_code == 200, answer.text
        await comment(client, task, team.insider, "news")
    await set_project_members(database, team.secret_id, [team.insider])

    now = utcnow()
    async with database.session() as session:
        done = await send_digests(session, now, now.hour, "http://testserver")
        await session.commit()
    assert done == Digested(sent=1, items=1)


# Live events ---------------------------------------------------------------------------------


def events_url(team: Team) -> str:
    return f"{API}/workspaces/{team.workspace_id}/events"


async def test_polling_never_returns_a_private_projects_events_to_an_outsider(
    client: httpx.AsyncClient,
) -> None:
    database = database_of(client)
    team = await new_team(client, database)
    people = (team.outsider, team.insider, team.admin, team.owner)
    starts = {who.id: (await get_ok(client, events_url(team), who))["next_after"] for who in people}
    hidden = await secret_task(client, team, title="Secret")
    await comment(client, hidden, team.insider, "secret words")
    public = await new_task(client, team.board, title="Public")

    def about(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(item["type"], item["data"]["task"]["id"]) for item in items]

    seen = await get_ok(client, events_url(team), team.outsider, after=starts[team.outsider.id])
    assert about(seen["items"]) == [("task.created", public["id"])]
    assert "secret" not in str(seen).lower()
    everything = [
        ("task.created", hidden["id"]),
        ("comment.created", hidden["id"]),
        ("task.created", public["id"]),
    ]
    for who in (team.insider, team.admin, team.owner):
        page = await get_ok(client, events_url(team), who, after=starts[who.id])
        assert about(page["items"]) == everything, who
        assert page["next_after"] == seen["next_after"]

    # Let into the project, the outsider reads its events from then on (decided when read).
    await set_project_members(database, team.secret_id, [team.insider, team.outsider])
    again = await get_ok(client, events_url(team), team.outsider, after=starts[team.outsider.id])
    assert about(again["items"]) == everything


async def test_a_stream_never_carries_a_private_projects_events_to_an_outsider(app: Any) -> None:
    async with serving(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        database: Database = app.state.database
        team = await new_team(http, database)
        url = events_url(team) + "/stream"
        async with (
            open_stream(http, url, team.outsider.headers) as outside,
            open_stream(http, url, team.insider.headers) as inside,
        ):
            hidden = await secret_task(http, team, title="Secret")
            public = await new_task(http, team.board, title="Public")
            first = await outside.next()
            assert (first.event, first.json["data"]["task"]["id"]) == ("task.created", public["id"])
            seen = await inside.take(2)
            assert [f.json["data"]["task"]["id"] for f in seen] == [hidden["id"], public["id"]]

            # Let in, the outsider's open stream carries the project's next events; taken
            # out again, it stops carrying them.
            await set_project_members(database, team.secret_id, [team.insider, team.outsider])
            rename = await http.patch(
                f"{API}/tasks/{hidden['id']}",
                json={"title": "Renamed"},
                headers=team.insider.headers,
            )
            assert rename.status_code == 200, rename.text
            frame = await outside.next()
            assert (frame.event, frame.json["data"]["task"]["id"]) == ("task.updated", hidden["id"])
            await set_project_members(database, team.secret_id, [team.insider])
            await secret_task(http, team, title="Later secret")
            last = await new_task(http, team.board, title="Later public")
            frame = await outside.next()
            assert (frame.event, frame.json["data"]["task"]["id"]) == ("task.created", last["id"])


# Webhooks -----------------------------------------------------------------------------------


async def test_a_webhook_gets_a_private_projects_events_only_while_its_creator_sees_it(
    client: httpx.AsyncClient,
) -> None:
    database = database_of(client)
    team = await new_team(client, database)
    hooks: dict[str, str] = {}
    for who in (team.owner, team.admin):
        created = await client.post(
            f"{API}/workspaces/{team.workspace_id}/webhooks",
            json={"url": "http://127.0.0.1:9/hook", "events": ["task.created"]},
            headers=who.headers,
        )
        assert created.status_code == 201, created.text
        hooks[who.id] = created.json()["id"]

    async def titles(creator: Account) -> list[str]:
        async with database.session(writes=False) as session:
            bodies = await session.scalars(
                select(WebhookDelivery.body)
                .where(WebhookDelivery.webhook_id == hooks[creator.id])
                .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
            )
            return [json.loads(body)["data"]["task"]["title"] for body in bodies]

    await secret_task(client, team, title="secret 1")
    await new_task(client, team.board, title="public 1")
    assert await titles(team.admin) == ["secret 1", "public 1"]

    # The admin who made it becomes a plain member, outside the project.
    async with database.session() as session:
        await session.execute(
            update(Membership)
            .where(
                Membership.workspace_id == team.workspace_id,
                Membership.user_id == team.admin.id,
            )
            .values(role="member")
        )
        await session.commit()
    await secret_task(client, team, title="secret 2")
    await new_task(client, team.board, title="public 2")
    assert await titles(team.admin) == ["secret 1", "public 1", "public 2"]
    # Let into the project, their webhook gets its events again.
    await set_project_members(database, team.secret_id, [team.insider, team.admin])
    await secret_task(client, team, title="secret 3")
    assert await titles(team.admin) == ["secret 1", "public 1", "public 2", "secret 3"]
    assert await titles(team.owner) == [
        "secret 1",
        "public 1",
        "secret 2",
        "public 2",
        "secret 3",
    ]
