"""Executive summaries through the API: the local analyser, a vendor through the real openai
SDK against a fake server (a sentence with an invented number is refused), a vendor that is
down (the dashboard never waits on it), the cache, and the setting that turns them off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.fakes.llm_servers import OpenAIServer, ok, server_error
from tests.support.tasks import new_board, new_task

SUMMARY = "/api/v1/analytics/summary"


@pytest.fixture
def vendor() -> Iterator[OpenAIServer]:
    """A fake OpenAI server on an ephemeral port."""
    server = OpenAIServer()
    server.start()
    yield server
    server.stop()


# The summary's time limit covers the vendor SDK's first import too (seconds on a loaded
# 2-core machine); these tests are about answers, not time-outs.
LOADED = 15.0


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d[\d,.\-]*", text)


async def test_local_summary_speaks_only_of_the_dashboards_numbers(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    for status in ("done", "done", "todo", "in_progress"):
        await new_task(client, board, status=status)
    params = {"workspace_id": board.workspace_id}
    answer = await client.get(SUMMARY, params=params, headers=board.viewer.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["enabled"] is True
    assert body["refused"] == 0
    assert body["sentences"][0].startswith("4 tasks were created and 2 completed from ")
    dash = (
        await client.get("/api/v1/analytics/dashboard", params=params, headers=board.viewer.headers)
    ).json()
    assert dash["to"] in body["sentences"][0]
    stranger = await client.get(
        SUMMARY, params=params, headers=(await new_board(client)).owner.headers
    )
    assert stranger.status_code == 404


async def test_a_vendors_invented_number_is_refused_and_the_answer_cached(
    client_with: Any, vendor: OpenAIServer
) -> None:
    client = await client_with(
        **vendor.settings_overrides(ai_max_retries=0, ai_timeout_seconds=LOADED)
    )
    board = await new_board(client)
    await new_task(client, board, status="done")
    vendor.enqueue(
        ok(
            {
                "sentences": [
                    "1 task was created and 1 completed.",
                    "Completion will be 250% higher next week.",
                ]
            }
        )
    )
    params = {"workspace_id": board.workspace_id}
    first = (await client.get(SUMMARY, params=params, headers=board.member.headers)).json()
    assert first["sentences"] == ["1 task was created and 1 completed."]
    assert (first["refused"], first["model"]) == (1, "gpt-4o-mini")
    calls = len(vendor.requests)
    again = (await client.get(SUMMARY, params=params, headers=board.member.headers)).json()
    assert again == first
    assert len(vendor.requests) == calls  # the same figures are not asked twice
    assert "<figures>" in vendor.requests[-1].prompt


async def test_a_vendor_that_fails_gives_a_note_and_the_dashboard_answers(
    client_with: Any, vendor: OpenAIServer
) -> None:
    client = await client_with(
        **vendor.settings_overrides(ai_max_retries=0, ai_timeout_seconds=LOADED)
    )
    board = await new_board(client)
    vendor.default = server_error()
    params = {"workspace_id": board.workspace_id}
    body = (await client.get(SUMMARY, params=params, headers=board.member.headers)).json()
    assert body["sentences"] == []
    assert body["note"].startswith("No summary: ")
    assert "test-key-123" not in body["note"]
    dash = await client.get(
        "/api/v1/analytics/dashboard", params=params, headers=board.member.headers
    )
    assert dash.status_code == 200


async def test_summaries_can_be_turned_off(client_with: Any) -> None:
    client = await client_with(ai_summaries=False)
    board = await new_board(client)
    body = (
        await client.get(
            SUMMARY, params={"workspace_id": board.workspace_id}, headers=board.member.headers
        )
    ).json()
    assert body == {
        "enabled": False,
        "sentences": [],
        "refused": 0,
        "model": None,
        "note": None,
    }
