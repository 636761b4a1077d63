"""Regressions found by the body fuzz (test_body_fuzz.py): each was a 500, a 2xx for garbage
or a row left behind; each is now a 4xx problem that writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from smarttask.kit.errors import MAX_ERRORS
from smarttask.kit.idempotency.models import IdempotencyKey
from smarttask.tasks.models import Task
from tests.support import add_probe_routes
from tests.support.accounts import app_of, assert_problem
from tests.support.tasks import Board, new_board

JSON = {"content-type": "application/json"}


async def count(client: httpx.AsyncClient, model: Any) -> int:
    """Rows of a table in the app's database."""
    async with app_of(client).state.database.session() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def post_task(client: httpx.AsyncClient, board: Board, raw: bytes, **headers: str) -> Any:
    """POST raw bytes as a new task of the board, as its member."""
    return await client.post(
        f"/api/v1/projects/{board.project_id}/tasks",
        content=raw,
        headers={**board.member.headers, **JSON, **headers},
    )


@pytest.mark.parametrize(
    "raw",
    [
        # Nested as deep as the JSON parser goes: the NUL check recursed (RecursionError, 500).
        b'{"title": "t", "labels": ' + b"[" * 900 + b"]" * 900 + b"}",
        b'{"title": ' + b'{"a": ' * 900 + b"1" + b"}" * 900 + b"}",
        # Deeper than the parser goes: FastAPI's "error parsing the body" 400, now a 422.
        b"[" * 10_000 + b"]" * 10_000,
        # Not UTF-8 (an overlong "/", Latin-1), and an integer longer than Python converts.
        b'{"title": "\xc0\xaf"}',
        b'{"title": "caf\xe9"}',
        b'{"title": "t", "estimate_minutes": ' + b"9" * 5000 + b"}",
    ],
    ids=["deep-array", "deep-object", "deeper-than-parser", "overlong", "latin-1", "long-int"],
)
async def test_unparsable_or_deep_bodies_are_422(client: httpx.AsyncClient, raw: bytes) -> None:
    board = await new_board(client)
    body = assert_problem(await post_task(client, board, raw), 422)
    assert body["errors"]
    assert await count(client, Task) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"estimate_minutes": True},
        {"estimate_minutes": "5"},
        {"estimate_minutes": 5.0},
        {"due_at": 0},
        # Valid RFC 3339, but before year 1 or after 9999 once in UTC: an OverflowError at
        # the database driver (500) on both backends.
        {"due_at": "0001-01-01T00:00:00+14:00"},
        {"due_at": "9999-12-31T23:59:59-14:00"},
    ],
)
async def test_coerced_or_out_of_range_task_fields_are_422(
    client: httpx.AsyncClient, fields: dict[str, Any]
) -> None:
    board = await new_board(client)
    response = await client.post(
        f"/api/v1/projects/{board.project_id}/tasks",
        json={"title": "t", **fields},
        headers=board.member.headers,
    )
    body = assert_problem(response, 422)
    assert [e["loc"] for e in body["errors"]] == [["body", next(iter(fields))]]
    assert await count(client, Task) == 0


async def test_out_of_range_token_expiry_is_422(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    response = await client.post(
        "/api/v1/users/me/tokens",
        json={"name": "t", "expires_at": "9999-12-31T23:59:59-14:00"},
        headers=board.owner.headers,
    )
    assert assert_problem(response, 422)["errors"][0]["type"] == "datetime_out_of_range"


async def _chunks(size: int) -> AsyncIterator[bytes]:
    """`size` bytes sent without a Content-Length (chunked)."""
    for _ in range(size // 65536 + 1):
        yield b" " * 65536


@pytest.mark.parametrize("route", ["body", "hot"])
async def test_chunked_body_over_the_limit_with_an_idempotency_key_is_413(
    client_with: Any, route: str
) -> None:
    client = await client_with(max_body_bytes=64 * 1024)
    board = await new_board(client)
    # The key made the unit of work read the body itself, outside FastAPI: the limit's
    # exception escaped as a 500.
    url, headers = (
        (f"/api/v1/projects/{board.project_id}/tasks", board.member.headers)
        if route == "body"
        else ("/api/v1/counters/chunked/increment", {})
    )
    response = await client.post(
        url,
        content=_chunks(128 * 1024),
        headers={**headers, **JSON, "Idempotency-Key": "big"},
    )
    assert_problem(response, 413)
    assert await count(client, IdempotencyKey) == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/workspaces/{ws}/tasks?q=a%00b",
        "/api/v1/workspaces/{ws}/tasks?label=a%00b",
        "/api/v1/tasks/a%00b",
        "/api/v1/projects/a%00b/tasks",
    ],
)
async def test_nul_bytes_in_urls_are_422(client: httpx.AsyncClient, url: str) -> None:
    # PostgreSQL refuses NUL in text: these reached asyncpg and answered 500.
    board = await new_board(client)
    response = await client.get(url.format(ws=board.workspace_id), headers=board.member.headers)
    assert assert_problem(response, 422)["errors"][0]["msg"] == "NUL bytes are not allowed"


async def test_a_body_refused_by_validation_leaves_no_idempotency_key(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    key = {"Idempotency-Key": "first-try"}
    refused = await post_task(client, board, b'{"title": 5}', **key)
    assert_problem(refused, 422)
    assert await count(client, IdempotencyKey) == 0
    # The operation never ran, so the corrected body may reuse the key.
    fixed = await post_task(client, board, b'{"title": "five"}', **key)
    assert fixed.status_code == 201, fixed.text
    replay = await post_task(client, board, b'{"title": "five"}', **key)
    assert replay.headers["idempotent-replayed"] == "true"
    assert await count(client, IdempotencyKey) == 1
    assert await count(client, Task) == 1


async def test_a_refusal_after_the_operation_ran_is_still_stored(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    # A well-formed body the service refuses (no such parent): that answer is final.
    body = b'{"title": "t", "parent_id": "00000000-0000-4000-8000-000000000000"}'
    first = await post_task(client, board, body, **{"Idempotency-Key": "ran"})
    assert first.status_code == 422, first.text
    again = await post_task(client, board, body, **{"Idempotency-Key": "ran"})
    assert again.headers["idempotent-replayed"] == "true"
    assert await count(client, IdempotencyKey) == 1


async def test_validation_errors_are_capped(app: Any, client: httpx.AsyncClient) -> None:
    add_probe_routes(app)
    response = await client.post("/api/v1/_probe/echo", json={"name": "a", "tags": [1] * 500})
    body = assert_problem(response, 422)
    assert len(body["errors"]) == MAX_ERRORS
    assert f"the first {MAX_ERRORS} of 500" in body["detail"]
