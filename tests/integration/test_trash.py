"""The trash: a deleted task answers 404 everywhere until restored, or purged for good."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from smarttask.attachments.models import Attachment
from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.jobs.registry import JobContext
from smarttask.settings import Settings
from smarttask.tasks.trash.models import TrashedTask, TrashedTaskMember
from tests.support import job_registry
from tests.support.attachments import uploaded
from tests.support.tasks import Board, new_board, new_task

BODY = b"attached bytes"


@pytest.fixture
def storage_dir(tmp_path: Path) -> Path:
    """Where the app under test keeps its files."""
    return tmp_path / "objects"


@pytest.fixture
def settings_overrides(storage_dir: Path) -> dict[str, Any]:
    """Files go to a folder of the test's own."""
    return {"storage_path": str(storage_dir)}


async def _a_tree(client: httpx.AsyncClient, board: Board) -> dict[str, Any]:
    """A task with a subtask, a comment, labels, dependencies both ways and a file."""
    headers = board.member.headers
    other = await new_task(client, board, title="other")
    task = await new_task(client, board, title="Doomed report", labels=["red", "blue"])
    child = await new_task(client, board, title="child", parent_id=task["id"])
    comment = await client.post(
        f"/api/v1/tasks/{task['id']}/comments", json={"body": "hello"}, headers=headers
    )
    assert comment.status_code == 201, comment.text
    for a, b in ((task["id"], other["id"]), (other["id"], child["id"])):
        added = await client.post(
            f"/api/v1/tasks/{a}/dependencies", json={"depends_on_id": b}, headers=headers
        )
        assert added.status_code == 201, added.text
    file = await uploaded(client, task["id"], board.member, BODY)
    return {"task": task, "child": child, "other": other, "comment": comment.json(), "file": file}


async def _gone_everywhere(client: httpx.AsyncClient, board: Board, tree: dict[str, Any]) -> None:
    headers = board.member.headers
    task, child = tree["task"], tree["child"]
    for url in (
        f"/api/v1/tasks/{task['id']}",
        f"/api/v1/tasks/{child['id']}",
        f"/api/v1/tasks/{task['id']}/comments",
        f"/api/v1/tasks/{task['id']}/subtasks",
        f"/api/v1/tasks/{task['id']}/attachments",
        f"/api/v1/attachments/{tree['file']['id']}",
        f"/api/v1/workspaces/{board.workspace_id}/tasks/by-key/{task['key']}",
    ):
        assert (await client.get(url, headers=headers)).status_code == 404, url
    listed = await client.get(f"/api/v1/projects/{board.project_id}/tasks", headers=headers)
    assert {t["id"] for t in listed.json()["items"]} == {tree["other"]["id"]}
    found = await client.get(
        f"/api/v1/projects/{board.project_id}/tasks", params={"q": "Doomed"}, headers=headers
    )
    assert found.json()["items"] == []
    everywhere = await client.get(f"/api/v1/workspaces/{board.workspace_id}/tasks", headers=headers)
    assert [t["id"] for t in everywhere.json()["items"]] == [tree["other"]["id"]]
    deps = await client.get(f"/api/v1/tasks/{tree['other']['id']}/dependencies", headers=headers)
    assert deps.json()["items"] == []


