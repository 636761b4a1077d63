"""The paging helper: where a page ends, and the cursor of the next one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from smarttask.kit.pagination import Rows, by_creation, created_keyset, fetch_page

START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """A stored row, listed in (created_at, id) order."""

    id: str
    created_at: datetime


@dataclass
class FakeRepository:
    """Rows in keyset order, and the sizes asked for."""

    rows: list[Row]
    asked: list[int]

    async def fetch(self, after: tuple[datetime, str] | None, size: int) -> list[Row]:
        """At most `size` rows after the position, like a repository's keyset query."""
        self.asked.append(size)
        found = [r for r in self.rows if after is None or (r.created_at, r.id) > after]
        return found[:size]


def repository(count: int) -> FakeRepository:
    # Two rows per instant: the id decides their order, as in the SQL.
    rows = [Row(f"r{n:02d}", START + timedelta(seconds=n // 2)) for n in range(count)]
    return FakeRepository(rows, [])


async def page(repo: FakeRepository, cursor: str | None, limit: int) -> Rows[Row]:
    return await fetch_page(created_keyset(cursor), limit, repo.fetch, by_creation)


async def test_a_full_last_page_has_no_next_cursor() -> None:
    repo = repository(3)
    rows = await page(repo, None, 3)
    assert [r.id for r in rows.items] == ["r00", "r01", "r02"]
    assert rows.next_cursor is None
    assert repo.asked == [4]


async def test_one_row_more_gives_a_cursor_at_the_last_item_returned() -> None:
    repo = repository(4)
    rows = await page(repo, None, 3)
    assert [r.id for r in rows.items] == ["r00", "r01", "r02"]
    assert rows.next_cursor is not None
    assert created_keyset(rows.next_cursor) == (rows.items[-1].created_at, "r02")
    last = await page(repo, rows.next_cursor, 3)
    assert [r.id for r in last.items] == ["r03"]
    assert last.next_cursor is None


async def test_an_empty_list_is_one_empty_page() -> None:
    rows = await page(repository(0), None, 5)
    assert rows.items == []
    assert rows.next_cursor is None


@pytest.mark.parametrize(("count", "limit"), [(10, 5), (11, 5), (9, 1), (7, 100)])
async def test_following_the_cursors_lists_every_row_once(count: int, limit: int) -> None:
    repo = repository(count)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        rows = await page(repo, cursor, limit)
        assert len(rows.items) <= limit
        seen += [r.id for r in rows.items]
        pages += 1
        cursor = rows.next_cursor
        if cursor is None:
            break
    assert seen == [r.id for r in repo.rows]
    assert pages == max(1, -(-count // limit))
    assert repo.asked == [limit + 1] * pages


def test_read_shapes_each_row_and_keeps_the_cursor() -> None:
    rows = Rows(items=[Row("a", START), Row("b", START)], next_cursor="next")
    page = rows.read(lambda row: row.id.upper())
    assert page.items == ["A", "B"]
    assert page.next_cursor == "next"
