"""The runtime: everything a process builds once from its settings.

`build_runtime` is the one place that builds the database engines, the job registry and the
authentication components; the app (`create_app`), the workers, both Lambda handlers and
every command of `smarttask` start from it. Nothing connects or imports a handler module
until first used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from smarttask.accounts.components import AuthComponents
from smarttask.db.engine import Database
from smarttask.jobs.registry import JobRegistry, JobSet
from smarttask.kit.ratelimit import RateLimiter
from smarttask.settings import Settings, get_settings
from smarttask.wiring import job_modules, reaction_modules

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Runtime:
    """A process's settings, database, job registry and authentication components."""

    settings: Settings
    database: Database
    jobs: JobRegistry
    auth: AuthComponents

    async def close(self) -> None:
        """Give every pooled connection back (the runtime can be used again afterwards)."""
        await self.database.dispose()

    def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work` on a fresh event loop (a command's), then give the connections back."""

        async def main() -> T:
            try:
                return await work()
            finally:
                await self.close()

        return asyncio.run(main())

    def prepare(self) -> None:
        """For a command: set up logging and, where configured, migrate a SQLite database."""
        from smarttask.db.migrate import upgrade
        from smarttask.kit.logging import configure_logging

        settings = self.settings
        configure_logging(settings.log_level, json_lines=settings.log_json)
        if settings.database.is_sqlite and settings.auto_migrate:
            upgrade(settings.database.url)


def build_runtime(
    settings: Settings | None = None, *, extra_jobs: tuple[JobSet, ...] = ()
) -> Runtime:
    """The runtime of these settings (by default the environment's); `extra_jobs` for tests."""
    settings = settings or get_settings()
    if settings.tracing_enabled:  # before any engine exists: engines are traced as created
        from smarttask.kit.tracing import start

        start(settings)
    return Runtime(
        settings=settings,
        database=Database(settings.database, jobs=settings.jobs, reactions=reaction_modules()),
        jobs=JobRegistry(job_modules(), extra=extra_jobs),
        auth=AuthComponents.build(settings.auth, RateLimiter(settings.rate_limits)),
    )
