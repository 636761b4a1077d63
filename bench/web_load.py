"""The web app: the board page against the JSON API, bytes of a first load, time to interactive.

In one run, on PostgreSQL (database created afresh, migrated), one `smarttask serve` with 2
uvicorn workers, without its in-process job worker (SMARTTASK_WORKER_IN_PROCESS=false, as
with a separate `smarttask worker`: no periodic job runs in the middle of a measurement):

1. through the API: an owner, two members, a workspace and a project with --tasks (200)
   tasks: the four statuses, priorities, labels, assignees, due dates, every tenth a subtask;
2. signed in through the sign-in page (GET /login for the CSRF token and the browser cookie,
   then the form's POST: the session cookie), wrk on the board page
   `GET /projects/{id}/board` with the cookies, against the JSON API's pages that hold the
   same tasks: `GET /api/v1/projects/{id}/tasks?limit=100` and the pages its `next_cursor`
   names (the API answers at most 100 tasks a page), each connection asking for them in
   turn, with a bearer token. Both send `Accept-Encoding: gzip`, as a browser does (the page
   is gzipped, the API's JSON is not). A warm-up, then rounds in alternating order. It prints
   req/s, p50, p99 and the CPU each request cost the workers and PostgreSQL, and the ratio
   of board pages per second to "the same tasks through the API" per second (one such set
   is one request per API page; target: at least 0.5);
3. in Chromium (Playwright driving Debian's `chromium`), signed in with the same cookies: the
   bytes on the wire of a cold first load of the board (a new browser context, empty cache:
   the HTML, CSS, JS and icon, compressed) and of a warm one (the same context, cache
   primed), from the DevTools protocol's `Network.loadingFinished` `encodedDataLength`
   (headers included; target: cold at most 150 KB);
4. the time from navigation start to an interactive board, median of --loads (10), cold and
   warm: until board.js sets `data-ready` on the board element (`[data-board]`) once its
   handlers are attached; on a page without that mark, DOMContentLoaded (the deferred
   scripts, board.js among them, have run and attached their handlers) or the first
   draggable card, whichever is later, and it says so;
5. in-process, one request at a time (no server, no load): the CPU of a board page and the
   part of it spent rendering templates and in gzip, against the API's pages.

    .venv/bin/python bench/web_load.py [--tasks 200] [--duration 10] [--rounds 4] [--loads 10]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from auth_load import (
    TABLE_HEAD,
    Run,
    backend_pids,
    migrate,
    print_row,
    print_run,
    recreate_database,
    smarttask,
    sqlalchemy_url,
)
from loadgen import generator_name, run_paths
from procinfo import cpu_seconds, machine, uvicorn_workers
from seed_tasks import PASSWORD, create_account

TARGET_RATIO = 0.5
TARGET_COLD_KB = 150
API_PAGE = 100
STATUSES = ("todo", "in_progress", "done", "cancelled")
PRIORITIES = ("none", "low", "medium", "high", "urgent")
LABELS = ("frontend", "backend", "bug", "design", "infra", "docs")
VERBS = ("Fix", "Write", "Design", "Review")
THINGS = ("sign-in form", "pricing page", "release notes", "search box", "settings page")
# Marks taken in the page from navigation start (performance.now()), injected before any of
# the page's own scripts (the DevTools protocol is not bound by the page's CSP).
MARKS_SCRIPT = """
(() => {
  const marks = {};
  window.__benchMarks = marks;
  const check = () => {
    if (marks.ready === undefined && document.querySelector('[data-board][data-ready]')) {
      marks.ready = performance.now();
    }
    if (marks.draggable === undefined && document.querySelector('[draggable="true"]')) {
      marks.draggable = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['data-ready', 'draggable'],
  });
  document.addEventListener('DOMContentLoaded', () => {
    marks.dcl = performance.now();
    check();
  });
})();
"""


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200, help="tasks in the project")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per path")
    parser.add_argument("--rounds", type=int, default=4, help="measured runs per path")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads / Python processes")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--loads", type=int, default=10, help="browser loads per median")
    parser.add_argument(
        "--breakdown", type=int, default=50, help="in-process requests of the CPU breakdown"
    )
    parser.add_argument(
        "--page",
        default="/projects/{project}/board",
        help="the page measured ({project} is the project's id)",
    )
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="smarttask_bench_web", help="dropped, recreated")
    parser.add_argument("--port", type=int, default=18141)
    return parser.parse_args()


@dataclass
class Seeded:
    """What the run created through the API."""

    project_id: str
    owner_email: str
    token: str
    task_ids: list[str] = field(default_factory=list)


async def seed(base: str, tasks: int) -> Seeded:
    """Owner, two members, a workspace, a project and its tasks, all through the API."""
    run = time.time_ns()
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        owner = f"web-bench-{run}-owner@example.com"
        _, token = await create_account(client, owner, "Ada Lovelace")
        client.headers["Authorization"] = f"Bearer {token}"
        workspace = (await client.post("/api/v1/workspaces", json={"name": "Acme"})).json()
        people = []
        for index, name in enumerate(("Grace Hopper", "Alan Turing")):
            email = f"web-bench-{run}-{index}@example.com"
            async with httpx.AsyncClient(base_url=base, timeout=60) as other:
                user_id, _ = await create_account(other, email, name)
            added = await client.post(
                f"/api/v1/workspaces/{workspace['id']}/members",
                json={"email": email, "role": "member"},
            )
            added.raise_for_status()
            people.append(user_id)
        project = await client.post(
            f"/api/v1/workspaces/{workspace['id']}/projects",
            json={"name": "Website", "key": "WEB", "description": "The public website."},
        )
        project.raise_for_status()
        seeded = Seeded(project.json()["id"], owner, token)
        now = datetime.now(UTC)
        limit = asyncio.Semaphore(8)

        async def create(n: int) -> str:
            body: dict[str, Any] = {
                "title": f"{VERBS[n % 4]} the {THINGS[n // 4 % 5]} ({n})",
                "description": f"Details of task {n}.\n\n- first\n- second",
                "status": STATUSES[n % 4],
                "priority": PRIORITIES[n * 7 % 5],
                "labels": [LABELS[n % 6], LABELS[(n + 2) % 6]][: 1 + n % 2],
                "assignee_id": people[n % 2] if n % 3 else None,
                "due_at": (now + timedelta(days=n % 30 - 10)).isoformat() if n % 2 else None,
                "estimate_minutes": 30 + n % 240 if n % 4 == 1 else None,
            }
            if n % 10 == 9 and seeded.task_ids:
                body["parent_id"] = seeded.task_ids[0]
            async with limit:
                answer = await client.post(f"/api/v1/projects/{seeded.project_id}/tasks", json=body)
            answer.raise_for_status()
            return str(answer.json()["id"])

        seeded.task_ids.append(await create(0))
        seeded.task_ids += await asyncio.gather(*(create(n) for n in range(1, tasks)))
    return seeded


def sign_in(base: str, email: str) -> dict[str, str]:
    """The cookies of a sign-in through the page: the browser cookie, then the session's."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        form = client.get("/login")
        form.raise_for_status()
        found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        if found is None:
            raise RuntimeError("no CSRF token on /login")
        body = {"csrf_token": found.group(1), "email": email, "password": PASSWORD}
        answer = client.post("/login", data=body | {"next": "/my-tasks"})
        if answer.status_code != 303 or "st_session" not in client.cookies:
            raise RuntimeError(f"the sign-in failed: {answer.status_code} {answer.text[:300]}")
        return {name: value for name, value in client.cookies.items() if value}


