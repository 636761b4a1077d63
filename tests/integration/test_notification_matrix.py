"""Who is told of what, and by which channel: every kind of change against every kind of
person (docs/notifications.md). The in-app column is read from each person's inbox; the mail
column from a real SMTP server (aiosmtpd) the queued mail jobs are delivered to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from smarttask.db.engine import Database
from smarttask.events import outbox
from smarttask.jobs.worker import Worker
from smarttask.notifications.reminders import remind
from smarttask.settings import Settings
from tests.support import free_port, job_registry, make_settings
from tests.support.mail import Inbox
from tests.support.workspaces import Account, add_member, new_workspace, signup

API = "/api/v1"
JOBS = job_registry()
PEOPLE = ("actor", "assignee", "watcher", "mentioned", "outsider", "other_workspace")
DUE = datetime(2031, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    """A real SMTP server on 127.0.0.1, in its own thread."""
    handler = Inbox()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost"
    )
    controller.start()
    yield controller.port, handler
    controller.stop()


class World:
    """A workspace with one person of each kind, a worker and the SMTP server's inbox."""

    def __init__(self, client: httpx.AsyncClient, app: Any, worker: Worker, mailbox: Inbox) -> None:
        self.client, self.app, self.worker, self.mailbox = client, app, worker, mailbox
        self.people: dict[str, Account] = {}
        self.workspace_id = ""
        self.project_id = ""
        self.seen_mail = 0
        self.seen_items: dict[str, int] = {}

    async def build(self) -> None:
        for name in PEOPLE:
            self.people[name] = await signup(self.client, name)
        owner = await signup(self.client, "owner")
        self.workspace_id = await new_workspace(self.client, owner)
        for name, role in (
            ("actor", "admin"),
            ("assignee", "member"),
            ("watcher", "viewer"),
            ("mentioned", "viewer"),
        ):
            await add_member(self.client, self.workspace_id, owner, self.people[name], role)
        await new_workspace(self.client, self.people["other_workspace"], "Elsewhere")
        project = await self.client.post(
            f"{API}/workspaces/{self.workspace_id}/projects",
            json={"name": "Engine", "key": "ENG"},
            headers=owner.headers,
        )
        assert project.status_code == 201, project.text
        self.project_id = project.json()["id"]
        await self.observe()

    def by(self, name: str) -> dict[str, str]:
        return self.people[name].headers

    async def task(self, **fields: Any) -> dict[str, Any]:
        """A task the actor creates, assigned to the assignee and watched by the watcher."""
        made = await self.client.post(
            f"{API}/projects/{self.project_id}/tasks",
            json={"title": "Fix login", "assignee_id": self.people["assignee"].id} | fields,
            headers=self.by("actor"),
        )
        assert made.status_code == 201, made.text
        task: dict[str, Any] = made.json()
        watched = await self.client.post(
            f"{API}/tasks/{task['id']}/watch", headers=self.by("watcher")
        )
        assert watched.status_code == 200
        await self.observe()  # what setting it up caused is not part of the change
        return task

    async def observe(self) -> dict[str, tuple[str | None, bool]]:
        """What each person got since the last look: (in-app type, a mail)."""
        while await self.worker.drain():  # a job may queue another (the mail it composed)
            pass
        got: dict[str, tuple[str | None, bool]] = {}
        mails = self.mailbox.received[self.seen_mail :]
        self.seen_mail = len(self.mailbox.received)
        for name, person in self.people.items():
            page = await self.client.get(
                f"{API}/notifications", params={"limit": 100}, headers=person.headers
            )
            items = page.json()["items"]
            new = items[: len(items) - self.seen_items.get(name, 0)]
            self.seen_items[name] = len(items)
            assert len(new) <= 1, (name, new)  # one notification per person and change
            mailed = [m for m in mails if m.recipients == [person.email]]
            assert len(mailed) <= 1, (name, [m.email["Subject"] for m in mailed])
            got[name] = (new[0]["type"] if new else None, bool(mailed))
        return got


@pytest.fixture
async def world(
    client: httpx.AsyncClient, app: Any, settings: Settings, smtp: tuple[int, Inbox]
) -> World:
    port, mailbox = smtp
    worker_settings = make_settings(
        settings.database_url,
        mail_url=f"smtp://127.0.0.1:{port}",
        mail_from="smarttask <notify@example.org>",
        public_url="https://tasks.example.org",
        periodic_jobs_enabled=False,
        log_level="WARNING",
    )
    database: Database = app.state.database  # its sessions run the reactions
    built = World(client, app, Worker(database, worker_settings, JOBS), mailbox)
    await built.build()
    return built


def expect(**told: tuple[str | None, bool]) -> dict[str, tuple[str | None, bool]]:
    """Nobody is told anything, except the people named."""
    return dict.fromkeys(PEOPLE, (None, False)) | told


async def run_reminders(app: Any, now: datetime) -> None:
    database: Database = app.state.database
    async with database.session() as session:
        await remind(session, now, 24)
        await session.commit()


