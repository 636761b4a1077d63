"""Data exports (docs/export.md): a ZIP of everything a user's account holds, built by the
job, mailed through a real SMTP server (aiosmtpd), downloaded through a short-lived URL.

Every file of the ZIP is compared with the database; nothing of another user, of a
workspace the user left or of a private project they may no longer read is in it.
"""

from __future__ import annotations

import asyncio
import io
import os
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import httpx
import orjson
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import func, select, update

from smarttask.accounts.models import ApiToken, User
from smarttask.activity.models import Activity
from smarttask.comments.models import Comment
from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.exports.models import DataExport
from smarttask.exports.service import BUILD
from smarttask.jobs.models import Job
from smarttask.notifications.models import Notification
from smarttask.securitylog.models import SecurityEvent
from smarttask.settings import Settings
from smarttask.tasks.models import Task
from smarttask.tasks.schemas import Priority
from smarttask.timetracking.models import TimeEntry
from smarttask.workspaces.models import Membership
from tests.support import make_settings
from tests.support.account_mail import (
    PUBLIC_URL,
    app_database,
    smtp_server,
    text_of,
    worker,
    worker_settings,
)
from tests.support.accounts import assert_problem, assert_unauthorized, bearer
from tests.support.attachments import uploaded
from tests.support.jobs import FakeClock, add_jobs
from tests.support.log_scan import register_secret
from tests.support.web import BROWSER_ACCEPT, web_login
from tests.support.workspaces import PASSWORD, Account, add_member, new_workspace, signup

EXPORT = "/api/v1/users/me/export"
PROOF = {"current_password": PASSWORD}
SUBJECT = "Your smarttask data export is ready"
FILES = {
    "README.txt",
    "profile.json",
    "memberships.json",
    "tasks.json",
    "comments.json",
    "time_entries.json",
    "activity.json",
    "notifications.json",
    "api_tokens.json",
    "attachments.json",
}


@pytest.fixture
def storage_dir(tmp_path: Path) -> Path:
    """The local store's folder of this test."""
    return tmp_path / "objects"


@pytest.fixture
def settings_overrides(storage_dir: Path) -> dict[str, Any]:
    """Files in the test's folder; URLs on the in-process client's address."""
    return {"storage_path": str(storage_dir), "public_url": "http://testserver"}


def worker_for(settings: Settings, smtp_port: int, **overrides: Any) -> Settings:
    """The job worker's settings: the app's store, mail through the test's SMTP server."""
    store = {
        "storage": settings.storage,
        "storage_path": settings.storage_path,
        "s3_bucket": settings.s3_bucket,
        "s3_endpoint_url": settings.s3_endpoint_url,
    }
    return worker_settings(settings, smtp_port, **(store | overrides))


async def run_jobs(client: httpx.AsyncClient, settings: Settings, smtp_port: int) -> None:
    """Run every due job; then, on a clock moved to now, those the first ones queued (the
    export's mail is queued by its job)."""
    clock = FakeClock()
    runner = worker(app_database(client), worker_for(settings, smtp_port), clock)
    await runner.drain()
    clock.advance_to(utcnow())
    await runner.drain()


async def ask(client: httpx.AsyncClient, who: Account, body: Any = None) -> httpx.Response:
    """POST an export request (with the password unless another body is given)."""
    return await client.post(EXPORT, json=PROOF if body is None else body, headers=who.headers)