def api_pages(base: str, project_id: str, token: str) -> tuple[list[str], list[str]]:
    """The API pages that hold every task of the project (their paths), and the task ids."""
    paths, ids = [], []
    cursor = None
    while True:
        path = f"/api/v1/projects/{project_id}/tasks?limit={API_PAGE}"
        if cursor:
            path += f"&cursor={quote(cursor)}"
        page = _get(base + path, {"Authorization": f"Bearer {token}"})
        body = json.loads(page[1])
        paths.append(path)
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return paths, ids


def _get(url: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    """One GET without decompression: (status, body as sent, headers)."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def cookie_header(cookies: dict[str, str]) -> str:
    """The cookies as one Cookie header."""
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def measure(
    master: int,
    base: str,
    paths: list[str],
    headers: dict[str, str],
    args: argparse.Namespace,
    seconds: float,
    lua: Path,
    dsn: str,
) -> Run:
    """One load run of the paths with the CPU it cost the workers and PostgreSQL per request."""
    workers = uvicorn_workers(master)
    backends = asyncio.run(backend_pids(dsn))
    cpu_before, pg_before = cpu_seconds(workers), cpu_seconds(backends)
    load = run_paths(
        base,
        paths,
        headers,
        seconds=seconds,
        connections=args.connections,
        threads=args.threads,
        lua=lua,
    )
    cpu, pg = cpu_seconds(workers) - cpu_before, cpu_seconds(backends) - pg_before
    if sorted(uvicorn_workers(master)) != sorted(workers):
        print("  ! a worker died or was restarted during the run (CPU figure void)")
    per = 1e6 / load.requests if load.requests else float("nan")
    return Run(load, cpu * per, pg * per)


def compare(
    args: argparse.Namespace,
    master: int,
    base: str,
    loads: dict[str, tuple[list[str], dict[str, str]]],
    lua: Path,
    dsn: str,
) -> dict[str, tuple[float, float, float, float, float]]:
    """Warm-up, then rounds in alternating order; the medians of each load."""
    for paths, headers in loads.values():
        measure(master, base, paths, headers, args, args.warmup, lua, dsn)
    results: dict[str, list[Run]] = {}
    names = list(loads)
    for round_index in range(args.rounds):
        for name in names if round_index % 2 == 0 else names[::-1]:
            paths, headers = loads[name]
            run = measure(master, base, paths, headers, args, args.duration, lua, dsn)
            results.setdefault(name, []).append(run)
            print_run(f"round {round_index + 1} {name}", run)
    print("\nmedians over the rounds; CPU = uvicorn workers, PG = PostgreSQL backends, per request")
    print(TABLE_HEAD)
    return {name: print_row(name, results[name]) for name in names}


def chromium() -> str:
    """Debian's Chromium (or SMARTTASK_CHROMIUM)."""
    found = os.environ.get("SMARTTASK_CHROMIUM") or shutil.which("chromium")
    if not found:
        raise SystemExit("Chromium is missing: apt-get install -y chromium")
    return found


@dataclass
class Transfer:
    """What one page load fetched: bytes on the wire per resource type, and from cache."""

    by_type: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    cached: int = 0

    @property
    def total(self) -> int:
        """Every byte received."""
        return sum(self.by_type.values())


async def _network(page: Any) -> tuple[Any, Transfer]:
    """A DevTools session counting the page's bytes on the wire (Network.loadingFinished)."""
    session = await page.context.new_cdp_session(page)
    transfer = Transfer()
    kinds: dict[str, str] = {}

    from_cache: set[str] = set()

    def sent(event: dict[str, Any]) -> None:
        transfer.requests += 1
        kinds[event["requestId"]] = str(event.get("type", "Other"))

    def cached(event: dict[str, Any]) -> None:
        from_cache.add(event["requestId"])
        transfer.cached = len(from_cache)

    def received(event: dict[str, Any]) -> None:
        kinds[event["requestId"]] = str(event.get("type", "Other"))
        if event["response"].get("fromDiskCache") or event["response"].get("fromPrefetchCache"):
            from_cache.add(event["requestId"])
            transfer.cached = len(from_cache)

    def finished(event: dict[str, Any]) -> None:
        kind = kinds.get(event["requestId"], "Other")
        transfer.by_type[kind] = transfer.by_type.get(kind, 0) + int(event["encodedDataLength"])

    session.on("Network.requestWillBeSent", sent)
    session.on("Network.requestServedFromCache", cached)
    session.on("Network.responseReceived", received)
    session.on("Network.loadingFinished", finished)
    await session.send("Network.enable")
    return session, transfer


async def _context(browser: Any, base: str, cookies: dict[str, str]) -> Any:
    context = await browser.new_context(base_url=base, viewport={"width": 1280, "height": 800})
    await context.add_cookies(
        [{"name": name, "value": value, "url": base} for name, value in cookies.items()]
    )
    await context.add_init_script(MARKS_SCRIPT)
    return context


@dataclass(frozen=True, slots=True)
class Load:
    """One navigation's marks (ms from navigation start)."""

    interactive: float
    marked: bool
    dcl: float
    load: float


async def _load(page: Any, url: str) -> Load:
    """Navigate, wait for the interactive board; the marks."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    await page.goto("about:blank")
    response = await page.goto(url, wait_until="load")
    if response is None:
        raise RuntimeError(f"{url}: no answer")
    with contextlib.suppress(PlaywrightTimeout):  # no data-ready mark: the fallback below
        await page.wait_for_function("() => window.__benchMarks.ready !== undefined", timeout=3000)
    marks = await page.evaluate(
        "() => ({...window.__benchMarks, "
        "load: performance.getEntriesByType('navigation')[0].loadEventEnd})"
    )
    if marks.get("ready") is not None:
        return Load(marks["ready"], True, marks["dcl"], marks["load"])
    fallback = max(marks["dcl"], marks.get("draggable") or 0.0)
    return Load(fallback, False, marks["dcl"], marks["load"])


async def browser_part(
    base: str, url: str, cookies: dict[str, str], loads: int
) -> tuple[Transfer, Transfer, list[Load], list[Load]]:
    """Bytes of a cold and a warm load; `loads` cold and warm loads' marks."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            context = await _context(browser, base, cookies)
            page = await context.new_page()
            session, cold = await _network(page)
            await _load(page, url)
            await page.wait_for_load_state("networkidle")
            await session.detach()
            session, warm = await _network(page)
            await _load(page, url)
            await page.wait_for_load_state("networkidle")
            await session.detach()
            await context.close()
            cold_loads, warm_loads = [], []
            for _ in range(loads):
                context = await _context(browser, base, cookies)
                page = await context.new_page()
                cold_loads.append(await _load(page, url))
                warm_loads.append(await _load(page, url))
                await context.close()
        finally:
            await browser.close()
    return cold, warm, cold_loads, warm_loads


def _kb(size: float) -> str:
    return f"{size / 1000:.1f} KB"


def _met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def print_transfer(label: str, transfer: Transfer) -> None:
    """Bytes of one load by resource type."""
    parts = ", ".join(f"{kind} {_kb(size)}" for kind, size in sorted(transfer.by_type.items()))
    print(
        f"{label}: {_kb(transfer.total)} on the wire ({parts}); {transfer.requests} requests, "
        f"{transfer.cached} answered from the browser's cache"
    )


def print_loads(label: str, loads: list[Load]) -> None:
    """The median and range of the time to an interactive board."""
    marked = all(load.marked for load in loads)
    times = [load.interactive for load in loads]
    what = (
        "board.js's data-ready"
        if marked
        else "no data-ready mark: max(DOMContentLoaded, first draggable card)"
    )
    print(
        f"{label}: median {statistics.median(times):.0f} ms (min {min(times):.0f}, max "
        f"{max(times):.0f}; {what}); DOMContentLoaded median "
        f"{statistics.median(load.dcl for load in loads):.0f} ms, load event median "
        f"{statistics.median(load.load for load in loads):.0f} ms"
    )


def sizes(base: str, page: str, api: list[str], cookies: dict[str, str], token: str) -> None:
    """The bytes of one board page and of the API pages, gzipped and not."""
    for encoding in ("gzip", "identity"):
        page_headers = {"Cookie": cookie_header(cookies), "Accept-Encoding": encoding}
        api_headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": encoding}
        board = len(_get(base + page, page_headers)[1])
        pages = [len(_get(base + path, api_headers)[1]) for path in api]
        print(
            f"body bytes ({encoding}): board page {_kb(board)}; API pages "
            + " + ".join(_kb(size) for size in pages)
        )


async def breakdown(
    url: str, page: str, api: list[str], cookies: dict[str, str], token: str, count: int
) -> None:
    """In-process, one request at a time (no server, no load): the CPU of a board page and
    how much of it goes to rendering the templates and to gzip, against the API's pages."""
    import gc
    import gzip

    import jinja2

    from inprocess import call
    from smarttask.app import create_app
    from smarttask.settings import Settings
    from smarttask.web import render

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, rate_limit_enabled=False, log_level="WARNING"
    )
    app = create_app(settings)
    page_headers = [
        (b"cookie", cookie_header(cookies).encode()),
        (b"accept", b"text/html"),
        (b"accept-encoding", b"gzip"),
    ]
    api_headers = [(b"authorization", f"Bearer {token}".encode()), (b"accept-encoding", b"gzip")]
    spent = {"templates": 0.0, "gzip": 0.0}
    template_render, compress = jinja2.Template.render, gzip.compress

    def timed_render(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
        started = time.process_time()
        try:
            return template_render(self, *args, **kwargs)
        finally:
            spent["templates"] += time.process_time() - started

    def timed_compress(data: bytes, compresslevel: int = 9, *, mtime: float | None = None) -> bytes:
        started = time.process_time()
        try:
            return compress(data, compresslevel, mtime=mtime)
        finally:
            spent["gzip"] += time.process_time() - started

    async def cpu_ms(paths: list[str], headers: list[tuple[bytes, bytes]]) -> float:
        started = time.process_time()
        for _ in range(count):
            for path in paths:
                status, body = await call(app, "GET", path, headers)
                if status != 200:
                    raise RuntimeError(f"{path}: {status} {body[:200]!r}")
        return (time.process_time() - started) / count * 1000

    await cpu_ms([page], page_headers)  # warm-up
    await cpu_ms(api, api_headers)
    gc.collect()  # the garbage collector as in a server's worker (entrypoints/asgi.py)
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    jinja2.Template.render = timed_render  # type: ignore[method-assign]
    render.gzip.compress = timed_compress  # type: ignore[assignment]
    try:
        board = await cpu_ms([page], page_headers)
    finally:
        jinja2.Template.render = template_render  # type: ignore[method-assign]
        render.gzip.compress = compress  # type: ignore[assignment]
    pages = await cpu_ms(api, api_headers)
    templates, zipped = spent["templates"] / count * 1000, spent["gzip"] / count * 1000
    rest = board - templates - zipped
    print(
        f"in-process, one request at a time, {count} requests: board page {board:.1f} ms CPU "
        f"(templates {templates:.1f} ms, gzip {zipped:.1f} ms, the rest {rest:.1f} ms: "
        f"routing, session, queries, rows to objects); the API's {len(api)} pages "
        f"{pages:.1f} ms CPU together"
    )


def main() -> int:
    """Create the data, measure the page against the API, then in Chromium; print."""
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    dsn = f"{args.postgres}/{args.database}"
    url = sqlalchemy_url(args.postgres, args.database)
    pg_version = asyncio.run(recreate_database(args.postgres, args.database))
    migrate(url)
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['nproc']} cores, Linux {info['kernel']}, "
        f"Python {info['python']}, PostgreSQL {pg_version}; "
        + ", ".join(f"{p} {version(p)}" for p in ("fastapi", "jinja2", "uvicorn", "playwright"))
    )
    print("load average at the start: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    with tempfile.TemporaryDirectory(prefix="smarttask-web-bench-") as tmp:
        os.environ |= {"SMARTTASK_WORKER_IN_PROCESS": "false", "SMARTTASK_DATA_DIR": tmp}
        with smarttask(url, args.port, args.workers, Path(tmp) / "server.log") as server:
            base = f"http://127.0.0.1:{args.port}"
            seeded = asyncio.run(seed(base, args.tasks))
            cookies = sign_in(base, seeded.owner_email)
            page = args.page.format(project=seeded.project_id)
            api, ids = api_pages(base, seeded.project_id, seeded.token)
            status, html, _ = _get(base + page, {"Cookie": cookie_header(cookies)})
            shown = sum(1 for task_id in seeded.task_ids if task_id in html.decode())
            print(
                f"data: {args.tasks} tasks through the API; the page {args.page} (HTTP {status}) "
                f"names {shown} of them; the API's {len(api)} pages of at most {API_PAGE} hold "
                f"{len(ids)}"
            )
            print(
                f"load: {generator_name()}, {args.connections} connections, {args.threads} "
                f"threads, {args.warmup:g} s warm-up per path, then {args.rounds} rounds of "
                f"{args.duration:g} s per path, the order reversed every other round; "
                f"{args.workers} uvicorn workers, no in-process job worker"
            )
            sizes(base, page, api, cookies, seeded.token)
            loads = {
                "board page": (
                    [page],
                    {"Cookie": cookie_header(cookies), "Accept-Encoding": "gzip"},
                ),
                f"API, {len(api)} pages in turn": (
                    api,
                    {"Authorization": f"Bearer {seeded.token}", "Accept-Encoding": "gzip"},
                ),
            }
            rows = compare(args, server.pid, base, loads, Path(tmp) / "paths.lua", dsn)
            board, per_page = rows["board page"], rows[f"API, {len(api)} pages in turn"]
            same_tasks = per_page[0] / len(api)
            ratio = board[0] / same_tasks
            print(
                f"board pages/s over 'the same {len(ids)} tasks through the API'/s (one request "
                f"per API page, {same_tasks:.0f}/s): {ratio:.2f} (target >= {TARGET_RATIO}: "
                f"{_met(ratio >= TARGET_RATIO)}); per request {board[0] / per_page[0]:.2f}; "
                f"CPU per board page {board[3]:.0f} us against {per_page[3] * len(api):.0f} us "
                f"for the API's {len(api)} pages"
            )
            cold, warm, cold_loads, warm_loads = asyncio.run(
                browser_part(base, base + page, cookies, args.loads)
            )
            print_transfer("cold first load", cold)
            within = cold.total <= TARGET_COLD_KB * 1000
            print(f"  target: cold <= {TARGET_COLD_KB} KB: {_met(within)}")
            print_transfer("warm load", warm)
            print_loads(f"time to interactive, cold (new context), {args.loads} loads", cold_loads)
            print_loads(f"time to interactive, warm (cache primed), {args.loads} loads", warm_loads)
            asyncio.run(breakdown(url, page, api, cookies, seeded.token, args.breakdown))
    print("load average at the end: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
