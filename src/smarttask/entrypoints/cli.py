"""The `smarttask` command line."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from smarttask import __version__

if TYPE_CHECKING:
    from smarttask.runtime import Runtime


def _is_loopback(host: str) -> bool:
    """Whether the address only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def _serve(args: argparse.Namespace) -> int:
    if args.no_worker:
        # Read by get_settings() in this process and in uvicorn's worker processes alike.
        os.environ["SMARTTASK_WORKER_IN_PROCESS"] = "false"
    import uvicorn

    from smarttask.db.migrate import upgrade
    from smarttask.kit.logging import configure_logging
    from smarttask.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    host = args.host or settings.host
    if settings.secret_key_generated:
        if not _is_loopback(host) and not (
            args.allow_generated_key or settings.allow_generated_key
        ):
            print(
                f"smarttask: refusing to listen on {host} with a signing key generated into "
                f"{settings.secret_key_file}: set SMARTTASK_SECRET_KEY to a random value of at "
                "least 32 characters (python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
                "), or pass --allow-generated-key (SMARTTASK_ALLOW_GENERATED_KEY=true) if this "
                "one machine's key file is what you want",
                file=sys.stderr,
            )
            return 2
        logging.getLogger("smarttask.security").warning(
            "serving with a generated signing key; set SMARTTASK_SECRET_KEY for production",
            extra={"key_file": settings.secret_key_file},
        )
    if settings.database.is_sqlite and settings.auto_migrate:
        upgrade()
    workers = args.workers or settings.workers
    if settings.metrics_enabled and (workers > 1 or settings.metrics_multiproc_dir):
        from smarttask.metrics.multiprocess import prepare_folder

        # The workers (new processes) read it from their settings: they count into files.
        os.environ["SMARTTASK_METRICS_MULTIPROC_DIR"] = prepare_folder(
            settings.metrics_multiproc_dir, settings.data_dir
        )
    uvicorn.run(
        "smarttask.entrypoints.asgi:app",
        host=host,
        port=args.port or settings.port,
        workers=workers,
        log_config=None,
        access_log=False,
        # Proxy headers only from the proxies the operator named; uvicorn's own default
        # would trust loopback (and its FORWARDED_ALLOW_IPS variable).
        proxy_headers=bool(settings.forwarded_allow_ips.strip()),
        forwarded_allow_ips=settings.forwarded_allow_ips.strip(),
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    return 0


def _migrate(args: argparse.Namespace, runtime: Runtime) -> int:
    from smarttask.db.migrate import upgrade
    from smarttask.kit.logging import configure_logging

    settings = runtime.settings
    configure_logging(settings.log_level, json_lines=settings.log_json)
    upgrade(settings.database.url, revision=args.revision)
    print(f"database migrated to {args.revision}", file=sys.stderr)
    return 0


def _user_create(args: argparse.Namespace, runtime: Runtime) -> int:
    from smarttask.accounts import service
    from smarttask.kit.problems import ProblemError

    async def create() -> str:
        async with runtime.database.session() as session:
            user = await service.register(
                session,
                runtime.auth,
                email=args.email,
                password=args.password,
                name=args.name or args.email.split("@")[0],
                is_admin=args.admin,
            )
            await session.commit()
            return user.id

    try:
        user_id = runtime.run(create)
    except ProblemError as problem:
        print(f"smarttask: {problem.detail}", file=sys.stderr)
        return 1
    role = "administrator" if args.admin else "user"
    print(f"created {role} {user_id} <{args.email}>")
    return 0


def _demo(args: argparse.Namespace, runtime: Runtime) -> int:
    from smarttask.db.migrate import upgrade
    from smarttask.demo import DEMO_PASSWORD, analyze_demo_tables, has_users, load_demo
    from smarttask.kit.progress import progress_bar

    settings = runtime.settings
    if settings.database.is_sqlite and settings.auto_migrate:
        upgrade(settings.database.url)

    async def load() -> str | None:
        async with runtime.database.session() as session:
            if await has_users(session):
                if args.if_empty:
                    return None
                raise SystemExit(
                    "smarttask: the database already has users; demo data "
                    "goes into an empty database only"
                )
            summary = await load_demo(
                session, runtime.auth, tasks=args.tasks, progress=progress_bar(args.tasks)
            )
            await session.commit()
            # Bulk-loaded tables have no statistics before autovacuum comes round: until
            # then PostgreSQL plans the first lists as sequential scans.
            await analyze_demo_tables(session)
            await session.commit()
            return summary.emails[0]

    email = runtime.run(load)
    url = runtime.settings.public_url
    if email is None:
        print(
            f"demo data: the database already has users; nothing loaded. Open {url}",
            file=sys.stderr,
        )
        return 0
    print(
        f"demo data loaded: {args.tasks} tasks in the workspace 'Acme Inc.'\n"
        f"open {url} and sign in as {email} (or grace@, linus@, margaret@, "
        f"ken@demo.smarttask.dev) with the password {DEMO_PASSWORD}",
        file=sys.stderr,
    )
    return 0


def _worker(args: argparse.Namespace, runtime: Runtime) -> int:
    runtime.prepare()
    runtime.run(lambda: run_worker(runtime, concurrency=args.concurrency, grace=args.grace))
    return 0


async def run_worker(
    runtime: Runtime, *, concurrency: int | None = None, grace: float = 10
) -> None:
    """Run the worker loop until SIGTERM or SIGINT, then stop gracefully."""
    import logging

    from smarttask.jobs.worker import Worker

    log = logging.getLogger("smarttask.jobs")
    worker = Worker(runtime.database, runtime.settings, runtime.jobs, concurrency=concurrency)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, worker.stop)
    log.info("worker started", extra={"worker": worker.name, "concurrency": worker.concurrency})
    await worker.run(grace_seconds=grace)
    log.info("worker stopped", extra={"worker": worker.name})


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="smarttask", description=__doc__)
    parser.add_argument("--version", action="version", version=f"smarttask {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API (default http://127.0.0.1:8000)")
    serve.add_argument("--host", help="address to listen on (default SMARTTASK_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default SMARTTASK_PORT)")
    serve.add_argument("--workers", type=int, help="worker processes (default SMARTTASK_WORKERS)")
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run background jobs in this process (run `smarttask worker` instead)",
    )
    serve.add_argument(
        "--allow-generated-key",
        action="store_true",
        help="listen beyond loopback even though the signing key was generated into the data "
        "folder (SMARTTASK_ALLOW_GENERATED_KEY); set SMARTTASK_SECRET_KEY instead in production",
    )
    serve.set_defaults(run=_serve, bare=True)  # reads its settings after --no-worker

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.add_argument("--revision", default="head", help="target revision (default: head)")
    migrate.set_defaults(run=_migrate)

    demo = commands.add_parser("demo", help="load a demo workspace into an empty database")
    demo.add_argument("--tasks", type=int, default=300, help="how many tasks (default 300)")
    demo.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing (and succeed) when the database already has users",
    )
    demo.set_defaults(run=_demo)

    user = commands.add_parser("user", help="manage users").add_subparsers(
        dest="user_command", required=True
    )
    create = user.add_parser("create", help="create a user (optionally an administrator)")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--name")
    create.add_argument("--admin", action="store_true", help="make an instance administrator")
    create.set_defaults(run=_user_create)

    worker = commands.add_parser("worker", help="run background jobs until SIGTERM/SIGINT")
    worker.add_argument(
        "--concurrency", type=int, help="jobs at once (default SMARTTASK_JOB_CONCURRENCY)"
    )
    worker.add_argument(
        "--grace", type=float, default=10.0, help="seconds to let running jobs finish on stop"
    )
    worker.set_defaults(run=_worker)

    import importlib

    from smarttask.wiring import cli_modules

    for module in cli_modules():
        importlib.import_module(module).add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "bare", False):
            return int(args.run(args))
        from smarttask.runtime import build_runtime

        return int(args.run(args, build_runtime()))
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # settings errors and the like: say it plainly, no traceback
        from pydantic import ValidationError

        if isinstance(error, ValidationError):
            print(f"smarttask: invalid configuration:\n{error}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
