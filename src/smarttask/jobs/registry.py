"""Job handlers and periodic jobs: each domain declares a JobSet, the runtime joins them."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the ORM stays out of a cold start that builds the runtime
    from sqlalchemy.ext.asyncio import AsyncSession

    from smarttask.db.engine import Database
    from smarttask.settings import Settings


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


class JobSet:
    """The job handlers and periodic jobs one module declares (its module-level `registry`)."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.periodic: dict[str, PeriodicJob] = {}

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


class JobRegistry:
    """Every handler and periodic job of the modules it is built from, imported on first use.

    The modules come from the wiring point (`smarttask.wiring.job_modules()`; the runtime
    builds the registry); each declares a module-level `registry = JobSet()`. `extra` sets
    join them (tests' own handlers).
    """

    def __init__(self, modules: Sequence[str], *, extra: Sequence[JobSet] = ()) -> None:
        self.modules = tuple(modules)
        self.extra = tuple(extra)
        self._handlers: dict[str, Handler] = {}
        self._periodic: dict[str, PeriodicJob] = {}
        self._loaded = False

    def load(self) -> JobRegistry:
        """Import every handler module once and gather their sets; returns self."""
        if not self._loaded:
            sets = [importlib.import_module(name).registry for name in self.modules]
            for job_set in (*sets, *self.extra):
                for kind, function in job_set.handlers.items():
                    if self._handlers.get(kind, function) is not function:
                        raise ValueError(f"job kind {kind!r} has two handlers")
                    self._handlers[kind] = function
                self._periodic.update(job_set.periodic)
            self._loaded = True
        return self

    @property
    def handlers(self) -> dict[str, Handler]:
        """Handlers by job kind."""
        return self.load()._handlers

    @property
    def periodic(self) -> dict[str, PeriodicJob]:
        """Periodic jobs by kind."""
        return self.load()._periodic

    def get(self, kind: str) -> Handler:
        """The handler of `kind`; KeyError when none is registered."""
        return self.handlers[kind]
