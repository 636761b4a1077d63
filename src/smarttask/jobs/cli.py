"""The `smarttask jobs list|retry` commands (`smarttask worker` is in entrypoints/cli.py)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from smarttask.jobs.models import STATES

if TYPE_CHECKING:
    from smarttask.runtime import Runtime


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `jobs` group to the top-level parser."""
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


def _list(args: argparse.Namespace, runtime: Runtime) -> int:
    from smarttask.jobs import repository

    runtime.prepare()

    async def fetch() -> list[Any]:
        async with runtime.database.session(writes=False) as session:
            return await repository.list_jobs(session, state=args.state, limit=args.limit)

    rows = runtime.run(fetch)
    default_max = runtime.settings.jobs.max_attempts
    print(f"{'ID':36}  {'KIND':32}  {'STATE':7}  {'TRIES':>5}  {'RUN AT':20}  LAST ERROR")
    for job in rows:
        tries = f"{job.attempts}/{job.max_attempts or default_max}"
        run_at = job.run_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        error = (job.last_error or "")[:60]
        print(f"{job.id:36}  {job.kind[:32]:32}  {job.state:7}  {tries:>5}  {run_at:20}  {error}")
    print(f"{len(rows)} job(s)", file=sys.stderr)
    return 0


def _retry(args: argparse.Namespace, runtime: Runtime) -> int:
    from smarttask.db.types import utcnow
    from smarttask.jobs import repository
    from smarttask.jobs.queue import notify_after_commit

    if bool(args.ids) == bool(args.all_dead):
        print("smarttask: give job ids or --all-dead (not both)", file=sys.stderr)
        return 2
    runtime.prepare()

    async def requeue() -> list[str]:
        async with runtime.database.session() as session:
            ids = None if args.all_dead else list(args.ids)
            done = await repository.requeue_dead(session, now=utcnow(), ids=ids)
            for job_id in done:
                notify_after_commit(session, job_id)
            await session.commit()
            return done

    requeued = runtime.run(requeue)
    for job_id in requeued:
        print(job_id)
    print(f"re-queued {len(requeued)} job(s)", file=sys.stderr)
    missing = sorted(set(args.ids) - set(requeued))
    if missing:
        print(f"smarttask: not dead (or unknown): {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0
