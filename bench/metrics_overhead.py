"""CPU per request with metrics off and on: the price of GET /metrics' request middleware.

Builds two apps on one SQLite database in a temporary folder, one with
SMARTTASK_METRICS_ENABLED=false and one with true, drives both in-process through ASGI
(bench/inprocess.py's `call`), alternating them round by round in the same run, and prints
the median process CPU time per request of each route, the difference, and the load average.
It also times one scrape of /metrics.

    .venv/bin/python bench/metrics_overhead.py [--requests 3000] [--rounds 7]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from inprocess import call  # noqa: E402

ROUTES = (("health-live", "GET", "/health/live"), ("counter-get", "GET", "/api/v1/counters/bench"))


async def measure(app: Any, method: str, path: str, requests: int) -> float:
    """CPU microseconds per request over `requests` requests."""
    started = time.process_time()
    for _ in range(requests):
        status, _ = await call(app, method, path, [])
        assert status == 200, status
    return (time.process_time() - started) / requests * 1e6


async def main() -> None:
    """Build both apps, warm them, measure alternately, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    from smarttask.app import create_app
    from smarttask.db.migrate import upgrade
    from smarttask.settings import Settings

    folder = tempfile.mkdtemp(prefix="smarttask-metrics-bench-")
    url = f"sqlite+aiosqlite:///{folder}/bench.db"
    await asyncio.to_thread(upgrade, url)
    common: dict[str, Any] = {
        "database_url": url,
        "secret_key": "metrics-bench-signing-key-0123456789abcdef",
        "log_level": "WARNING",
        "rate_limit_enabled": False,
        "data_dir": folder,
    }
    apps = {
        "off": create_app(Settings(_env_file=None, metrics_enabled=False, **common)),  # type: ignore[call-arg]
        "on": create_app(Settings(_env_file=None, metrics_enabled=True, **common)),  # type: ignore[call-arg]
    }
    status, _ = await call(apps["off"], "POST", "/api/v1/counters/bench/increment", [])
    assert status == 200
    figures: dict[tuple[str, str], list[float]] = {}
    for app in apps.values():  # warm-up
        for _, method, path in ROUTES:
            await measure(app, method, path, 300)
    for _ in range(args.rounds):
        for label, app in apps.items():
            for route, method, path in ROUTES:
                figures.setdefault((route, label), []).append(
                    await measure(app, method, path, args.requests)
                )
    started = time.perf_counter()
    status, body = await call(apps["on"], "GET", "/metrics", [])
    scrape_ms = (time.perf_counter() - started) * 1000
    print(f"load average before/after: {os.getloadavg()[0]:.2f} (1 min)")
    print(f"{'route':<14}{'off µs':>10}{'on µs':>10}{'extra µs':>10}")
    for route, _, _ in ROUTES:
        off = statistics.median(figures[(route, "off")])
        on = statistics.median(figures[(route, "on")])
        print(f"{route:<14}{off:>10.1f}{on:>10.1f}{on - off:>10.1f}")
    print(f"one scrape of /metrics: {scrape_ms:.1f} ms, {len(body)} bytes (status {status})")
    for app in apps.values():
        await app.state.database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