async def test_delete_moves_to_the_trash_and_restore_brings_everything_back(
    client: httpx.AsyncClient, settings: Settings, storage_dir: Path
) -> None:
    board = await new_board(client)
    headers = board.member.headers
    tree = await _a_tree(client, board)
    task = tree["task"]
    before = await progress(client, board)
    deleted = await client.delete(f"/api/v1/tasks/{task['id']}", headers=headers)
    assert deleted.status_code == 204
    assert await progress(client, board) == before - 2  # the task and its subtask
    await _gone_everywhere(client, board, tree)

    trash = await client.get(f"/api/v1/workspaces/{board.workspace_id}/trash", headers=headers)
    assert trash.status_code == 200
    [item] = trash.json()["items"]
    assert (item["id"], item["key"], item["title"]) == (task["id"], "WEB-2", "Doomed report")
    assert item["project"] == {"id": board.project_id, "name": "Website"}
    assert item["deleted_by"]["id"] == board.member.id
    purge_in = item_time(item["purge_at"]) - item_time(item["deleted_at"])
    assert purge_in == timedelta(days=30)
    # The file stays stored while the task is in the trash, whatever the sweep does.
    await run_job(settings, "attachments.cleanup")
    assert (storage_dir / board.workspace_id / tree["file"]["id"]).exists()

    viewer = await client.post(f"/api/v1/tasks/{task['id']}/restore", headers=board.viewer.headers)
    assert viewer.status_code == 403
    restored = await client.post(f"/api/v1/tasks/{task['id']}/restore", headers=headers)
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert (body["id"], body["key"], body["number"]) == (task["id"], task["key"], task["number"])
    assert sorted(body["labels"]) == ["blue", "red"]
    assert body["depends_on"] == [tree["other"]["id"]]
    assert restored.headers["ETag"] == f'"{body["version"]}"'
    assert await progress(client, board) == before
    assert body["dropped"] == []
    again = await client.post(f"/api/v1/tasks/{task['id']}/restore", headers=headers)
    assert again.status_code == 404

    comments = await client.get(f"/api/v1/tasks/{task['id']}/comments", headers=headers)
    assert [c["id"] for c in comments.json()["items"]] == [tree["comment"]["id"]]
    subtasks = await client.get(f"/api/v1/tasks/{task['id']}/subtasks", headers=headers)
    assert [c["id"] for c in subtasks.json()["items"]] == [tree["child"]["id"]]
    deps = await client.get(f"/api/v1/tasks/{tree['other']['id']}/dependencies", headers=headers)
    assert [d["id"] for d in deps.json()["items"]] == [tree["child"]["id"]]
    deps = await client.get(f"/api/v1/tasks/{task['id']}/dependencies", headers=headers)
    assert [d["id"] for d in deps.json()["items"]] == [tree["other"]["id"]]
    files = await client.get(f"/api/v1/tasks/{task['id']}/attachments", headers=headers)
    assert [f["id"] for f in files.json()["items"]] == [tree["file"]["id"]]
    by_key = await client.get(
        f"/api/v1/workspaces/{board.workspace_id}/tasks/by-key/{task['key']}", headers=headers
    )
    assert by_key.status_code == 200
    found = await client.get(
        f"/api/v1/projects/{board.project_id}/tasks", params={"q": "Doomed"}, headers=headers
    )
    assert [t["id"] for t in found.json()["items"]] == [task["id"]]
    trail = await client.get(f"/api/v1/tasks/{task['id']}/activity", headers=headers)
    actions = [e["action"] for e in trail.json()["items"]]
    assert actions[:2] == ["restored", "deleted"]
    empty = await client.get(f"/api/v1/workspaces/{board.workspace_id}/trash", headers=headers)
    assert empty.json()["items"] == []


async def progress(client: httpx.AsyncClient, board: Board) -> int:
    """How many tasks the project's progress figure counts."""
    counts = await client.get(
        "/api/v1/analytics/project-progress",
        params={"workspace_id": board.workspace_id, "project_id": board.project_id},
        headers=board.member.headers,
    )
    assert counts.status_code == 200, counts.text
    total: int = counts.json()["total"]
    return total


def item_time(value: str) -> Any:
    """A timestamp of a body."""
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def run_job(settings: Settings, kind: str, values: Settings | None = None) -> None:
    """Run a registered handler the way the job runner does: it commits, not the handler."""
    database = Database(settings.database)
    async with database.session() as session:
        context = JobContext(
            session=session, database=database, settings=values or settings, job_id="t", attempt=1
        )
        await job_registry().get(kind)(context, {})
        await session.commit()
    await database.dispose()