async def status(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    """The caller's newest export."""
    answer = await client.get(EXPORT, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body: dict[str, Any] = answer.json()
    return body


async def built(client: httpx.AsyncClient, settings: Settings, who: Account) -> dict[str, Any]:
    """Ask for an export, run the jobs (mail included), and read it back ready."""
    answer = await ask(client, who)
    assert answer.status_code == 202, answer.text
    with smtp_server() as server:
        await run_jobs(client, settings, server.port)
    ready = await status(client, who.headers)
    assert ready["status"] == "ready", ready
    return ready


async def download(client: httpx.AsyncClient, url: str) -> bytes:
    """The bytes behind a download URL (no credentials: the URL is the permission)."""
    answer = await client.get(url)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"].startswith("attachment;")
    return answer.content


def unzip(data: bytes) -> dict[str, bytes]:
    """The archive's files by name (checked for integrity first)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


def load(files: dict[str, bytes], name: str) -> Any:
    return orjson.loads(files[name])


async def rows(database: Database, statement: Any) -> list[Any]:
    async with database.session(writes=False) as session:
        return list((await session.execute(statement)).scalars().all())


@dataclass
class World:
    """Ada exports; Grace works with her; Eve is a stranger whose workspace Ada left."""

    ada: Account
    grace: Account
    eve: Account
    uploads: dict[str, bytes] = field(default_factory=dict)  # attachment id -> bytes
    visible_tasks: set[str] = field(default_factory=set)
    hidden_tasks: set[str] = field(default_factory=set)
    hidden_texts: list[str] = field(default_factory=list)


async def project(client: httpx.AsyncClient, workspace_id: str, by: Account, key: str) -> str:
    made = await client.post(
        f"/api/v1/workspaces/{workspace_id}/projects",
        json={"name": f"Project {key}", "key": key},
        headers=by.headers,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def task(
    client: httpx.AsyncClient, project_id: str, by: Account, **fields: Any
) -> dict[str, Any]:
    made = await client.post(
        f"/api/v1/projects/{project_id}/tasks", json={"title": "t"} | fields, headers=by.headers
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def comment(client: httpx.AsyncClient, task_id: str, by: Account, text: str) -> str:
    made = await client.post(
        f"/api/v1/tasks/{task_id}/comments", json={"body": text}, headers=by.headers
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def log_time(
    client: httpx.AsyncClient, task_id: str, by: Account, body: dict[str, Any]
) -> str:
    """Log time on a task; the entry's id."""
    made = await client.post(f"/api/v1/tasks/{task_id}/time-entries", json=body, headers=by.headers)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def build_world(client: httpx.AsyncClient) -> World:
    """Every kind of thing Ada's export must hold, and every kind it must not."""
    world = World(
        await signup(client, "ada"), await signup(client, "grace"), await signup(client, "eve")
    )
    ada, grace, eve = world.ada, world.grace, world.eve
    # Ada's workspace, Grace a member: tasks both ways, labels, a subtask, a dependency.
    home = await new_workspace(client, ada, "Home")
    await add_member(client, home, ada, grace, "member")
    web = await project(client, home, ada, "WEB")
    due = (utcnow() + timedelta(days=3)).isoformat()
    t1 = await task(
        client,
        web,
        ada,
        title="Ada's own task",
        description="with **markdown**",
        labels=["frontend", "bug"],
        assignee_id=grace.id,
        priority="high",
        due_at=due,
    )
    t2 = await task(client, web, grace, title="Grace's task for Ada", assignee_id=ada.id)
    grace_only = await task(client, web, grace, title="Grace keeps this one to herself")
    t4 = await task(client, web, ada, title="Ada's subtask", parent_id=t1["id"])
    depends = await client.post(
        f"/api/v1/tasks/{t4['id']}/dependencies",
        json={"depends_on_id": t2["id"]},
        headers=ada.headers,
    )
    assert depends.status_code == 201, depends.text
    world.visible_tasks |= {t1["id"], t2["id"], t4["id"]}
    world.hidden_tasks.add(grace_only["id"])
    world.hidden_texts.append("Grace keeps this one to herself")
    await comment(client, t1["id"], ada, "Ada's first comment")
    await comment(client, t2["id"], ada, "Ada's second comment")
    await comment(client, t1["id"], grace, "Grace's own words stay hers")
    world.hidden_texts.append("Grace's own words stay hers")
    await log_time(
        client, t1["id"], ada, {"minutes": 30, "date": "2026-11-02", "note": "Ada's hour"}
    )
    await log_time(
        client, t1["id"], grace, {"minutes": 15, "date": "2026-11-02", "note": "Grace's time"}
    )
    world.hidden_texts.append("Grace's time")
    timer = await client.post(f"/api/v1/tasks/{t2['id']}/timer", headers=ada.headers)
    assert timer.status_code == 201, timer.text
    for body in (b"%PDF-1.7 first", b"%PDF-1.7 second, same name"):
        made = await uploaded(client, t1["id"], ada, body)
        world.uploads[made["id"]] = body
    graces = await uploaded(client, t1["id"], grace, b"grace's file", filename="grace.pdf")
    world.hidden_texts.append("grace.pdf")
    assert graces["status"] == "ready"
    # A private project of Ada's own workspace: she is its owner, so she may read it.
    secret = await client.post(
        f"/api/v1/workspaces/{home}/projects",
        json={"name": "Secret", "key": "SEC", "visibility": "private"},
        headers=ada.headers,
    )
    assert secret.status_code == 201, secret.text
    world.visible_tasks.add((await task(client, secret.json()["id"], ada, title="In SEC"))["id"])

    # Grace's workspace, Ada a plain member: project R stays open, project Q turns private.
    theirs = await new_workspace(client, grace, "Grace's")
    await add_member(client, theirs, grace, ada, "member")
    r = await project(client, theirs, grace, "RR")
    world.visible_tasks.add((await task(client, r, ada, title="Ada in R"))["id"])
    q = await project(client, theirs, grace, "QQ")
    q1 = await task(client, q, ada, title="Ada in Q, hidden later")
    await comment(client, q1["id"], ada, "Ada's words in Q, hidden later")
    await log_time(
        client, q1["id"], ada, {"minutes": 5, "date": "2026-11-02", "note": "Ada's time in Q"}
    )
    await uploaded(client, q1["id"], ada, b"hidden bytes", filename="q-file.pdf")
    hide = await client.patch(
        f"/api/v1/projects/{q}", json={"visibility": "private"}, headers=grace.headers
    )
    assert hide.status_code == 200, hide.text
    world.hidden_tasks.add(q1["id"])
    world.hidden_texts += [
        "Ada in Q, hidden later",
        "Ada's words in Q",
        "q-file.pdf",
        "Ada's time in Q",
    ]

    # Eve's workspace, which Ada leaves: nothing of it remains hers to export.
    eves = await new_workspace(client, eve, "Eve's secret workspace")
    await add_member(client, eves, eve, ada, "member")
    x = await project(client, eves, eve, "EVE")
    x1 = await task(client, x, ada, title="Ada at Eve's, before she left")
    await task(client, x, eve, title="Eve's private plans", assignee_id=eve.id)
    removed = await client.delete(
        f"/api/v1/workspaces/{eves}/members/{ada.id}", headers=eve.headers
    )
    assert removed.status_code == 204, removed.text
    world.hidden_tasks.add(x1["id"])
    world.hidden_texts += ["Ada at Eve's", "Eve's private plans", "Eve's secret workspace"]

    # An API token of Ada's (its secret and hash must not be in the export).
    made = await client.post(
        "/api/v1/users/me/tokens", json={"name": "ci", **PROOF}, headers=ada.headers
    )
    assert made.status_code == 201, made.text
    register_secret(made.json()["token"])
    world.hidden_texts.append(made.json()["token"])
    return world


async def test_the_zip_holds_exactly_the_users_data(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    world = await build_world(client)
    ada = world.ada
    database = app_database(client)
    ready = await built(client, settings, ada)
    assert ready["size"] > 0
    assert ready["download_url"].startswith("http://testserver/api/v1/storage/objects/exports/")
    data = await download(client, ready["download_url"])
    assert len(data) == ready["size"]
    files = unzip(data)
    attachment_files = {name for name in files if name.startswith("attachments/")}
    assert set(files) - attachment_files == FILES

    # Nothing of anyone else, nothing hidden, no secret.
    text = data.decode("latin-1") + "".join(
        content.decode("utf-8", "replace")
        for name, content in files.items()
        if name.endswith(".json")
    )
    for hidden in [*world.hidden_texts, world.grace.email, world.eve.email, *world.hidden_tasks]:
        assert hidden not in text, hidden
    for marker in ("password_hash", "totp_secret", "token_hash", "$argon2", '"hint"'):
        assert marker not in text, marker

    user = (await rows(database, select(User).where(User.id == ada.id)))[0]
    profile = load(files, "profile.json")
    assert profile["format_version"] == 1
    assert profile["user"] | {"notification_preferences": []} == {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "timezone": user.timezone,
        "email_verified": user.email_verified,
        "totp_enabled": False,
        "is_admin": False,
        "is_active": True,
        "created_at": user.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": user.updated_at.isoformat().replace("+00:00", "Z"),
        "notification_preferences": [],
    }

    memberships = load(files, "memberships.json")
    mine = await rows(database, select(Membership).where(Membership.user_id == ada.id))
    assert {(m["workspace_id"], m["role"]) for m in memberships["workspaces"]} == {
        (m.workspace_id, m.role) for m in mine
    }
    assert len(memberships["workspaces"]) == 2
    assert memberships["private_projects"] == []

    tasks = load(files, "tasks.json")
    assert {t["id"] for t in tasks} == world.visible_tasks
    stored = {
        t.id: t for t in await rows(database, select(Task).where(Task.id.in_(world.visible_tasks)))
    }
    for item in tasks:
        row = stored[item["id"]]
        assert (item["title"], item["description"], item["status"]) == (
            row.title,
            row.description,
            row.status,
        )
        assert item["priority"] == Priority.of_rank(row.priority).value
        assert (item["assignee_id"], item["reporter_id"], item["parent_id"]) == (
            row.assignee_id,
            row.reporter_id,
            row.parent_id,
        )
        assert item["key"].endswith(f"-{row.number}")
        assert sorted(item["roles"]) == sorted(
            role
            for role, who in (("reporter", row.reporter_id), ("assignee", row.assignee_id))
            if who == ada.id
        )
    by_title = {t["title"]: t for t in tasks}
    assert by_title["Ada's own task"]["labels"] == ["bug", "frontend"]
    assert by_title["Ada's subtask"]["depends_on"] == [by_title["Grace's task for Ada"]["id"]]
    assert by_title["Grace's task for Ada"]["roles"] == ["assignee"]

    comments = load(files, "comments.json")
    theirs = await rows(
        database,
        select(Comment).where(
            Comment.author_id == ada.id, Comment.task_id.in_(world.visible_tasks)
        ),
    )
    assert sorted((c["id"], c["body"]) for c in comments) == sorted((c.id, c.body) for c in theirs)
    assert len(comments) == 2

    time_entries = load(files, "time_entries.json")
    logged, running = time_entries
    assert (logged["task_key"], logged["minutes"], logged["date"], logged["note"]) == (
        "WEB-1",
        30,
        "2026-11-02",
        "Ada's hour",
    )
    assert (running["task_key"], running["minutes"], running["ended_at"]) == ("WEB-2", None, None)
    assert running["started_at"] is not None
    assert set(logged) == {
        "id",
        "task_id",
        "task_key",
        "workspace_id",
        "started_at",
        "ended_at",
        "minutes",
        "date",
        "note",
        "created_at",
        "updated_at",
    }

    activity = load(files, "activity.json")
    hidden_entities = await _hidden_entities(database, world)
    everything = await rows(database, select(Activity).where(Activity.actor_id == ada.id))
    current = {m.workspace_id for m in mine}
    expected = {
        a.id for a in everything if a.workspace_id in current and a.entity_id not in hidden_entities
    }
    assert {a["id"] for a in activity} == expected
    assert [a["created_at"] for a in activity] == sorted(a["created_at"] for a in activity)
    assert len(expected) < len(everything)  # some of Ada's activity is rightly left out

    inbox = await rows(database, select(Notification).where(Notification.user_id == ada.id))
    notifications = load(files, "notifications.json")
    assert {n["id"] for n in notifications} == {
        n.id for n in inbox if n.workspace_id in current and n.task_id not in world.hidden_tasks
    }
    assert notifications, "Grace assigned Ada a task: Ada was told"

    tokens = load(files, "api_tokens.json")
    stored_tokens = await rows(database, select(ApiToken).where(ApiToken.user_id == ada.id))
    assert [(t["id"], t["name"]) for t in tokens] == [(t.id, t.name) for t in stored_tokens]
    assert set(tokens[0]) == {
        "id",
        "name",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    }

    listed = load(files, "attachments.json")
    assert {a["id"] for a in listed} == set(world.uploads)
    for item in listed:
        assert files[item["path"]] == world.uploads[item["id"]]  # byte for byte
        assert item["path"].startswith(f"attachments/{item['task_id']}/")
    assert sorted(a["path"].rsplit("/", 1)[1] for a in listed) == ["report (2).pdf", "report.pdf"]
    assert len(attachment_files) == 2
    assert b"profile.json" in files["README.txt"]


async def _hidden_entities(database: Database, world: World) -> set[str]:
    """The ids of the tasks Ada may no longer read and of everything on them."""
    hidden = set(world.hidden_tasks)
    async with database.session(writes=False) as session:
        on_them = select(Comment.id).where(Comment.task_id.in_(world.hidden_tasks))
        hidden |= set((await session.execute(on_them)).scalars())
        from smarttask.attachments.models import Attachment

        files = select(Attachment.id).where(Attachment.task_id.in_(world.hidden_tasks))
        hidden |= set((await session.execute(files)).scalars())
        time = select(TimeEntry.id).where(TimeEntry.task_id.in_(world.hidden_tasks))
        hidden |= set((await session.execute(time)).scalars())
    return hidden


async def test_the_mail_links_to_the_page_that_hands_out_the_download(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    ada = await signup(client, "mailed")
    queued = await ask(client, ada)
    assert queued.status_code == 202, queued.text
    assert queued.headers["location"] == EXPORT
    assert queued.json()["status"] == "queued"
    assert queued.json()["download_url"] is None
    [logged] = await rows(
        app_database(client),
        select(SecurityEvent).where(SecurityEvent.event == "export.requested"),
    )
    assert (logged.actor_id, logged.target_id, logged.ip) == (ada.id, ada.id, "203.0.113.7")
    assert logged.details == {"export_id": queued.json()["id"]}
    with smtp_server() as server:
        await run_jobs(client, settings, server.port)
        [mail] = server.to(ada.email, SUBJECT)
    body = text_of(mail)
    assert f"{PUBLIC_URL}/profile/export" in body
    assert "/storage/" not in body, "no download URL in a mail"
    assert "sig=" not in body
    assert "15 minutes" in body
    link = urlsplit(body.split(f"{PUBLIC_URL}", 1)[1].split()[0]).path

    # The link opens the export page of the signed-in owner, whose button downloads it.
    assert (await web_login(client, ada.email, PASSWORD)).status_code == 303
    page = await client.get(f"http://testserver{link}")
    assert page.status_code == 200, page.text
    assert "Download your data" in page.text
    onward = await client.get("/profile/export/download")
    assert onward.status_code == 303
    assert onward.headers["location"].startswith("http://testserver/api/v1/storage/objects/")
    files = unzip(await download(client, onward.headers["location"]))
    assert load(files, "profile.json")["user"]["email"] == ada.email
    # Signed out, the page and the way to the file are the sign-in page's.
    client.cookies.clear()
    away = await client.get("/profile/export/download", headers={"Accept": BROWSER_ACCEPT})
    assert away.status_code in (302, 303)
    assert "/login" in away.headers["location"]


async def test_expired_exports_are_deleted_by_the_cleanup(
    client: httpx.AsyncClient, settings: Settings, storage_dir: Path
) -> None:
    ada = await signup(client, "expiring")
    ready = await built(client, settings, ada)
    assert ready["expires_at"] is not None
    stored = list((storage_dir / "exports").rglob("*"))
    assert [p for p in stored if p.is_file()], "the file is stored"
    database = app_database(client)
    async with database.session() as session:
        await session.execute(update(DataExport).values(expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    # Past its time it is expired at once, before the cleanup ran: no new URL.
    gone = await status(client, ada.headers)
    assert (gone["status"], gone["download_url"]) == ("expired", None)
    await add_jobs(database, "exports.cleanup", [{}])
    with smtp_server() as server:
        await run_jobs(client, settings, server.port)
    assert not [p for p in (storage_dir / "exports").rglob("*") if p.is_file()]
    [row] = await rows(database, select(DataExport))
    assert (row.status, row.storage_key) == ("expired", None)
    # The URL handed out before is dead too.
    assert (await client.get(ready["download_url"])).status_code == 404


async def test_stuck_exports_fail_and_do_not_block_a_new_one(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    ada = await signup(client, "stuck")
    assert (await ask(client, ada)).status_code == 202
    database = app_database(client)
    async with database.session() as session:
        await session.execute(update(Job).where(Job.kind == BUILD).values(state="dead"))
        await session.execute(
            update(DataExport).values(created_at=utcnow() - timedelta(hours=7), status="running")
        )
        await session.commit()
    assert (await status(client, ada.headers))["status"] == "running"
    await add_jobs(database, "exports.cleanup", [{}])
    with smtp_server() as server:
        await run_jobs(client, settings, server.port)
    assert (await status(client, ada.headers))["status"] == "failed"
    again = await ask(client, ada)
    assert again.status_code == 202, again.text  # a failed export does not count
    assert again.json()["status"] == "queued"


async def test_one_at_a_time_and_one_per_hour(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    ada = await signup(client, "limited")
    first = await ask(client, ada)
    assert first.status_code == 202, first.text
    # While it is queued: the same export, nothing new queued.
    again = await ask(client, ada)
    assert again.status_code == 202, again.text
    assert again.json()["id"] == first.json()["id"]
    database = app_database(client)
    counted = select(func.count()).select_from(Job).where(Job.kind == BUILD)
    async with database.session(writes=False) as session:
        assert (await session.execute(counted)).scalar_one() == 1
    with smtp_server() as server:
        await run_jobs(client, settings, server.port)
    # Ready: another one within the hour is refused, with when to retry.
    refused = await ask(client, ada)
    problem = assert_problem(refused, 429)
    assert problem["code"] == "export_rate_limited"
    retry = int(refused.headers["retry-after"])
    assert 3500 < retry <= 3600
    assert refused.headers["ratelimit-policy"] == '"export";q=1;w=3600'
    assert (await status(client, ada.headers))["id"] == first.json()["id"]
    # An hour later it is allowed again.
    async with database.session() as session:
        [row] = (await session.execute(select(DataExport))).scalars().all()
        row.created_at -= timedelta(hours=1)
        await session.commit()
    later = await ask(client, ada)
    assert later.status_code == 202, later.text
    assert later.json()["id"] != first.json()["id"]


async def test_concurrent_requests_make_one_export(client: httpx.AsyncClient) -> None:
    ada = await signup(client, "eager")
    answers = await asyncio.gather(*(ask(client, ada) for _ in range(4)))
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) <= {202, 409, 429}, [a.text for a in answers]
    accepted = {answer.json()["id"] for answer in answers if answer.status_code == 202}
    assert len(accepted) == 1
    [row] = await rows(app_database(client), select(DataExport))
    assert row.id in accepted


async def test_proof_is_needed_and_api_tokens_are_refused(client: httpx.AsyncClient) -> None:
    ada = await signup(client, "careful")
    token = await client.post(
        "/api/v1/users/me/tokens", json={"name": "ci", **PROOF}, headers=ada.headers
    )
    assert token.status_code == 201, token.text
    via_token = bearer(token.json()["token"])
    refused = await client.post(EXPORT, json=PROOF, headers=via_token)
    assert assert_problem(refused, 403)["code"] == "api_token_not_allowed"
    missing = await ask(client, ada, {})
    assert assert_unauthorized(missing)["code"] == "reauth_required"
    wrong = await ask(client, ada, {"current_password": "not-the-password-at-all"})
    assert assert_unauthorized(wrong)["code"] == "reauth_invalid"
    assert await rows(app_database(client), select(DataExport)) == []
    # A token may read the status, never a download URL.
    none = await status(client, via_token)
    assert none == {
        "id": None,
        "status": "none",
        "created_at": None,
        "finished_at": None,
        "expires_at": None,
        "size": None,
        "download_url": None,
        "download_expires_at": None,
    }
    assert (await client.get(EXPORT)).status_code == 401


async def test_an_api_token_never_sees_the_download_url(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    ada = await signup(client, "tokened")
    token = await client.post(
        "/api/v1/users/me/tokens", json={"name": "ci", **PROOF}, headers=ada.headers
    )
    register_secret(token.json()["token"])
    ready = await built(client, settings, ada)
    seen = await status(client, bearer(token.json()["token"]))
    assert (seen["status"], seen["download_url"], seen["id"]) == ("ready", None, ready["id"])


@pytest.mark.parametrize(
    "body",
    [
        {"current_password": "blue-harbour\x00-lantern-42"},
        {"current_password": 42},
        {"current_password": PASSWORD, "format": "tar"},
        {"totp_code": ["123456"]},
        [PASSWORD],
    ],
)
async def test_bad_input_is_a_422_and_changes_nothing(client: httpx.AsyncClient, body: Any) -> None:
    ada = await signup(client, "fuzzy")
    assert_problem(await ask(client, ada, body), 422)
    assert await rows(app_database(client), select(DataExport)) == []


async def test_an_erased_users_export_is_deleted(
    client: httpx.AsyncClient, settings: Settings, storage_dir: Path
) -> None:
    ada = await signup(client, "leaving")
    await built(client, settings, ada)
    erased = await client.request("DELETE", "/api/v1/users/me", json=PROOF, headers=ada.headers)
    assert erased.status_code == 204, erased.text
    database = app_database(client)
    await add_jobs(database, "exports.cleanup", [{}])
    with smtp_server() as server:
        await run_jobs(client, settings, server.port)
    assert not [p for p in (storage_dir / "exports").rglob("*") if p.is_file()]
    [row] = await rows(database, select(DataExport))
    assert row.status == "expired"


async def test_an_export_asked_for_before_erasure_is_never_built(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    ada = await signup(client, "gone")
    assert (await ask(client, ada)).status_code == 202
    erased = await client.request("DELETE", "/api/v1/users/me", json=PROOF, headers=ada.headers)
    assert erased.status_code == 204, erased.text
    with smtp_server() as server:
        database = app_database(client)
        await run_jobs(client, settings, server.port)
        assert server.inbox.received == []
    [row] = await rows(database, select(DataExport))
    assert (row.status, row.storage_key) == ("failed", None)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A local S3 server (moto, speaking the S3 protocol) on an ephemeral port."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket, with dummy credentials the usual AWS way."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    name = f"smarttask-{uuid.uuid4().hex[:12]}"
    boto3.session.Session().client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return name


async def test_on_s3_through_a_multipart_upload(
    client_with: Any, s3_endpoint: str, s3_bucket: str, database_url: str
) -> None:
    store = {"storage": "s3", "s3_bucket": s3_bucket, "s3_endpoint_url": s3_endpoint}
    settings = make_settings(database_url, **store)
    client = await client_with(**store)
    ada = await signup(client, "clouded")
    workspace_id = await new_workspace(client, ada)
    project_id = await project(client, workspace_id, ada, "S3")
    made = await task(client, project_id, ada, title="Big files")
    # Random bytes do not compress: the ZIP is over one 8 MiB part, so it goes up in parts.
    big, small = os.urandom(9 * 1024 * 1024), b"%PDF-1.7 small"
    async with httpx.AsyncClient() as outside:
        first = await uploaded(client, made["id"], ada, big, outside, filename="big.bin")
        second = await uploaded(client, made["id"], ada, small, outside, filename="small.pdf")
    ready = await built(client, settings, ada)
    s3 = boto3.session.Session().client("s3", endpoint_url=s3_endpoint)
    key = f"exports/{ada.id}/{ready['id']}"
    head = s3.head_object(Bucket=s3_bucket, Key=key)
    assert head["ContentLength"] == ready["size"] > len(big)
    assert head["ContentType"] == "application/zip"
    assert "-" in head["ETag"], "a multipart upload's ETag names its parts"
    assert ready["download_url"].startswith(f"{s3_endpoint}/{s3_bucket}/{key}?")
    async with httpx.AsyncClient() as outside:
        answer = await outside.get(ready["download_url"])
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment;")
    files = unzip(answer.content)
    listed = {item["id"]: item for item in load(files, "attachments.json")}
    assert files[listed[first["id"]]["path"]] == big
    assert files[listed[second["id"]]["path"]] == small

    database = app_database(client)
    async with database.session() as session:
        await session.execute(update(DataExport).values(expires_at=utcnow()))
        await session.commit()
    await add_jobs(database, "exports.cleanup", [{}])
    with smtp_server() as server:
        await run_jobs(client, settings, server.port)
    listed_keys = s3.list_objects_v2(Bucket=s3_bucket, Prefix="exports/").get("Contents", [])
    assert listed_keys == []


async def test_an_export_that_cannot_be_stored_fails_after_its_attempts(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    ada = await signup(client, "unlucky")
    queued = await ask(client, ada)
    assert queued.status_code == 202, queued.text
    # The worker's store is a file where a folder should be: every put fails.
    blocked = tmp_path / "not-a-folder"
    blocked.write_bytes(b"")
    clock = FakeClock()
    with smtp_server() as server:
        broken = worker_for(settings, server.port, storage_path=str(blocked))
        runner = worker(app_database(client), broken, clock)
        for _ in range(3):
            await runner.drain()
            assert (await status(client, ada.headers))["status"] in ("running", "failed")
            clock.advance(3600)
        assert server.inbox.received == []
    failed = await status(client, ada.headers)
    assert (failed["status"], failed["download_url"]) == ("failed", None)
    [row] = await rows(app_database(client), select(DataExport))
    assert row.error is not None  # for operators; the API never shows it
    assert "error" not in failed
    [job] = await rows(app_database(client), select(Job).where(Job.kind == BUILD))
    assert (job.state, job.attempts) == ("dead", 3)
    again = await ask(client, ada)  # a failed export does not count against the limit
    assert again.status_code == 202, again.text
