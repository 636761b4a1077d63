"""The wiring point: one entry in `wiring.DOMAINS` routes, migrates, runs and commands a domain."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from smarttask import wiring
from smarttask.app import create_app
from smarttask.entrypoints.cli import build_parser
from smarttask.runtime import build_runtime
from smarttask.settings import Settings

_FILES = {
    "__init__.py": '"""A throwaway domain."""\n',
    "routes.py": """
        from fastapi import APIRouter

        router = APIRouter(tags=["notes"])


        @router.get("/notes/ping")
        async def ping() -> dict[str, str]:
            return {"notes": "pong"}
    """,
    "models.py": """
        from sqlalchemy import String
        from sqlalchemy.orm import Mapped, mapped_column

        from smarttask.db.base import Base


        class Note(Base):
            __tablename__ = "throwaway_note"
            id: Mapped[str] = mapped_column(String(36), primary_key=True)
    """,
    "jobs.py": """
        from smarttask.jobs.registry import JobSet

        registry = JobSet()


        @registry.handler("notes.sweep")
        async def sweep(context, payload):
            return None
    """,
    "cli.py": """
        def add_commands(commands):
            commands.add_parser("notes").set_defaults(run=lambda args, runtime: 0)
    """,
}


@pytest.fixture
def throwaway_domain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A package `smarttask.notes` with routes, a table, a job and a command, wired by one entry."""
    import smarttask

    package = tmp_path / "notes"
    package.mkdir()
    for name, text in _FILES.items():
        (package / name).write_text(textwrap.dedent(text))
    monkeypatch.setattr(smarttask, "__path__", [*smarttask.__path__, str(tmp_path)])
    entry = wiring.domain("notes", ("routes", "notes"), jobs=True, cli=True)  # the one line
    monkeypatch.setattr(wiring, "DOMAINS", (*wiring.DOMAINS, entry))
    yield
    for name in [m for m in sys.modules if m.startswith("smarttask.notes")]:
        del sys.modules[name]


@pytest.mark.usefixtures("throwaway_domain")
async def test_one_entry_wires_routes_tables_jobs_and_commands(settings: Settings) -> None:
    """Its router serves (eager and lazy apps), its table, job handler and command are found."""
    for lazy in (False, True):
        app = create_app(settings, lazy_routes=lazy)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/api/v1/notes/ping")
        assert (response.status_code, response.json()) == (200, {"notes": "pong"})
        await app.state.database.dispose()
    # The metadata registry imports this list (not imported here: it would add the table to
    # the shared metadata of every later test).
    assert "smarttask.notes.models" in wiring.model_modules()
    assert "notes.sweep" in build_runtime(settings).jobs.handlers
    assert build_parser().parse_args(["notes"]).run is not None


def test_every_listed_module_exists() -> None:
    """Each module named by the wiring point imports (a typo fails here, not on a request)."""
    import importlib

    for domain in wiring.DOMAINS:
        for router in domain.routers:
            assert importlib.import_module(router.module).router is not None
        for module in (domain.models, domain.jobs, domain.cli):
            if module:
                importlib.import_module(module)
