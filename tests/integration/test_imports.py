"""Project import and export (docs/import-export.md): round trips, other tools' files,
bad files, never half-applying, tenancy, idempotency, and the workspace commands."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from smarttask.activity.models import Activity
from smarttask.comments.models import Comment
from smarttask.imports.limits import MAX_UPLOAD_BYTES
from smarttask.imports.running import STOPPED
from smarttask.tasks.models import Label, Task
from tests.support.imports import (
    FIXTURES,
    comparable,
    export_json,
    import_json,
    make_fields,
    make_rich_project,
    new_project,
    order_in_states,
    run_import,
    titles_of,
)
from tests.support.tasks import new_board
from tests.support.workspaces import signup

SMARTTASK = [sys.executable, "-m", "smarttask.entrypoints.cli"]


def _pairs(report: dict[str, Any], key: str) -> set[tuple[str, str]]:
    first, second = ("from", "to") if key == "mapped" else ("item", "reason")
    return {(entry[first], entry[second]) for entry in report[key]}


async def _count(app: Any, model: Any, **where: Any) -> int:
    async with app.state.database.session(writes=False) as session:
        statement = select(func.count()).select_from(model).filter_by(**where)
        return int((await session.execute(statement)).scalar_one())


async def test_json_round_trip_gives_the_same_tasks(client: httpx.AsyncClient, app: Any) -> None:
    board = await new_board(client)
    await make_rich_project(client, board)
    original = await export_json(client, board.project_id, board)
    assert original["format"] == "smarttask/1"
    assert original["project"]["key"] == "WEB"
    copy = await new_project(client, board, "CPY")
    data = json.dumps(original).encode()
    finished = await run_import(
        client,
        app,
        copy,
        board,
        content=data,
        headers={"Content-Type": "application/json"},
        by=board.owner,
    )
    assert finished["status"] == "done", finished
    assert finished["format"] == "smarttask-json"
    assert ("state Waiting", "created") in _pairs(finished["report"], "mapped")
    assert finished["report"]["created"] == {
        "tasks": 5,
        "labels": 0,  # the workspace has them already
        "comments": 3,
        "dependencies": 2,
        "time_entries": 3,  # the running timer is not exported
    }
    assert finished["report"]["refused"] == []
    again = await export_json(client, copy, board)
    assert comparable(again) == comparable(original)
    spent = {}
    for project in (board.project_id, copy):
        listed = await client.get(f"/api/v1/projects/{project}/tasks", headers=board.viewer.headers)
        assert listed.status_code == 200, listed.text
        spent[project] = {t["title"]: t["time_spent_minutes"] for t in listed.json()["items"]}
    assert spent[copy] == spent[board.project_id] | {"Plain": 0}
    assert spent[copy]["Launch the site"] == 135
    assert again["states"] == original["states"]
    assert again["fields"] == original["fields"]
    assert order_in_states(again) == order_in_states(original)
    assert order_in_states(original)["To do"] == ["Plain", "Launch the site"]
    launch = next(t for t in comparable(again) if t["title"] == "Launch the site")
    assert launch["state"] == "To do"
    assert launch["recurrence"] == {"rrule": "FREQ=WEEKLY;BYDAY=MO", "from": "due"}
    assert launch["fields"] == {
        "Stage": "Build",
        "Areas": ["Back", "Front"],
        "Points": 5,
        "Owner": board.owner.email,
        "Signed": True,
        "Ship on": "2026-12-24",
        "Spec": "https://example.com/spec",
        "Note": "=not a formula",
    }
    copy_text = next(t for t in comparable(again) if t["title"] == "Write copy")
    assert (copy_text["state"], copy_text["status"]) == ("Waiting", "in_progress")
    assert launch["assignee_email"] == board.member.email
    assert [c["author_email"] for c in launch["comments"]] == [
        board.member.email,
        board.owner.email,
    ]
    assert [
        (e["user_email"], e["started_at"], e["minutes"], e["date"], e["note"])
        for e in launch["time_entries"]
    ] == [
        (board.member.email, "2026-11-30T09:00:00Z", 90, "2026-11-30", "=sum(a)"),
        (board.owner.email, None, 45, "2026-11-29", None),
    ]


async def test_csv_round_trip_through_a_multipart_upload(
    client: httpx.AsyncClient, app: Any
) -> None:
    board = await new_board(client)
    await make_rich_project(client, board)
    exported = await client.get(
        f"/api/v1/projects/{board.project_id}/export",
        params={"format": "csv"},
        headers=board.viewer.headers,
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="WEB-tasks.csv"' in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["format"] for row in rows] == ["smarttask/1"] * 5
    # A title starting with "=" is written so that a spreadsheet does not run it.
    assert {row["title"] for row in rows} >= {"'=Design, the pages", "Write copy"}
    copy = await new_project(client, board, "CSV")
    finished = await run_import(
        client,
        app,
        copy,
        board,
        files={"file": ("web.csv", exported.content, "text/csv")},
        by=board.owner,
    )
    assert finished["status"] == "done", finished
    assert finished["filename"] == "web.csv"
    assert finished["report"]["created"]["tasks"] == 5
    original = await export_json(client, board.project_id, board)
    again = await export_json(client, copy, board)
    assert comparable(again) == comparable(original)
    assert order_in_states(again) == order_in_states(original)
    # A CSV carries no colour: the state made for it has the default one.
    assert [(s["name"], s["category"]) for s in again["states"]] == [
        (s["name"], s["category"]) for s in original["states"]
    ]


async def test_todoist_csv_imports_with_its_report(client: httpx.AsyncClient, app: Any) -> None:
    board = await new_board(client)
    data = (FIXTURES / "todoist_full_test_project.csv").read_bytes()
    finished = await run_import(
        client, app, board.project_id, board, content=data, headers={"Content-Type": "text/csv"}
    )
    assert finished["status"] == "done", finished
    assert finished["format"] == "todoist-csv"
    report = finished["report"]
    assert report["created"] == {
        "tasks": 8,
        "labels": 2,
        "comments": 8,
        "dependencies": 0,
        "time_entries": 0,
    }
    assert {
        ("PRIORITY 2 (p2)", "high"),
        ("PRIORITY 4 (p4)", "none"),
        ("@label in CONTENT", "label"),
        ("note AUTHOR Bernhard", "the importing user"),
    } <= _pairs(report, "mapped")
    assert _pairs(report, "refused") == {
        (
            "row 4 DATE '4 Jan'",
            "not a calendar date (Todoist's own phrase); the task is imported without a due date",
        )
    }
    tasks = (
        await client.get(
            f"/api/v1/projects/{board.project_id}/tasks",
            params={"limit": 100},
            headers=board.viewer.headers,
        )
    ).json()["items"]
    by_title = {task["title"]: task for task in tasks}
    assert by_title["clickable subtask, scheduled"]["priority"] == "high"
    assert sorted(by_title["clickable subtask, scheduled"]["labels"]) == ["/munich", "30min"]
    # INDENT 1..4 became a chain of subtasks.
    chain = ["task level one", "task level two", "task level three", "task level four"]
    for parent, child in itertools.pairwise(chain):
        assert by_title[child]["parent_id"] == by_title[parent]["id"]
    notes = await client.get(
        f"/api/v1/tasks/{by_title['another subtask with a note']['id']}/comments",
        headers=board.viewer.headers,
    )
    assert [c["body"] for c in notes.json()["items"]] == [
        "one note for the subtask",
        "another comment for the same sub task",
    ]


async def test_trello_board_imports_with_its_report(client: httpx.AsyncClient, app: Any) -> None:
    board = await new_board(client)
    data = (FIXTURES / "trello_board_with_checklists_and_comments.json").read_bytes()
    finished = await run_import(
        client,
        app,
        board.project_id,
        board,
        files={"file": ("board.json", data, "application/json")},
    )
    assert finished["status"] == "done", finished
    assert finished["format"] == "trello-json"
    report = finished["report"]
    assert report["created"] == {
        "tasks": 6,
        "labels": 3,
        "comments": 2,
        "dependencies": 0,
        "time_entries": 0,
    }
    assert {
        ("list List One", "status todo"),
        ("dueComplete", "status done"),
        ("archived card or list", "status cancelled"),
        ("unnamed red label", "label red"),
        ("checklist item", "subtask"),
        ("member Leena Gupte", "unassigned (Trello exports no email to match)"),
        ("member Pablo Manrubia", "the importing user (Trello exports no email)"),
    } <= _pairs(report, "mapped")
    assert report["refused"] == []
    tasks = (
        await client.get(
            f"/api/v1/projects/{board.project_id}/tasks",
            params={"limit": 100},
            headers=board.viewer.headers,
        )
    ).json()["items"]
    by_title = {task["title"]: task for task in tasks}
    three = by_title["Card Three"]
    assert (three["status"], three["due_at"], three["labels"]) == (
        "done",
        "2016-08-20T12:00:00Z",
        ["red"],
    )
    assert three["assignee_id"] is None
    assert by_title["Card Four"]["status"] == "cancelled"
    assert by_title["First step"]["parent_id"] == three["id"]
    assert by_title["First step"]["status"] == "done"
    comments = await client.get(
        f"/api/v1/tasks/{three['id']}/comments", headers=board.viewer.headers
    )
    assert [c["body"] for c in comments.json()["items"]] == ["First comment", "Second comment"]
    plain = (FIXTURES / "trello_one_column_two_cards.json").read_bytes()
    other = await new_project(client, board, "TRL")
    simple = await run_import(
        client,
        app,
        other,
        board,
        content=plain,
        headers={"Content-Type": "application/json"},
        by=board.owner,
    )
    assert simple["report"]["created"]["tasks"] == 2
    # An admin's import keeps the lists as the project's workflow states.
    assert ("state List One", "created") in _pairs(simple["report"], "mapped")
    cards = (
        await client.get(
            f"/api/v1/projects/{other}/tasks", params={"limit": 100}, headers=board.viewer.headers
        )
    ).json()["items"]
    assert {card["state"]["name"] for card in cards} == {"List One"}


async def test_bad_files_are_refused_and_create_nothing(
    client: httpx.AsyncClient, app: Any
) -> None:
    board = await new_board(client)
    url = f"/api/v1/projects/{board.project_id}/import"
    who = board.member.headers
    for content, media in (
        (b"name,when\nlunch,noon\n", "text/csv"),
        (b'{"tasks": []}', "application/json"),
        (b"{not json", "application/json"),
        (b"", "text/csv"),
        (b"\xff\xfe\x00bad", "text/csv"),
    ):
        refused = await client.post(url, content=content, headers=who | {"Content-Type": media})
        assert refused.status_code == 422, (content, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    odd = await client.post(url, content=b"a", headers=who | {"Content-Type": "image/png"})
    assert odd.status_code == 415
    missing = await client.post(url, files={"other": ("x.csv", b"x", "text/csv")}, headers=who)
    assert missing.status_code == 422
    huge = b"TYPE,CONTENT,PRIORITY,INDENT\n" + b"x" * MAX_UPLOAD_BYTES
    too_big = await client.post(url, content=huge, headers=who | {"Content-Type": "text/csv"})
    assert too_big.status_code == 413
    listed = await client.get(f"/api/v1/projects/{board.project_id}/imports", headers=who)
    assert listed.json() == {"items": [], "next_cursor": None}
    assert await _count(app, Task, project_id=board.project_id) == 0


async def test_invalid_rows_are_refused_with_reasons_and_the_rest_applied(
    client: httpx.AsyncClient, app: Any
) -> None:
    board = await new_board(client)
    document = {
        "format": "smarttask/1",
        "project": {"name": "x"},
        "tasks": [
            {"ref": "A-1", "title": "Fine", "depends_on": ["A-2", "A-9"]},
            {"ref": "A-2", "title": "x" * 501},
            {"ref": "A-3", "title": "Nul \u0000 inside"},
            {"ref": "A-4", "title": "Orphan", "parent": "A-8"},
            {"ref": "A-5", "title": "Bad priority", "priority": "p0"},
            {"ref": "A-6", "title": "Bad date", "due_at": "tomorrow"},
            {"ref": "A-1", "title": "Twice"},
            "not an object",
        ],
    }
    finished = await import_json(client, app, board, document)
    assert finished["status"] == "done"
    report = finished["report"]
    assert report["created"]["tasks"] == 1
    refused = {entry["item"] for entry in report["refused"]}
    assert refused == {
        "tasks[1]",
        "tasks[2]",
        "tasks[3]",
        "tasks[4]",
        "tasks[5]",
        "tasks[6]",
        "tasks[7]",
        "tasks[0] dependency on A-2",
        "tasks[0] dependency on A-9",
    }
    assert report["refused_total"] == len(report["refused"])
    assert all(entry["reason"] for entry in report["refused"])
    assert await _count(app, Task, project_id=board.project_id) == 1


async def test_time_entries_are_checked_as_logged_ones_and_refused_one_by_one(
    client: httpx.AsyncClient, app: Any
) -> None:
    board = await new_board(client)
    member, viewer = board.member.email.upper(), board.viewer.email
    entries = [
        {"user_email": member, "minutes": 30, "date": "2026-11-02", "note": "<b>x</b>"},
        {
            "user_email": member,
            "started_at": "2026-11-02T08:00:00Z",
            "ended_at": "2026-11-02T08:45:00Z",
        },
        {"user_email": viewer, "minutes": 10, "date": "2026-11-02"},
        {"user_email": "stranger@example.com", "minutes": 10, "date": "2026-11-02"},
        {"user_email": None, "minutes": 10, "date": "2026-11-02"},
        {"user_email": member, "minutes": 1441, "date": "2026-11-02"},
        {"user_email": member, "minutes": "ten", "date": "2026-11-02"},
        {"user_email": member, "minutes": 10, "date": "2999-01-01"},
        {"user_email": member, "started_at": "2026-11-02T08:00:00Z"},
        {"user_email": member, "minutes": 10, "date": "2026-11-02", "note": "nul \u0000"},
    ]
    document = {
        "format": "smarttask/1",
        "tasks": [
            {"ref": "A-1", "title": "Timed", "time_entries": entries},
            {"ref": "A-2", "title": "Not a list", "time_entries": {"minutes": 5}},
            {"ref": "A-3", "title": "Not an object", "time_entries": ["5 minutes"]},
        ],
    }
    finished = await import_json(client, app, board, document)
    assert finished["status"] == "done", finished
    report = finished["report"]
    assert report["created"]["tasks"] == 1
    assert report["created"]["time_entries"] == 2
    reasons = {entry["item"]: entry["reason"] for entry in report["refused"]}
    assert set(reasons) == {
        *(f"tasks[0] time entry {n}" for n in range(3, 11)),
        "tasks[1]",
        "tasks[2]",
    }
    assert "not a member of the workspace who may log time" in reasons["tasks[0] time entry 3"]
    assert reasons["tasks[0] time entry 5"].startswith("an erased person")
    assert "future" in reasons["tasks[0] time entry 8"]
    listed = await client.get(
        f"/api/v1/projects/{board.project_id}/tasks", headers=board.viewer.headers
    )
    (task,) = listed.json()["items"]
    assert task["time_spent_minutes"] == 75
    logged = await client.get(
        f"/api/v1/tasks/{task['id']}/time-entries", headers=board.viewer.headers
    )
    assert sorted((e["user_id"], e["minutes"], e["note"]) for e in logged.json()["items"]) == [
        (board.member.id, 30, "<b>x</b>"),
        (board.member.id, 45, None),
    ]


async def test_an_import_that_fails_midway_leaves_nothing(
    client: httpx.AsyncClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = await new_board(client)
    from smarttask.comments import service as comments

    real = comments.create
    calls = 0

    async def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:  # after tasks, labels and a comment were written
            raise RuntimeError("the database went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(comments, "create", failing)
    data = (FIXTURES / "todoist_full_test_project.csv").read_bytes()
    labels_before = await _count(app, Label, workspace_id=board.workspace_id)
    finished = await run_import(
        client, app, board.project_id, board, content=data, headers={"Content-Type": "text/csv"}
    )
    assert calls == 2
    assert (finished["status"], finished["error"], finished["report"]) == ("failed", STOPPED, None)
    assert await _count(app, Task, project_id=board.project_id) == 0
    assert await _count(app, Label, workspace_id=board.workspace_id) == labels_before
    assert await _count(app, Comment, workspace_id=board.workspace_id) == 0
    for kind in ("task", "comment", "label"):
        assert await _count(app, Activity, workspace_id=board.workspace_id, entity_type=kind) == 0


async def test_tenancy_roles_and_idempotency(client: httpx.AsyncClient, app: Any) -> None:
    board = await new_board(client)
    outsider = await signup(client, "x")
    export = f"/api/v1/projects/{board.project_id}/export"
    upload = f"/api/v1/projects/{board.project_id}/import"
    data = (FIXTURES / "trello_one_column_two_cards.json").read_bytes()
    json_type = {"Content-Type": "application/json"}
    assert (await client.get(export, headers=outsider.headers)).status_code == 404
    assert (
        await client.post(upload, content=data, headers=outsider.headers | json_type)
    ).status_code == 404
    assert (
        await client.post(upload, content=data, headers=board.viewer.headers | json_type)
    ).status_code == 403
    assert (await client.get(export, headers=board.viewer.headers)).status_code == 200
    assert (
        await client.get(export + "?format=xml", headers=board.viewer.headers)
    ).status_code == 422
    key = {"Idempotency-Key": "import-once"}
    first = await client.post(upload, content=data, headers=board.member.headers | json_type | key)
    second = await client.post(upload, content=data, headers=board.member.headers | json_type | key)
    assert first.status_code == second.status_code == 202
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["id"] == second.json()["id"]
    listed = await client.get(
        f"/api/v1/projects/{board.project_id}/imports", headers=board.viewer.headers
    )
    assert [item["id"] for item in listed.json()["items"]] == [first.json()["id"]]
    one = f"/api/v1/imports/{first.json()['id']}"
    assert (await client.get(one, headers=outsider.headers)).status_code == 404
    assert (await client.get(one, headers=board.viewer.headers)).status_code == 200


def _cli(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMARTTASK_DATABASE_URL": database_url}
    return subprocess.run(
        [*SMARTTASK, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


async def test_workspace_round_trip_through_the_commands(
    client: httpx.AsyncClient, app: Any, database_url: str, tmp_path: Path
) -> None:
    board = await new_board(client)
    await make_rich_project(client, board)
    # The defaults renamed, recoloured and reordered: the copy has these states, no others.
    states = await client.get(
        f"/api/v1/projects/{board.project_id}/states", headers=board.owner.headers
    )
    todo = next(s for s in states.json()["items"] if s["category"] == "todo")
    renamed = await client.patch(
        f"/api/v1/states/{todo['id']}",
        json={"name": "Backlog", "color": "#123456", "position": 2},
        headers=board.owner.headers,
    )
    assert renamed.status_code == 200, renamed.text
    second = await new_project(client, board, "OPS")
    cross = await client.post(
        f"/api/v1/projects/{second}/tasks", json={"title": "Deploy"}, headers=board.member.headers
    )
    launch = next(
        t
        for t in (await export_json(client, board.project_id, board))["tasks"]
        if t["title"] == "Launch the site"
    )
    refs = (
        await client.get(f"/api/v1/projects/{board.project_id}/tasks", headers=board.viewer.headers)
    ).json()["items"]
    launch_id = next(t["id"] for t in refs if t["title"] == launch["title"])
    linked = await client.post(
        f"/api/v1/tasks/{cross.json()['id']}/dependencies",
        json={"depends_on_id": launch_id},
        headers=board.member.headers,
    )
    assert linked.status_code == 201
    out = tmp_path / "workspace.json"
    exported = _cli(
        ["export", "--workspace", board.workspace_id, "--output", str(out)], database_url, tmp_path
    )
    assert exported.returncode == 0, exported.stderr
    document = json.loads(out.read_text())
    assert document["format"] == "smarttask-workspace/1"
    assert {m["email"] for m in document["members"]} == {
        board.owner.email,
        board.member.email,
        board.viewer.email,
    }
    new_owner = await signup(client, "n")
    loaded = _cli(["import", str(out), "--owner", new_owner.email], database_url, tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    workspace_id = loaded.stdout.strip()
    again = tmp_path / "again.json"
    assert (
        _cli(
            ["export", "--workspace", workspace_id, "--output", str(again)], database_url, tmp_path
        ).returncode
        == 0
    )
    copied = json.loads(again.read_text())
    assert copied["labels"] == document["labels"]
    assert {m["email"]: m["role"] for m in copied["members"]} == {
        new_owner.email: "owner",
        board.owner.email: "owner",
        board.member.email: "member",
        board.viewer.email: "viewer",
    }
    assert len(copied["projects"]) == 2
    titles_before = titles_of(*document["projects"])
    titles_after = titles_of(*copied["projects"])
    assert copied["fields"] == document["fields"]
    for before, after in zip(document["projects"], copied["projects"], strict=True):
        assert (after["name"], after["key"]) == (before["name"], before["key"])
        assert after["states"] == before["states"]
        assert comparable(after, titles_after) == comparable(before, titles_before)
        assert order_in_states(after) == order_in_states(before)
    deploy = copied["projects"][1]["tasks"][0]
    assert [titles_after[ref] for ref in deploy["depends_on"]] == [launch["title"]]
    refused = _cli(["import", str(out), "--workspace", workspace_id], database_url, tmp_path)
    assert refused.returncode == 1
    assert "not empty" in refused.stderr


async def test_another_workspace_maps_states_and_fields_by_name(
    client: httpx.AsyncClient, app: Any
) -> None:
    board = await new_board(client)
    await make_rich_project(client, board)
    data = json.dumps(await export_json(client, board.project_id, board)).encode()
    other = await new_board(client)
    json_type = {"Content-Type": "application/json"}
    # A member of the other workspace may not create states or fields: mapped and refused.
    by_member = await run_import(
        client, app, other.project_id, other, content=data, headers=json_type
    )
    assert by_member["status"] == "done", by_member
    report = by_member["report"]
    assert ("state Waiting", "first state of in_progress") in _pairs(report, "mapped")
    assert (
        "field Stage",
        "the workspace has no field of this name and type (an admin's import creates it)",
    ) in _pairs(report, "refused")
    tasks = (
        await client.get(
            f"/api/v1/projects/{other.project_id}/tasks",
            params={"limit": 100},
            headers=other.viewer.headers,
        )
    ).json()["items"]
    copy_text = next(t for t in tasks if t["title"] == "Write copy")
    assert (copy_text["state"]["name"], copy_text["fields"]) == ("In progress", {})
    # The owner's import creates the state, the fields and their options; a user value
    # naming someone who is not a member is refused, the rest of the task kept.
    second = await new_project(client, other, "TWO")
    by_owner = await run_import(
        client, app, second, other, content=data, headers=json_type, by=other.owner
    )
    assert by_owner["status"] == "done", by_owner
    pairs = _pairs(by_owner["report"], "mapped")
    assert {("state Waiting", "created"), ("field Stage", "created")} <= pairs
    assert (
        "tasks[0] field Owner",
        f"{board.owner.email} is not a member of the workspace",
    ) in _pairs(by_owner["report"], "refused")
    again = await export_json(client, second, other)
    launch = next(t for t in again["tasks"] if t["title"] == "Launch the site")
    assert launch["fields"]["Stage"] == "Build"
    assert launch["fields"]["Areas"] == ["Back", "Front"]
    assert "Owner" not in launch["fields"]
    assert launch["recurrence"] == {"rrule": "FREQ=WEEKLY;BYDAY=MO", "from": "due"}
    stage = next(f for f in again["fields"] if f["name"] == "Stage")
    # Only the options the file's definition lists (all three, used or not).
    assert stage["options"] == ["Idea", "Build", "Unused"]


async def test_a_bad_recurrence_or_field_value_is_refused_and_the_task_kept(
    client: httpx.AsyncClient, app: Any
) -> None:
    board = await new_board(client)
    await make_fields(client, board)
    document = {
        "format": "smarttask/1",
        "fields": [
            {"name": "Points", "type": "number"},
            {"name": "Spec", "type": "url"},
            {"name": "Stage", "type": "select", "options": ["Idea", "Nope"]},
        ],
        "tasks": [
            {
                "ref": "A-0",
                "title": "Bad values",
                "fields": {"Points": "many", "Spec": "not a url", "Stage": "Nope", "Note": "x"},
            },
            {"ref": "A-1", "title": "No due", "recurrence": {"rrule": "FREQ=DAILY"}},
            {"ref": "A-2", "title": "Bad rule", "recurrence": {"rrule": "FREQ=SOMETIMES"}},
            {
                "ref": "A-3",
                "title": "Fine",
                "due_at": "2026-12-20T09:30:00Z",
                "recurrence": {"rrule": "FREQ=DAILY", "from": "due"},
            },
        ],
    }
    finished = await import_json(client, app, board, document)
    assert finished["status"] == "done", finished
    assert finished["report"]["created"]["tasks"] == 4
    refused = {item for item, _ in _pairs(finished["report"], "refused")}
    assert refused == {
        "tasks[0] field Points",
        "tasks[0] field Spec",
        "tasks[0] field Stage",  # a member's import adds no option
        "field Note",  # the file does not describe it
        "tasks[1] recurrence",
        "tasks[2] recurrence",
    }
    again = await export_json(client, board.project_id, board)
    assert next(t for t in again["tasks"] if t["title"] == "Bad values")["fields"] == {}
    assert {t["title"]: t["recurrence"] for t in again["tasks"]} == {
        "Bad values": None,
        "No due": None,
        "Bad rule": None,
        "Fine": {"rrule": "FREQ=DAILY", "from": "due"},
    }
