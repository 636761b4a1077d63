from __future__ import annotations

from typing import Any

from tests.support.browser import LiveServer, assert_accessible, screenshot
from tests.support.web_tasks import new_task, open_as, setup


async def test_smoke(page: Any, server: LiveServer) -> None:
    s = await setup(server.base_url)
    task = await new_task(server.base_url, s.owner, s.project_id, title="Ship it", description="- Write the tests\n- Deploy", due_at="2030-01-01T10:00:00Z")
    await open_as(page, s.owner, f"/tasks/{task['id']}")
    await screenshot(page, "smoke")
    print(await page.inner_text("main"))
    assert page.js_errors == []
    await assert_accessible(page)
