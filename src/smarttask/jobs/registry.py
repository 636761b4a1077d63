"""The one registry of job handlers and periodic jobs, shared by every runner."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.engine import Database
from smarttask.settings import Settings

# Modules whose import registers handlers; each domain adds its own line.
HANDLER_MODULES: tuple[str, ...] = (
    "smarttask.jobs.builtin",
    "smarttask.analysis.risk.jobs",
    "smarttask.analysis.jobs",
    "smarttask.attachments.jobs",
)


class RetryLater(Exception):
    """Raised by a handler to be run again after `after_seconds` (e.g. an upstream Retry-After)."""

    def __init__(self, reason: str, *, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.after_seconds = after_seconds


class PermanentFailure(Exception):
    """Raised by a handler when retrying cannot help: the job goes dead at once."""


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a handler receives: a session the runner commits, never the handler."""

    session: AsyncSession
    database: Database
    settings: Settings
    job_id: str
    attempt: int


Handler = Callable[[JobContext, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """A job kind enqueued once per `every` across all instances."""

    kind: str
    every: timedelta
    payload: dict[str, Any] = field(default_factory=dict)


class JobRegistry:
    """Handlers by kind, and the periodic schedule."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.periodic: dict[str, PeriodicJob] = {}
        self._loaded = False

    def handler(self, kind: str) -> Callable[[Handler], Handler]:
        """Decorator: register the handler of a job kind."""

        def register(function: Handler) -> Handler:
            if kind in self.handlers and self.handlers[kind] is not function:
                raise ValueError(f"job kind {kind!r} already has a handler")
            self.handlers[kind] = function
            return function

        return register

    def every(self, interval: timedelta, kind: str) -> None:
        """Schedule `kind` (which needs a handler) to run once per interval."""
        self.periodic[kind] = PeriodicJob(kind=kind, every=interval)

    def load(self) -> JobRegistry:
        """Import every handler module once; returns self."""
        if not self._loaded:
            for module in HANDLER_MODULES:
                importlib.import_module(module)
            self._loaded = True
        return self

    def get(self, kind: str) -> Handler:
        """The handler of `kind`; KeyError when none is registered."""
        return self.load().handlers[kind]


registry = JobRegistry()
