"""The `smarttask worker` and `smarttask jobs list|retry` commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import Any

from smarttask.jobs.models import STATES

log = logging.getLogger("smarttask.jobs")


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add `worker` and the `jobs` group to the top-level parser."""
    worker = commands.add_parser("worker", help="run background jobs until SIGTERM/SIGINT")
    worker.add_argument(
        "--concurrency", type=int, help="jobs at once (default SMARTTASK_JOB_CONCURRENCY)"
    )
    worker.add_argument(
        "--grace", type=float, default=10.0, help="seconds to let running jobs finish on stop"
    )
    worker.set_defaults(run=_worker)

    jobs = commands.add_parser("jobs", help="inspect and re-queue background jobs")
    sub = jobs.add_subparsers(dest="jobs_command", required=True)
    listing = sub.add_parser("list", help="list jobs, most recently changed first")
    listing.add_argument("--state", choices=STATES, help="only jobs in this state")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.set_defaults(run=_list)
    retry = sub.add_parser("retry", help="re-queue dead jobs (their attempts start again)")
    retry.add_argument("ids", nargs="*", help="ids of dead jobs")
    retry.add_argument("--all-dead", action="store_true", help="re-queue every dead job")
    retry.set_defaults(run=_retry)


def _prepare() -> Any:
    from smarttask.db.migrate import upgrade
    from smarttask.kit.logging import configure_logging
    from smarttask.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    if settings.database.is_sqlite and settings.auto_migrate:
        upgrade()
    return settings


def _worker(args: argparse.Namespace) -> int:
    settings = _prepare()
    asyncio.run(run_worker(settings, concurrency=args.concurrency, grace=args.grace))
    return 0


async def run_worker(settings: Any, *, concurrency: int | None = None, grace: float = 10) -> None:
    """Run the worker loop until SIGTERM or SIGINT, then stop gracefully."""
    from smarttask.db.engine import Database
    from smarttask.jobs.worker import Worker

    database = Database(settings.database)
    worker = Worker(database, settings, concurrency=concurrency)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, worker.stop)
    log.info("worker started", extra={"worker": worker.name, "concurrency": worker.concurrency})
    try:
        await worker.run(grace_seconds=grace)
    finally:
        await database.dispose()
    log.info("worker stopped", extra={"worker": worker.name})


def _list(args: argparse.Namespace) -> int:
    from smarttask.db.engine import Database
    from smarttask.jobs import repository

    settings = _prepare()

    async def fetch() -> list[Any]:
        database = Database(settings.database)
        try:
            async with database.session(writes=False) as session:
                return await repository.list_jobs(session, state=args.state, limit=args.limit)
        finally:
            await database.dispose()

    rows = asyncio.run(fetch())
    default_max = settings.jobs.max_attempts
    print(f"{'ID':36}  {'KIND':32}  {'STATE':7}  {'TRIES':>5}  {'RUN AT':20}  LAST ERROR")
    for job in rows:
        tries = f"{job.attempts}/{job.max_attempts or default_max}"
        run_at = job.run_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        error = (job.last_error or "")[:60]
        print(f"{job.id:36}  {job.kind[:32]:32}  {job.state:7}  {tries:>5}  {run_at:20}  {error}")
    print(f"{len(rows)} job(s)", file=sys.stderr)
    return 0


def _retry(args: argparse.Namespace) -> int:
    from smarttask.db.engine import Database
    from smarttask.db.types import utcnow
    from smarttask.jobs import repository
    from smarttask.jobs.queue import configure, notify_after_commit

    if bool(args.ids) == bool(args.all_dead):
        print("smarttask: give job ids or --all-dead (not both)", file=sys.stderr)
        return 2
    settings = _prepare()

    async def requeue() -> list[str]:
        database = Database(settings.database)
        configure(database, settings.jobs)
        try:
            async with database.session() as session:
                ids = None if args.all_dead else list(args.ids)
                done = await repository.requeue_dead(session, now=utcnow(), ids=ids)
                for job_id in done:
                    notify_after_commit(session, job_id)
                await session.commit()
                return done
        finally:
            await database.dispose()

    requeued = asyncio.run(requeue())
    for job_id in requeued:
        print(job_id)
    print(f"re-queued {len(requeued)} job(s)", file=sys.stderr)
    missing = sorted(set(args.ids) - set(requeued))
    if missing:
        print(f"smarttask: not dead (or unknown): {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0
