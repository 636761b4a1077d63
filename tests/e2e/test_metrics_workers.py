"""GET /metrics of a real `smarttask serve --workers 2`: the counts of both workers summed
(prometheus_client's multi-process mode), the folder emptied at start; and a Lambda cold
start with metrics off never imports prometheus_client."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import httpx
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.support import free_port
from tests.support.faults import ServerProcess, base_env, wait_until
from tests.support.lambda_events import run_cold_handler

LIVE = "/health/live"
POOL_SIZE = 10  # base_env's SMARTTASK_DB_POOL_SIZE


def counted_by_process(folder: Path) -> dict[str, float]:
    """GET /health/live answers counted in each worker's own file, by process id."""
    found: dict[str, float] = {}
    for path in folder.glob("counter_*.db"):
        pid = path.stem.removeprefix("counter_")
        for metric in MultiProcessCollector.merge([str(path)], accumulate=False):
            for sample in metric.samples:
                if sample.name == "smarttask_http_requests_total" and sample.labels == {
                    "method": "GET",
                    "route": LIVE,
                    "status": "200",
                }:
                    found[pid] = found.get(pid, 0.0) + sample.value
    return found


async def test_two_workers_counts_are_summed(database_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = data / "prometheus"
    folder.mkdir(parents=True)
    stale = folder / "counter_999999.db"
    stale.write_bytes(b"left over from the last run")
    env = base_env(
        SMARTTASK_DATABASE_URL=database_url,
        SMARTTASK_DATA_DIR=str(data),
        SMARTTASK_METRICS_ENABLED="true",
        SMARTTASK_LOG_LEVEL="WARNING",
    )
    server = ServerProcess.serve(free_port(), env, tmp_path / "server.log", tmp_path, workers=2)
    server.start()
    try:
        await server.wait_healthy()
        assert not stale.exists()
        sent = 0
        # New connections each time, many at once: both workers take some (the kernel hands
        # a connection to whichever accepts first). Bounded: at most 20 rounds.
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=10) as http:
            for _ in range(20):
                answers = await asyncio.gather(*(http.get(LIVE) for _ in range(25)))
                assert {answer.status_code for answer in answers} == {200}
                sent += len(answers)
                if len(counted_by_process(folder)) >= 2:
                    break
            # A worker counts an answer once it is sent (its duration included), so the last
            # answers may reach the client a moment before their counts reach the files.

            async def all_counted() -> bool:
                return sum(counted_by_process(folder).values()) == sent

            await wait_until(all_counted, f"{sent} answers counted", limit=10)
            per_process = counted_by_process(folder)
            assert len(per_process) == 2, per_process
            assert sum(per_process.values()) == sent
            scraped = await http.get("/metrics")
        assert scraped.status_code == 200
        values = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(scraped.text)
            for sample in family.samples
        }
        key = (("method", "GET"), ("route", LIVE), ("status", "200"))
        assert values[("smarttask_http_requests_total", key)] == sent
        assert (
            values[
                (
                    "smarttask_http_request_duration_seconds_count",
                    (*key[:2], ("status_class", "2xx")),
                )
            ]
            == sent
        )
        # Gauges of the pools: the sum over the two live workers.
        assert values[("smarttask_db_pool", (("use", "size"),))] == 2 * POOL_SIZE
        # The job backlog is read from the database once, not summed per worker.
        jobs = (("kind", "mail.send"), ("state", "queued"))
        assert values[("smarttask_jobs", jobs)] == 0

        # A worker dies; uvicorn starts another. Its counts stay, its pool leaves the sum.
        first = server.children()  # the workers, and multiprocessing's resource tracker
        os.kill(int(min(per_process)), signal.SIGKILL)  # a worker: it has counted

        async def replaced() -> bool:
            workers = server.children()
            new = workers - first
            started = all((folder / f"gauge_livesum_{pid}.db").exists() for pid in new)
            return len(workers) == len(first) and len(new) == 1 and started

        await wait_until(replaced, "a new worker with its pool gauges", 120, 0.5)
        values = await scrape(server.base_url)
        assert values[("smarttask_http_requests_total", key)] == sent
        assert values[("smarttask_db_pool", (("use", "size"),))] == 2 * POOL_SIZE
    finally:
        server.stop()


async def scrape(base_url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of one scrape, by name and sorted labels."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        scraped = await http.get("/metrics")
    assert scraped.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(scraped.text)
        for sample in family.samples
    }


_COLD = """
import json, os, sys
from lambda_events import LambdaContext, http_v2, response_json

if os.environ.get("METRICS") == "on":
    os.environ["SMARTTASK_METRICS_ENABLED"] = "true"
from smarttask.entrypoints.lambda_http import handler

for path in ("/health", "/metrics"):
    response = handler(http_v2("GET", path), LambdaContext())
    print(json.dumps({"step": path, "status": response["statusCode"],
                      "loaded": "prometheus_client" in sys.modules}), flush=True)
"""


def test_a_cold_start_without_metrics_imports_no_prometheus_client(
    database_url: str, tmp_path: Path
) -> None:
    steps = run_cold_handler(_COLD, database_url, tmp_path)
    assert steps["/health"] == {"step": "/health", "status": 200, "loaded": False}
    assert steps["/metrics"] == {"step": "/metrics", "status": 404, "loaded": False}
    enabled = run_cold_handler(
        "import os\nos.environ['METRICS'] = 'on'\n" + _COLD, database_url, tmp_path
    )
    assert enabled["/metrics"]["status"] == 200
    assert enabled["/metrics"]["loaded"] is True
