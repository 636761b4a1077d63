"""Helpers of the import tests: a rich project to export, uploads, and a comparable view."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.support.analysis import drain
from tests.support.tasks import Board

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


async def make_rich_project(client: httpx.AsyncClient, board: Board) -> None:
    """Tasks with every property an export carries: subtasks, labels, a member assigned, a
    due date, an estimate, statuses, priorities, comments by two people, dependencies, time
    entries of both shapes by two people (and a running timer, which is not exported)."""
    base = f"/api/v1/projects/{board.project_id}/tasks"
    who = board.member.headers
    fields = await make_fields(client, board)
    waiting = await client.post(
        f"/api/v1/projects/{board.project_id}/states",
        json={"name": "Waiting", "category": "in_progress", "color": "#aa00cc"},
        headers=board.owner.headers,
    )
    assert waiting.status_code == 201, waiting.text

    async def task(**body: Any) -> str:
        made = await client.post(base, json=body, headers=who)
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    launch = await task(
        title="Launch the site",
        description='All of it, *today*.\nWith a second line, and "quotes".',
        priority="urgent",
        labels=["Release", "web"],
        assignee_id=board.member.id,
        due_at="2026-12-20T09:30:00Z",
        estimate_minutes=120,
        recurrence={"rrule": "FREQ=WEEKLY;BYDAY=MO", "from": "due"},
        fields={
            fields["Stage"]["id"]: fields["Stage"]["options"][1]["id"],
            fields["Areas"]["id"]: [o["id"] for o in fields["Areas"]["options"]],
            fields["Points"]["id"]: 5,
            fields["Owner"]["id"]: board.owner.id,
            fields["Signed"]["id"]: True,
            fields["Ship on"]["id"]: "2026-12-24",
            fields["Spec"]["id"]: "https://example.com/spec",
            fields["Note"]["id"]: "=not a formula",
        },
    )
    design = await task(title="=Design, the pages", status="done", parent_id=launch)
    await task(
        title="Write copy",
        state_id=waiting.json()["id"],
        parent_id=design,
        labels=["web"],
        fields={fields["Stage"]["id"]: fields["Stage"]["options"][0]["id"]},
    )
    review = await task(title="Review", priority="low", status="cancelled")
    plain = await task(title="Plain", recurrence={"rrule": "FREQ=DAILY", "from": "completion"})
    # Plain goes before Launch in their column: the order is not the creation order.
    moved = await client.post(
        f"/api/v1/tasks/{plain}/move", json={"before_id": launch}, headers=who
    )
    assert moved.status_code == 200, moved.text
    for task_id, depends_on in ((launch, review), (design, review)):
        linked = await client.post(
            f"/api/v1/tasks/{task_id}/dependencies", json={"depends_on_id": depends_on}, headers=who
        )
        assert linked.status_code in (200, 201, 204), linked.text
    for task_id, author, body in (
        (launch, board.member, "First, from the member"),
        (launch, board.owner, "Then the owner, @here"),
        (review, board.member, "A comment\nover lines"),
    ):
        said = await client.post(
            f"/api/v1/tasks/{task_id}/comments", json={"body": body}, headers=author.headers
        )
        assert said.status_code == 201, said.text
    for task_id, author, entry in (
        (
            launch,
            board.member,
            {
                "started_at": "2026-11-30T09:00:00Z",
                "ended_at": "2026-11-30T10:30:00Z",
                "note": "=sum(a)",
            },
        ),
        (launch, board.owner, {"minutes": 45, "date": "2026-11-29"}),
        (review, board.member, {"minutes": 20, "date": "2026-11-28", "note": "Read it"}),
    ):
        logged = await client.post(
            f"/api/v1/tasks/{task_id}/time-entries", json=entry, headers=author.headers
        )
        assert logged.status_code == 201, logged.text
    running = await client.post(f"/api/v1/tasks/{plain}/timer", headers=who)
    assert running.status_code == 201, running.text


async def make_fields(client: httpx.AsyncClient, board: Board) -> dict[str, dict[str, Any]]:
    """One custom field of each type in the board's workspace, by name."""
    made: dict[str, dict[str, Any]] = {}
    for name, kind, options in (
        ("Stage", "select", ["Idea", "Build", "Unused"]),
        ("Areas", "multi_select", ["Front", "Back"]),
        ("Points", "number", None),
        ("Owner", "user", None),
        ("Signed", "checkbox", None),
        ("Ship on", "date", None),
        ("Spec", "url", None),
        ("Note", "text", None),
    ):
        body: dict[str, Any] = {"name": name, "type": kind}
        if options:
            body["options"] = [{"name": option} for option in options]
        response = await client.post(
            f"/api/v1/workspaces/{board.workspace_id}/fields",
            json=body,
            headers=board.owner.headers,
        )
        assert response.status_code == 201, response.text
        made[name] = response.json()
    return made


