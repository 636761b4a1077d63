"""Eight clients moving cards of one column at random for 30 s: the column ends in one total
order that every client reads back identically, with each of its cards exactly once."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.support.tasks import Board, new_board, new_task

CLIENTS = 8
CARDS = 16
SECONDS = 30


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """SQLite writers wait their turn longer: eight of them on a loaded machine."""
    return {"db_statement_timeout": 30.0}


async def _column(http: httpx.AsyncClient, board: Board) -> list[dict[str, Any]]:
    found = await http.get(
        f"/api/v1/projects/{board.project_id}/tasks",
        params={"sort": "rank", "status": "todo", "limit": 100},
        headers=board.member.headers,
    )
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


async def _mover(http: httpx.AsyncClient, board: Board, seed: int, deadline: float) -> Counter[int]:
    rng = random.Random(seed)
    answers: Counter[int] = Counter()
    while time.monotonic() < deadline:
        cards = await _column(http, board)
        card = rng.choice(cards)
        others = [c for c in cards if c["id"] != card["id"]]
        spot = rng.randint(0, len(others))
        body: dict[str, str] = {}
        if spot > 0:
            body["after_id"] = others[spot - 1]["id"]
        if spot < len(others) and rng.random() < 0.7:
            body["before_id"] = others[spot]["id"]
        moved = await http.post(
            f"/api/v1/tasks/{card['id']}/move", json=body, headers=board.member.headers
        )
        # 422: this client's read was stale (its two neighbours swapped meanwhile).
        assert moved.status_code in (200, 422), moved.text
        answers[moved.status_code] += 1
    return answers


async def test_eight_clients_moving_cards_keep_one_total_order(
    client: httpx.AsyncClient, app: Any
) -> None:
    board = await new_board(client)
    created = [await new_task(client, board, title=f"card {i}") for i in range(CARDS)]
    clients = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(f"203.0.113.{10 + n}", 50000)),
            base_url="http://testserver",
        )
        for n in range(CLIENTS)
    ]
    try:
        deadline = time.monotonic() + SECONDS
        tallies = await asyncio.gather(
            *(_mover(http, board, n, deadline) for n, http in enumerate(clients))
        )
        reads = [await _column(http, board) for http in clients]
    finally:
        for http in clients:
            await http.aclose()
    total = sum(tallies, Counter())
    assert total[200] > CLIENTS  # the clients really moved cards, concurrently
    orders = [[card["id"] for card in read] for read in reads]
    assert all(order == orders[0] for order in orders)
    assert sorted(orders[0]) == sorted(card["id"] for card in created)  # each card once
    keys = [(card["rank"], card["id"]) for card in reads[0]]
    assert keys == sorted(keys)
    assert len({card["rank"] for card in reads[0]}) == CARDS  # no two moves took one gap
    assert all(card["status"] == "todo" for card in reads[0])