async def test_restore_drops_links_to_what_is_gone_and_reports_it(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    headers = board.member.headers
    other = await new_task(client, board, title="depended on")
    task = await new_task(client, board, title="t", assignee_id=board.member.id)
    added = await client.post(
        f"/api/v1/tasks/{task['id']}/dependencies",
        json={"depends_on_id": other["id"]},
        headers=headers,
    )
    assert added.status_code == 201
    assert (await client.delete(f"/api/v1/tasks/{task['id']}", headers=headers)).status_code == 204
    assert (await client.delete(f"/api/v1/tasks/{other['id']}", headers=headers)).status_code == 204
    purged = await client.delete(f"/api/v1/trash/{other['id']}", headers=headers)
    assert purged.status_code == 403  # admins only
    purged = await client.delete(f"/api/v1/trash/{other['id']}", headers=board.owner.headers)
    assert purged.status_code == 204
    removed = await client.delete(
        f"/api/v1/workspaces/{board.workspace_id}/members/{board.member.id}",
        headers=board.owner.headers,
    )
    assert removed.status_code == 204, removed.text
    restored = await client.post(f"/api/v1/tasks/{task['id']}/restore", headers=board.owner.headers)
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert body["assignee_id"] is None
    assert body["depends_on"] == []
    dropped = {(d["table"], d["outcome"]) for d in body["dropped"]}
    assert dropped == {("task", "cleared"), ("task_dependency", "left out")}


async def test_a_task_whose_project_is_gone_cannot_be_restored(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    task = await new_task(client, board)
    await client.delete(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
    gone = await client.delete(f"/api/v1/projects/{board.project_id}", headers=board.owner.headers)
    assert gone.status_code == 204, gone.text
    refused = await client.post(f"/api/v1/tasks/{task['id']}/restore", headers=board.owner.headers)
    assert refused.status_code == 409
    assert "project" in refused.json()["detail"]


async def test_strangers_and_hidden_projects_see_no_trash(client: httpx.AsyncClient) -> None:
    board, stranger = await new_board(client), await new_board(client)
    task = await new_task(client, board)
    await client.delete(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
    for method, url in (
        ("GET", f"/api/v1/workspaces/{board.workspace_id}/trash"),
        ("POST", f"/api/v1/tasks/{task['id']}/restore"),
        ("DELETE", f"/api/v1/trash/{task['id']}"),
    ):
        answer = await client.request(method, url, headers=stranger.owner.headers)
        assert answer.status_code == 404, (method, url)
    secret = await client.post(
        f"/api/v1/workspaces/{board.workspace_id}/projects",
        json={"name": "Secret", "key": "SEC", "visibility": "private"},
        headers=board.owner.headers,
    )
    assert secret.status_code == 201, secret.text
    hidden = await client.post(
        f"/api/v1/projects/{secret.json()['id']}/tasks",
        json={"title": "hidden"},
        headers=board.owner.headers,
    )
    await client.delete(f"/api/v1/tasks/{hidden.json()['id']}", headers=board.owner.headers)
    mine = await client.get(
        f"/api/v1/workspaces/{board.workspace_id}/trash", headers=board.member.headers
    )
    assert [i["id"] for i in mine.json()["items"]] == [task["id"]]
    admins = await client.get(
        f"/api/v1/workspaces/{board.workspace_id}/trash", headers=board.owner.headers
    )
    assert {i["id"] for i in admins.json()["items"]} == {task["id"], hidden.json()["id"]}
    refused = await client.post(
        f"/api/v1/tasks/{hidden.json()['id']}/restore", headers=board.member.headers
    )
    assert refused.status_code == 404


async def test_the_trash_pages_newest_first(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    ids = []
    for n in range(5):
        task = await new_task(client, board, title=f"t{n}")
        await client.delete(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
        ids.append(task["id"])
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await client.get(
            f"/api/v1/workspaces/{board.workspace_id}/trash",
            params=params,
            headers=board.viewer.headers,
        )
        assert page.status_code == 200, page.text
        seen += [i["id"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    bad = await client.get(
        f"/api/v1/workspaces/{board.workspace_id}/trash",
        params={"limit": 101},
        headers=board.member.headers,
    )
    assert bad.status_code == 422


async def test_concurrent_restores_restore_once(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    board = await new_board(client)
    task = await new_task(client, board)
    await new_task(client, board, title="child", parent_id=task["id"])
    await client.delete(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
    answers = await asyncio.gather(
        *(
            client.post(f"/api/v1/tasks/{task['id']}/restore", headers=board.member.headers)
            for _ in range(4)
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert codes.count(200) == 1, [a.text for a in answers]
    assert set(codes) <= {200, 404, 409, 503}
    trail = await client.get(f"/api/v1/tasks/{task['id']}/activity", headers=board.member.headers)
    assert [e["action"] for e in trail.json()["items"]].count("restored") == 1
    listed = await client.get(
        f"/api/v1/projects/{board.project_id}/tasks", headers=board.member.headers
    )
    assert len(listed.json()["items"]) == 2


async def test_a_restore_replays_with_its_idempotency_key(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board)
    await client.delete(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
    headers = board.member.headers | {"Idempotency-Key": "restore-1"}
    first = await client.post(f"/api/v1/tasks/{task['id']}/restore", headers=headers)
    second = await client.post(f"/api/v1/tasks/{task['id']}/restore", headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.json() == first.json()


async def test_the_daily_purge_removes_expired_trash_and_its_files(
    client: httpx.AsyncClient, settings: Settings, storage_dir: Path
) -> None:
    assert "trash.purge" in job_registry().periodic
    board = await new_board(client)
    old, recent = await new_task(client, board), await new_task(client, board)
    file = await uploaded(client, old["id"], board.member, BODY)
    for task in (old, recent):
        await client.delete(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
    database = Database(settings.database)
    async with database.session() as session:
        await session.execute(
            update(TrashedTask)
            .where(TrashedTask.id == old["id"])
            .values(purge_at=utcnow() - timedelta(minutes=1))
        )
        await session.execute(
            update(Attachment)
            .where(Attachment.id == file["id"])
            .values(upload_expires_at=utcnow() - timedelta(days=1))
        )
        await session.commit()
    await run_job(settings, "trash.purge")
    listed = await client.get(
        f"/api/v1/workspaces/{board.workspace_id}/trash", headers=board.member.headers
    )
    assert [i["id"] for i in listed.json()["items"]] == [recent["id"]]
    async with database.session(writes=False) as session:
        members = await session.scalar(select(func.count()).select_from(TrashedTaskMember))
    await database.dispose()
    assert members == 1
    gone = await client.post(f"/api/v1/tasks/{old['id']}/restore", headers=board.member.headers)
    assert gone.status_code == 404
    await run_job(settings, "attachments.cleanup")
    assert not (storage_dir / board.workspace_id / file["id"]).exists()


async def test_references_the_delete_only_cleared_come_back(client: httpx.AsyncClient) -> None:
    """A notification about the task outlives the delete without it, and gets it back."""
    board = await new_board(client)
    task = await new_task(client, board, assignee_id=board.owner.id)

    async def inbox() -> dict[str, str | None]:
        found = await client.get("/api/v1/notifications", headers=board.owner.headers)
        assert found.status_code == 200, found.text
        return {n["id"]: n["task_id"] for n in found.json()["items"]}

    [assigned] = (await inbox()).keys()
    assert (await inbox())[assigned] == task["id"]
    await client.delete(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
    assert await inbox() == {assigned: None}
    restored = await client.post(
        f"/api/v1/tasks/{task['id']}/restore", headers=board.member.headers
    )
    assert restored.status_code == 200
    # The old notification points at the task again (the restore, a creation, tells anew).
    assert (await inbox())[assigned] == task["id"]
