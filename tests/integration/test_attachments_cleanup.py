"""The attachments.cleanup job: tombstones, never-completed uploads, files of purged tasks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from smarttask.adapters.storage.base import UploadTicket
from smarttask.attachments.cleanup import sweep
from smarttask.attachments.models import Attachment
from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.jobs.registry import JobContext
from smarttask.settings import Settings
from tests.support import job_registry
from tests.support.attachments import board_with_task, declare, send_bytes, uploaded
from tests.support.tasks import new_task

BODY = b"0123456789"


@pytest.fixture
def storage_dir(tmp_path: Path) -> Path:
    """Where the app under test keeps its files."""
    return tmp_path / "objects"


@pytest.fixture
def settings_overrides(storage_dir: Path) -> dict[str, Any]:
    """Files go to a folder of the test's own."""
    return {"storage_path": str(storage_dir)}


async def age(settings: Settings, attachment_id: str, *, created: bool, upload: bool) -> None:
    """Move an attachment's creation and/or upload expiry two days into the past."""
    past = utcnow() - timedelta(days=2)
    values: dict[str, Any] = {}
    if created:
        values["created_at"] = past
    if upload:
        values["upload_expires_at"] = past
    database = Database(settings.database)
    async with database.session() as session:
        await session.execute(
            update(Attachment).where(Attachment.id == attachment_id).values(**values)
        )
        await session.commit()
    await database.dispose()


async def run_cleanup(settings: Settings) -> None:
    """Run the registered handler the way the job runner does: it commits, not the handler."""
    database = Database(settings.database)
    async with database.session() as session:
        context = JobContext(
            session=session, database=database, settings=settings, job_id="test", attempt=1
        )
        await job_registry().get("attachments.cleanup")(context, {})
        await session.commit()
    await database.dispose()


async def remaining(settings: Settings) -> dict[str, str]:
    """Attachment rows left: id -> status."""
    database = Database(settings.database)
    async with database.session(writes=False) as session:
        rows = (await session.execute(select(Attachment.id, Attachment.status))).all()
    await database.dispose()
    return {row.id: row.status for row in rows}


async def test_cleanup_purges_what_is_no_longer_wanted(
    client: httpx.AsyncClient, settings: Settings, storage_dir: Path
) -> None:
    assert "attachments.cleanup" in job_registry().periodic
    board, task_id = await board_with_task(client)
    kept = await uploaded(client, task_id, board.member, BODY)
    recent = (await declare(client, task_id, board.member, size=10)).json()

    stale = (await declare(client, task_id, board.member, size=10)).json()
    await send_bytes(client, stale["upload"], BODY)  # uploaded but never completed
    await age(settings, stale["id"], created=True, upload=True)

    deleted = (await declare(client, task_id, board.member, size=10)).json()
    gone = await client.delete(f"/api/v1/attachments/{deleted['id']}", headers=board.member.headers)
    assert gone.status_code == 204
    # Its upload URL is still validly signed, but a late upload stores nothing.
    assert (await send_bytes(client, deleted["upload"], BODY)).status_code == 404

    doomed_task = (await new_task(client, board))["id"]
    orphan = await uploaded(client, doomed_task, board.member, BODY)
    orphan_pending = (await declare(client, doomed_task, board.member, size=10)).json()
    assert (
        await client.delete(f"/api/v1/tasks/{doomed_task}", headers=board.member.headers)
    ).status_code == 204
    # In the trash its files stay; deleted from the trash for good, they go.
    assert (
        await client.delete(f"/api/v1/trash/{doomed_task}", headers=board.owner.headers)
    ).status_code == 204
    await age(settings, orphan["id"], created=False, upload=True)

    def stored(attachment: dict[str, Any]) -> Path:
        return storage_dir / board.workspace_id / attachment["id"]

    await run_cleanup(settings)
    rows = await remaining(settings)
    assert rows == {
        kept["id"]: "ready",
        recent["id"]: "pending",
        deleted["id"]: "deleted",  # tombstone: its upload URL has not expired yet
        orphan_pending["id"]: "pending",  # same: an upload may still land
    }
    assert not stored(stale).exists()
    assert not stored(orphan).exists()
    assert stored(kept).exists()
    assert not stored(deleted).exists()

    await age(settings, deleted["id"], created=False, upload=True)
    await age(settings, orphan_pending["id"], created=False, upload=True)
    await run_cleanup(settings)
    assert await remaining(settings) == {kept["id"]: "ready", recent["id"]: "pending"}
    assert not stored(deleted).exists()
    download = await client.get(kept["download_url"])
    assert download.content == BODY

    trail = await client.get(
        f"/api/v1/workspaces/{board.workspace_id}/activity", headers=board.owner.headers
    )
    expired = [
        e
        for e in trail.json()["items"]
        if e["entity_id"] == stale["id"] and e["action"] == "deleted"
    ]
    assert len(expired) == 1
    assert expired[0]["actor_id"] is None
    assert expired[0]["changes"]["reason"] == {"old": "never completed", "new": None}


class BrokenStorage:
    """A store that cannot delete anything right now (an outage)."""

    name = "broken"

    def presign_upload(self, key: str, size: int, content_type: str, ttl: int) -> UploadTicket:
        raise AssertionError("not used")

    async def stat(self, key: str) -> int | None:
        raise AssertionError("not used")

    def presign_download(self, key: str, filename: str, content_type: str, ttl: int) -> str:
        raise AssertionError("not used")

    async def delete(self, key: str) -> None:
        raise OSError("storage unavailable")


async def test_rows_stay_when_their_objects_cannot_be_deleted(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    board, task_id = await board_with_task(client)
    ids = [(await declare(client, task_id, board.member, size=10)).json()["id"] for _ in range(3)]
    for attachment_id in ids:
        await age(settings, attachment_id, created=True, upload=True)
    database = Database(settings.database)
    async with database.session() as session:
        result = await sweep(session, BrokenStorage(), settings.files, batch=2)
        await session.commit()
    await database.dispose()
    assert (result.purged, result.failed) == (0, 3)
    assert set(await remaining(settings)) == set(ids)
    await run_cleanup(settings)
    assert await remaining(settings) == {}