async def test_who_is_told_of_what_and_how(world: World, app: Any) -> None:
    client = world.client
    outsiders = f"@{world.people['outsider'].email} @{world.people['other_workspace'].email}"
    mention = f"@{world.people['mentioned'].email} {outsiders}"

    # task assigned (to the assignee, by the actor)
    task = await world.task(assignee_id=None)
    assigned = await client.patch(
        f"{API}/tasks/{task['id']}",
        json={"assignee_id": world.people["assignee"].id},
        headers=world.by("actor"),
    )
    assert assigned.status_code == 200
    assert await world.observe() == expect(assignee=("task_assigned", True))

    # comment added: the watchers (assignee, watcher), mailed in the daily digest only
    task = await world.task()
    posted = await client.post(
        f"{API}/tasks/{task['id']}/comments", json={"body": "On it"}, headers=world.by("actor")
    )
    assert posted.status_code == 201
    assert await world.observe() == expect(
        assignee=("comment_added", False), watcher=("comment_added", False)
    )

    # status changed: the watchers
    task = await world.task()
    moved = await client.patch(
        f"{API}/tasks/{task['id']}", json={"status": "in_progress"}, headers=world.by("actor")
    )
    assert moved.status_code == 200
    assert await world.observe() == expect(
        assignee=("status_changed", False), watcher=("status_changed", False)
    )

    # mention in a comment: the mentioned member at once; the watchers as a comment
    task = await world.task()
    posted = await client.post(
        f"{API}/tasks/{task['id']}/comments",
        json={"body": f"{mention} have a look"},
        headers=world.by("actor"),
    )
    assert posted.status_code == 201
    assert await world.observe() == expect(
        mentioned=("mentioned", True),
        assignee=("comment_added", False),
        watcher=("comment_added", False),
    )

    # mention in a description: the mentioned member only
    task = await world.task()
    described = await client.patch(
        f"{API}/tasks/{task['id']}",
        json={"description": f"Ask {mention}"},
        headers=world.by("actor"),
    )
    assert described.status_code == 200
    assert await world.observe() == expect(mentioned=("mentioned", True))

    # due soon, then overdue: the assignee, once each
    task = await world.task(due_at=DUE.isoformat())
    await run_reminders(app, DUE.replace(hour=1))
    assert await world.observe() == expect(assignee=("due_soon", True))
    await run_reminders(app, DUE.replace(hour=10))
    assert await world.observe() == expect(assignee=("overdue", True))

    # analysis done: the person who asked (the system finished it), in-app only
    task = await world.task()
    asked = await client.post(f"{API}/tasks/{task['id']}/analysis", headers=world.by("actor"))
    assert asked.status_code == 202, asked.text
    assert await world.observe() == expect(actor=("analysis_done", False))
    [item] = (
        await client.get(f"{API}/notifications", params={"limit": 1}, headers=world.by("actor"))
    ).json()["items"]
    assert item["actor_id"] is None
    assert (
        item["summary"] == f"The AI analysis of ENG-{task['number']} \u201cFix login\u201d is ready"
    )


async def test_an_instant_mail_links_to_the_task_and_to_the_preferences(world: World) -> None:
    task = await world.task(assignee_id=None)
    await world.client.patch(
        f"{API}/tasks/{task['id']}",
        json={"assignee_id": world.people["assignee"].id},
        headers=world.by("actor"),
    )
    while await world.worker.drain():
        pass
    to = world.people["assignee"].email
    found = world.mailbox.received[world.seen_mail :]
    assert len(found) == 1, [(m.recipients, m.email["Subject"]) for m in found]
    [mail] = [m for m in found if m.recipients == [to]]
    summary = f"actor assigned you ENG-{task['number']} \u201cFix login\u201d"
    assert mail.email["Subject"] == summary
    assert mail.email["From"] == "smarttask <notify@example.org>"
    preferences = "https://tasks.example.org/profile/notifications"
    assert mail.email["List-Unsubscribe"] == f"<{preferences}>"
    text = mail.email.get_body(preferencelist=("plain",))
    assert text is not None
    content = text.get_content()
    assert summary in content
    assert f"https://tasks.example.org/tasks/{task['id']}" in content
    assert preferences in content
    html = mail.email.get_body(preferencelist=("html",))
    assert html is not None
    assert f'href="https://tasks.example.org/tasks/{task["id"]}"' in (html.get_content())


async def test_preferences_choose_the_channels(world: World) -> None:
    url = f"{API}/users/me/notification-preferences"
    chosen = await world.client.put(
        url,
        json={
            "preferences": {
                "task_assigned": {"in_app": False, "email": "instant"},
                "comment_added": {"in_app": True, "email": "instant"},
            }
        },
        headers=world.by("assignee"),
    )
    assert chosen.status_code == 200
    task = await world.task(assignee_id=None)
    await world.client.patch(
        f"{API}/tasks/{task['id']}",
        json={"assignee_id": world.people["assignee"].id},
        headers=world.by("actor"),
    )
    assert await world.observe() == expect(assignee=(None, True))  # mail only
    await world.client.post(
        f"{API}/tasks/{task['id']}/comments", json={"body": "hi"}, headers=world.by("actor")
    )
    assert await world.observe() == expect(
        assignee=("comment_added", True), watcher=("comment_added", False)
    )


async def test_a_disabled_webhook_is_told_to_the_workspace_admins(world: World, app: Any) -> None:
    database: Database = app.state.database
    async with database.session() as session:
        outbox.emit(
            session,
            "webhook.disabled",
            {"webhook": {"id": "h1", "url": "https://hooks.example.com/x", "reason": "410 Gone"}},
            workspace_id=world.workspace_id,
        )
        await session.commit()
    got = await world.observe()
    assert got == expect(actor=("webhook_disabled", True))  # the actor is an admin here
    [item] = (
        await world.client.get(
            f"{API}/notifications", params={"limit": 1}, headers=world.by("actor")
        )
    ).json()["items"]
    assert item["summary"] == "The webhook to https://hooks.example.com/x was disabled: 410 Gone"
    assert item["task_id"] is None
