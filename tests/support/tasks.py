"""Helpers for task tests: a workspace with a project, ready for tasks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import event

from tests.support.workspaces import Account, add_member, new_workspace, signup


@dataclass
class Board:
    """A workspace, its owner, a member, a viewer and a project WEB."""

    workspace_id: str
    project_id: str
    owner: Account
    member: Account
    viewer: Account


async def new_board(client: httpx.AsyncClient) -> Board:
    """A fresh workspace with a project and three people."""
    owner, member, viewer = (
        await signup(client, "o"),
        await signup(client, "m"),
        await signup(client, "v"),
    )
    workspace_id = await new_workspace(client, owner)
    await add_member(client, workspace_id, owner, member, "member")
    await add_member(client, workspace_id, owner, viewer, "viewer")
    project = await client.post(
        f"/api/v1/workspaces/{workspace_id}/projects",
        json={"name": "Website", "key": "WEB"},
        headers=owner.headers,
    )
    assert project.status_code == 201, project.text
    return Board(workspace_id, project.json()["id"], owner, member, viewer)


async def new_task(client: httpx.AsyncClient, board: Board, **fields: Any) -> dict[str, Any]:
    """Create a task in the board's project as its member; the body."""
    body = {"title": "A task"} | fields
    response = await client.post(
        f"/api/v1/projects/{board.project_id}/tasks", json=body, headers=board.member.headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def walk(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Every item of a list, page by page."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = await client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


@contextmanager
def counting_queries(app: Any) -> Iterator[list[str]]:
    """Collect the SQL statements the app runs."""
    statements: list[str] = []
    engine = app.state.database.engine.sync_engine

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextmanager
def counting_all_statements(app: Any) -> Iterator[list[str]]:
    """Statements run through SQLAlchemy and, on PostgreSQL, straight on the driver."""
    statements: list[str] = []
    database = app.state.database

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    compile_ = database._compile  # the driver path compiles (from cache) every statement

    def counted(statement: Any) -> Any:
        found = compile_(statement)
        statements.append(found[0])
        return found

    event.listen(database.engine.sync_engine, "before_cursor_execute", before)
    database._compile = counted
    try:
        yield statements
    finally:
        del database._compile
        event.remove(database.engine.sync_engine, "before_cursor_execute", before)
