"""The `smarttask` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from smarttask import __version__


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from smarttask.db.migrate import upgrade
    from smarttask.kit.logging import configure_logging
    from smarttask.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    if settings.database.is_sqlite and settings.auto_migrate:
        upgrade()
    uvicorn.run(
        "smarttask.entrypoints.asgi:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from smarttask.db.migrate import upgrade
    from smarttask.kit.logging import configure_logging
    from smarttask.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    upgrade(revision=args.revision)
    print(f"database migrated to {args.revision}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="smarttask", description=__doc__)
    parser.add_argument("--version", action="version", version=f"smarttask {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API (default http://127.0.0.1:8000)")
    serve.add_argument("--host", help="address to listen on (default SMARTTASK_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default SMARTTASK_PORT)")
    serve.add_argument("--workers", type=int, help="worker processes (default SMARTTASK_WORKERS)")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.add_argument("--revision", default="head", help="target revision (default: head)")
    migrate.set_defaults(run=_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
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
