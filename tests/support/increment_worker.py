"""A separate process that fires increments at one counter through its own app instance.

Usage: python -m tests.support.increment_worker DATABASE_URL NAME COUNT CONCURRENCY
Prints the number of 200 answers.
"""

from __future__ import annotations

import asyncio
import sys

import httpx

from smarttask.app import create_app
from tests.support import make_settings


async def fire(database_url: str, name: str, count: int, concurrency: int) -> int:
    """Send `count` increments, `concurrency` at a time; how many succeeded."""
    app = create_app(make_settings(database_url, rate_limit_enabled=False, log_level="WARNING"))
    transport = httpx.ASGITransport(app=app)
    ok = 0
    remaining = count

    async with httpx.AsyncClient(transport=transport, base_url="http://worker") as http:

        async def one_worker() -> None:
            nonlocal ok, remaining
            while remaining > 0:
                remaining -= 1
                response = await http.post(f"/api/v1/counters/{name}/increment")
                if response.status_code == 200:
                    ok += 1
                else:
                    print(response.status_code, response.text, file=sys.stderr)

        await asyncio.gather(*(one_worker() for _ in range(concurrency)))
    await app.state.database.dispose()
    return ok


if __name__ == "__main__":
    url, counter, total, parallel = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    print(asyncio.run(fire(url, counter, total, parallel)))
