"""A commit whose acknowledgement is lost: the retry must replay, never write a second task.

When the connection drops while PostgreSQL acknowledges a COMMIT (a crash or a network cut
at that instant), the server cannot know whether the request's transaction was kept. It
answers 503 and releases the Idempotency-Key claim so that a retry can run again. If the
commit was in fact kept, the stored answer must survive that release: the retry then gets
the first answer replayed instead of creating the task a second time.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from smarttask.db.engine import Database
from smarttask.db.hooks import HookedSession
from smarttask.kit.idempotency import repository as idempotency_repository
from smarttask.settings import Settings
from smarttask.tasks.models import Task
from tests.support.tasks import new_board


async def test_a_kept_commit_whose_answer_was_lost_is_replayed_not_redone(
    client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = await new_board(client)
    armed = {"fail_next_commit": False, "lost": 0}
    store_response = idempotency_repository.store_response
    commit = HookedSession.commit

    async def storing(*args: Any, **kwargs: Any) -> None:
        await store_response(*args, **kwargs)
        armed["fail_next_commit"] = True  # the request's own commit comes next

    async def commit_then_lose_the_answer(self: HookedSession) -> None:
        await commit(self)
        if armed["fail_next_commit"]:
            armed["fail_next_commit"] = False
            armed["lost"] += 1
            raise sa_exc.OperationalError(
                "COMMIT", None, ConnectionResetError("connection lost during COMMIT")
            )

    monkeypatch.setattr(idempotency_repository, "store_response", storing)
    monkeypatch.setattr(HookedSession, "commit", commit_then_lose_the_answer)
    url = f"/api/v1/projects/{board.project_id}/tasks"
    headers = board.member.headers | {"Idempotency-Key": "in-doubt-1"}
    body = {"title": "written once"}

    first = await client.post(url, json=body, headers=headers)
    assert first.status_code == 503  # the server cannot know; the client must retry
    assert armed["lost"] == 1
    monkeypatch.setattr(idempotency_repository, "store_response", store_response)
    retried = await client.post(url, json=body, headers=headers)
    assert retried.status_code == 201
    assert retried.headers["idempotent-replayed"] == "true"

    database = Database(settings.database)
    try:
        async with database.session(writes=False) as session:
            stored = await session.scalar(
                select(func.count()).select_from(Task).where(Task.title == "written once")
            )
    finally:
        await database.dispose()
    assert stored == 1
