"""Helpers of the account-mail tests: a real SMTP server (aiosmtpd), a worker pointed at it,
and reading links out of the mails it received."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import select

from smarttask.accounts import jobs as account_jobs
from smarttask.db.engine import Database
from smarttask.jobs.models import Job
from smarttask.jobs.worker import Worker
from smarttask.settings import Settings
from smarttask.workspaces import jobs as workspace_jobs
from tests.support import free_port, job_registry, make_settings
from tests.support.jobs import FakeClock
from tests.support.log_scan import register_secret
from tests.support.mail import Inbox

PUBLIC_URL = "https://tasks.example.org"
SENDER = "smarttask <accounts@example.org>"
# The application's handlers, joined by the account mails' own (the same functions as the
# wiring's once it names these modules: a handler registered twice is one handler).
JOBS = job_registry(account_jobs.registry, workspace_jobs.registry)


@dataclass
class SmtpServer:
    """A running aiosmtpd on 127.0.0.1 and what it received."""

    port: int
    inbox: Inbox

    def to(self, address: str, subject_part: str = "") -> list[EmailMessage]:
        """The messages received for `address` whose subject contains `subject_part`."""
        return [
            email
            for recipients, email in self.inbox.messages
            if address in recipients and subject_part in str(email["Subject"])
        ]


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[SmtpServer]:
    """A real SMTP server in its own thread, on `port` (a free one by default)."""
    handler = Inbox()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port or free_port(), server_hostname="localhost"
    )
    controller.start()
    try:
        yield SmtpServer(controller.port, handler)
    finally:
        controller.stop()


def worker_settings(settings: Settings, smtp_port: int, **overrides: Any) -> Settings:
    """The worker's settings: SMARTTASK_MAIL_URL on `smtp_port`, links on PUBLIC_URL."""
    values: dict[str, Any] = {
        "mail_url": f"smtp://127.0.0.1:{smtp_port}",
        "mail_from": SENDER,
        "smtp_timeout": 5,
        "public_url": PUBLIC_URL,
        "job_backoff_base_seconds": 10,
        "job_backoff_max_seconds": 1000,
        "periodic_jobs_enabled": False,
        "log_level": "WARNING",
    } | overrides
    return make_settings(settings.database_url, **values)


def worker(database: Database, settings: Settings, clock: FakeClock | None = None) -> Worker:
    """A job worker with the account-mail handlers, on a clock the test moves."""
    return Worker(database, settings, JOBS, clock=clock or FakeClock())


def text_of(email: EmailMessage) -> str:
    """The plain-text part of a mail."""
    part = email.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(email: EmailMessage) -> str:
    """The HTML part of a mail."""
    part = email.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def link_in(email: EmailMessage, path: str, base: str = PUBLIC_URL) -> tuple[str, str]:
    """The link `<base><path>?token=...` of a mail (in both parts) and its token."""
    pattern = re.compile(re.escape(f"{base}{path}?token=") + r"([A-Za-z0-9_\-]+)")
    found = pattern.search(text_of(email))
    assert found is not None, text_of(email)
    assert found.group(0) in html_of(email)
    register_secret(found.group(1))
    return found.group(0), found.group(1)


async def jobs_of(database: Database, kind: str) -> list[Job]:
    """The stored jobs of a kind, oldest first."""
    async with database.session(writes=False) as session:
        statement = select(Job).where(Job.kind == kind).order_by(Job.created_at)
        return list((await session.scalars(statement)).all())


def app_database(client: httpx.AsyncClient) -> Database:
    """The database of the app behind an in-process client."""
    database: Database = client._transport.app.state.database  # type: ignore[attr-defined]
    return database