def order_in_states(document: dict[str, Any]) -> dict[str, list[str]]:
    """The titles of each state's tasks in rank order (the board's columns)."""
    columns: dict[str, list[tuple[str, str]]] = {}
    for task in document["tasks"]:
        columns.setdefault(task["state"], []).append((task["rank"], task["title"]))
    return {state: [title for _, title in sorted(cards)] for state, cards in columns.items()}


def titles_of(*documents: dict[str, Any]) -> dict[str, str]:
    """The title of each task ref of the exports."""
    return {task["ref"]: task["title"] for document in documents for task in document["tasks"]}


def comparable(
    document: dict[str, Any], titles: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """An export's tasks with refs replaced by titles (numbers may differ), sorted by title;
    `titles` names the refs of other projects' tasks (a workspace's export)."""
    titles = titles or titles_of(document)
    view = []
    for task in document["tasks"]:
        dropped = ("ref", "created_at", "completed_at", "rank")  # rank: `order_in_states`
        same = {k: v for k, v in task.items() if k not in dropped}
        same["parent"] = titles.get(task["parent"]) if task["parent"] else None
        same["depends_on"] = sorted(titles[ref] for ref in task["depends_on"])
        same["done"] = task["completed_at"] is not None
        view.append(same)
    return sorted(view, key=lambda task: task["title"])


async def new_project(client: httpx.AsyncClient, board: Board, key: str) -> str:
    """An empty project of the board's workspace; its id."""
    made = await client.post(
        f"/api/v1/workspaces/{board.workspace_id}/projects",
        json={"name": f"Copy {key}", "key": key},
        headers=board.owner.headers,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def export_json(client: httpx.AsyncClient, project_id: str, board: Board) -> dict[str, Any]:
    """The project's JSON export, read as a viewer."""
    response = await client.get(
        f"/api/v1/projects/{project_id}/export",
        params={"format": "json"},
        headers=board.viewer.headers,
    )
    assert response.status_code == 200, response.text
    document: dict[str, Any] = json.loads(response.content)
    return document


async def run_import(
    client: httpx.AsyncClient, app: Any, project_id: str, board: Board, **upload: Any
) -> dict[str, Any]:
    """Upload a file (as `by`, the member by default), check the 202, run the job, and
    answer the finished import."""
    by = upload.pop("by", board.member)
    started = await client.post(
        f"/api/v1/projects/{project_id}/import",
        headers=by.headers | upload.pop("headers", {}),
        **upload,
    )
    assert started.status_code == 202, started.text
    body = started.json()
    assert body["status"] == "pending"
    assert started.headers["Location"] == f"/api/v1/imports/{body['id']}"
    await drain(app)
    finished = await client.get(started.headers["Location"], headers=board.viewer.headers)
    assert finished.status_code == 200, finished.text
    result: dict[str, Any] = finished.json()
    return result


async def import_json(
    client: httpx.AsyncClient, app: Any, board: Board, document: dict[str, Any]
) -> dict[str, Any]:
    """Import a JSON document into the board's project as its member; the finished import."""
    return await run_import(
        client,
        app,
        board.project_id,
        board,
        content=json.dumps(document).encode(),
        headers={"Content-Type": "application/json"},
    )
